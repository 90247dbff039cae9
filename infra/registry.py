"""The image registry: one ECR repository (scan on push, immutable tags, lifecycle policy) and the
image reference both services run, always pinned by digest.

The reference is either the ``image`` app developers pushed (by digest, or by tag resolved to its
digest at deploy time) or an image built from the Dockerfile and pushed by ``awsx.ecr.Image``.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_aws as aws

from infra import policies
from infra.args import check

#: Never part of a build context hash (caches, VCS data, local state).
_ALWAYS_IGNORED = (".git", ".venv", "__pycache__", ".pytest_cache", ".rehearsal", "node_modules", ".mypy_cache", ".ruff_cache")

_DIGEST_REF = re.compile(r"^(?P<repo>[^@]+)@(?P<digest>sha256:[0-9a-f]{64})$")
_TAG_REF = re.compile(r"^(?P<registry>\d{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/(?P<repo>[^:@]+):(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$")


def _dockerignore_patterns(context: Path) -> list[str]:
    path = context / ".dockerignore"
    if not path.is_file():
        return []
    patterns = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and not line.startswith("!"):
            patterns.append(line.strip("/"))
    return patterns


def build_context_tag(context: str | os.PathLike, dockerfile: str | os.PathLike) -> str:
    """A tag naming the build inputs: ``build-<16 hex>`` of every file's path and bytes.

    The repository's tags are immutable, so a build must push a new tag exactly when its inputs
    change. Files matched by ``.dockerignore`` (simple patterns) and caches are left out; leaving
    out too little only costs a rebuild, never a stale image.
    """
    root = Path(context).resolve()
    ignore = _dockerignore_patterns(root)
    digest = hashlib.sha256()
    docker_path = Path(dockerfile).resolve()
    if docker_path.is_file():
        digest.update(b"Dockerfile\0" + docker_path.read_bytes())
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in _ALWAYS_IGNORED and not _ignored((rel_dir / d).as_posix(), ignore)
        )
        for filename in sorted(filenames):
            rel = (rel_dir / filename).as_posix()
            if _ignored(rel, ignore) or filename.endswith((".pyc", ".pyo")):
                continue
            path = Path(dirpath) / filename
            if not path.is_file():
                continue
            digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return f"build-{digest.hexdigest()[:16]}"


def _ignored(rel: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel, f"{p}/*") or rel == p for p in patterns)


@dataclass
class RegistryArgs:
    """Arguments of :class:`Registry`."""

    repository_name: str
    """ECR repository name (developers push here). Required; lowercase, 2-256 characters."""

    image: str = ""
    """Image to run, from this repository: ``<repo-url>@sha256:<digest>`` (used as is) or
    ``<repo-url>:<tag>`` (resolved to its digest). Conflicts with ``build_context``.
    Default: empty (build)."""

    build_context: str = ""
    """Absolute path of the Docker build context; required when ``image`` is empty.
    Default: empty."""

    dockerfile: str = ""
    """Absolute path of the Dockerfile. Default: ``<build_context>/Dockerfile``."""

    platform: str = "linux/amd64"
    """Build platform: ``linux/amd64`` or ``linux/arm64`` (match the task cpuArchitecture).
    Default: linux/amd64."""

    max_images: int = 50
    """Lifecycle: keep at most this many images. 1-1000. Default: 50."""


    protect: bool = False
    """Pulumi ``protect`` on the repository and no force-delete of a non-empty one (prod).
    Default: false."""

    tags: dict[str, str] = field(default_factory=dict)
    """Tags on the repository. Default: none."""


class Registry(pulumi.ComponentResource):
    """ECR repository + lifecycle policy, and the digest-pinned image reference."""

    repository: aws.ecr.Repository
    repository_url: pulumi.Output[str]
    repository_arn: pulumi.Output[str]
    registry_id: pulumi.Output[str]
    image_ref: pulumi.Output[str]

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None):
        check(bool(re.fullmatch(r"[a-z0-9][a-z0-9._/-]{1,255}", args.repository_name)),
              "RegistryArgs", "repository_name", args.repository_name,
              "must be 2-256 lowercase letters, digits, . _ / -", "e.g. healthkit-dev")
        check(not (args.image and args.build_context), "RegistryArgs", "image", args.image,
              "conflicts with build_context", "give either image (pinned) or build_context (build)")
        check(bool(args.image or args.build_context), "RegistryArgs", "build_context", args.build_context,
              "is required when image is empty", "give the Docker build context or a pinned image")
        if args.image:
            check(bool(_DIGEST_REF.match(args.image) or _TAG_REF.match(args.image)),
                  "RegistryArgs", "image", args.image,
                  "must be an ECR reference pinned by digest (@sha256:<64 hex>) or by tag (:<tag>)",
                  "use the repositoryUrl output with @<digest> or :<tag>")
            ref_repo = (_DIGEST_REF.match(args.image) or _TAG_REF.match(args.image))["repo"]
            check(ref_repo.split("/", 1)[-1] == args.repository_name,
                  "RegistryArgs", "image", args.image,
                  f"must come from repository {args.repository_name} (the execution role pulls only there)",
                  "push the image to this stack's repository")
        check(args.platform in ("linux/amd64", "linux/arm64"), "RegistryArgs", "platform", args.platform,
              "must be linux/amd64 or linux/arm64", "match the task cpuArchitecture")
        check(1 <= args.max_images <= 1000, "RegistryArgs", "max_images", args.max_images,
              "must be between 1 and 1000", "choose e.g. 50")
        super().__init__("healthkit:registry:Registry", name, None, opts)

        self.repository = aws.ecr.Repository(
            f"{name}-repository",
            name=args.repository_name,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="AES256")],
            force_delete=not args.protect,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=self.repository.name,
            policy=json.dumps(policies.ecr_lifecycle_policy(
                max_images=args.max_images)),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.repository_url = self.repository.repository_url
        self.repository_arn = self.repository.arn
        self.registry_id = self.repository.registry_id
        self.image_ref = self._image_ref(name, args)
        self.register_outputs({
            "repositoryUrl": self.repository_url, "repositoryArn": self.repository_arn,
            "imageRef": self.image_ref,
        })

    def _image_ref(self, name: str, args: RegistryArgs) -> pulumi.Output[str]:
        if args.image and _DIGEST_REF.match(args.image):
            return pulumi.Output.from_input(args.image)
        if args.image:
            m = _TAG_REF.match(args.image)
            found = aws.ecr.get_image_output(
                registry_id=m["registry"], repository_name=m["repo"], image_tag=m["tag"],
                opts=pulumi.InvokeOutputOptions(parent=self, depends_on=[self.repository]),
            )
            repo_path = args.image.rsplit(":", 1)[0]
            return found.image_digest.apply(lambda digest: f"{repo_path}@{digest}")
        import pulumi_awsx as awsx  # only the build path needs the awsx plugin

        dockerfile = args.dockerfile or str(Path(args.build_context) / "Dockerfile")
        image = awsx.ecr.Image(
            f"{name}-image",
            repository_url=self.repository.repository_url,
            context=args.build_context,
            dockerfile=dockerfile,
            platform=args.platform,
            image_tag=build_context_tag(args.build_context, dockerfile),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return image.image_uri
