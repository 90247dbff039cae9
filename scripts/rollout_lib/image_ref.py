"""Image references the rollout accepts: ``<repository>@sha256:<64 lowercase hex digits>``.

A tag can be moved after the fact; a digest names exactly one image, so both services (and
Pulumi's config) can be proven to run the same bytes. Standard library only: the release workflow
calls ``python3 -m rollout_lib.image_ref <ref>`` before `pulumi up`.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

EXPECTED = "<repository>@sha256:<64 hex digits>"
# docker/distribution reference grammar: an optional registry host[:port], then lowercase path
# components separated by "/".
_HOST_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_HOST = rf"(?:{_HOST_LABEL}(?:\.{_HOST_LABEL})*(?::[0-9]+)?)"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REPOSITORY_RE = re.compile(rf"(?:{_HOST}/)?{_COMPONENT}(?:/{_COMPONENT})*")
DIGEST_RE = re.compile(r"sha256:[0-9a-f]{64}")


class ImageRefError(ValueError):
    """An image reference that is not <repository>@sha256:<digest>; the message says how to fix it."""


@dataclass(frozen=True)
class ImageRef:
    repository: str
    digest: str

    def __str__(self) -> str:
        return f"{self.repository}@{self.digest}"


def parse_image_ref(value: str) -> ImageRef:
    """The reference, validated; raises ImageRefError naming the part that is wrong."""
    ref = value.strip()
    if not ref:
        raise ImageRefError(f"image reference is empty: expected {EXPECTED}")
    if "@" not in ref:
        raise ImageRefError(
            f"image {ref!r} has no digest: expected {EXPECTED}. A tag can be moved, a digest cannot: "
            "resolve it with `docker buildx imagetools inspect <image:tag>` or let `scripts/rollout --push` push it"
        )
    repository, _, digest = ref.partition("@")
    if not DIGEST_RE.fullmatch(digest):
        raise ImageRefError(f"digest {digest!r} of image {ref!r} is not sha256:<64 lowercase hex digits>")
    if repository_of(repository) != repository:
        raise ImageRefError(f"image {ref!r} has both a tag and a digest: drop the tag ({repository_of(repository)}@{digest})")
    if not REPOSITORY_RE.fullmatch(repository):
        raise ImageRefError(
            f"repository {repository!r} of image {ref!r} is not a valid image repository "
            "(lowercase, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/healthkit)"
        )
    return ImageRef(repository=repository, digest=digest)


def repository_of(image: str) -> str:
    """The repository part of any image string (drops ``@digest`` and ``:tag``, keeps a registry port)."""
    name = image.split("@", 1)[0]
    last_slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > last_slash else name


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(f"usage: python -m rollout_lib.image_ref {EXPECTED}", file=sys.stderr)
        return 2
    try:
        print(parse_image_ref(argv[0]))
    except ImageRefError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
