"""infra/registry.py: the ECR repository and the digest-pinned image reference."""

from __future__ import annotations

import json

import pytest

from infra.args import ComponentArgsError
from infra.registry import Registry, RegistryArgs, build_context_tag


def test_repository_scans_on_push_with_immutable_tags(stacks):
    for run in stacks:
        repo = run.one("aws:ecr/repository:Repository").inputs
        assert (repo["name"], repo["imageTagMutability"]) == (f"healthkit-{run.stack}", "IMMUTABLE")
        assert repo["imageScanningConfiguration"] == {"scanOnPush": True}


def test_lifecycle_only_caps_the_count_and_never_expires_untagged_images_by_age(dev):
    rules = json.loads(dev.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs["policy"])["rules"]

    # an image index's platform manifest is untagged: an age rule on untagged images could expire
    # what a running service pulls (infra/policies.py, ecr_lifecycle_policy)
    assert [(r["selection"]["tagStatus"], r["selection"]["countType"], r["selection"]["countNumber"])
            for r in rules] == [("any", "imageCountMoreThan", 20)]


def test_build_tag_changes_when_and_only_when_build_inputs_change(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM python:3.11-slim\n")
    (tmp_path / "app.py").write_text("print(1)\n")
    (tmp_path / ".dockerignore").write_text("docs\n")
    (tmp_path / "docs").mkdir()
    first = build_context_tag(tmp_path, tmp_path / "Dockerfile")

    (tmp_path / "docs" / "notes.md").write_text("ignored by docker")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert build_context_tag(tmp_path, tmp_path / "Dockerfile") == first

    (tmp_path / "app.py").write_text("print(2)\n")
    assert build_context_tag(tmp_path, tmp_path / "Dockerfile") != first
    assert first.startswith("build-") and len(first) == len("build-") + 16


def test_image_and_build_context_conflict():
    with pytest.raises(ComponentArgsError, match="RegistryArgs.image .* conflicts with build_context"):
        Registry("registry", RegistryArgs(repository_name="r1", image="x", build_context="/tmp"))


def test_image_from_another_repository_is_rejected():
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/other@sha256:" + "0" * 64

    with pytest.raises(ComponentArgsError, match="must come from repository healthkit-dev"):
        Registry("registry", RegistryArgs(repository_name="healthkit-dev", image=image))


def test_image_pinned_by_digest_is_used_as_is():
    from proof.mockrun import run_program

    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/healthkit-dev@sha256:" + "ab" * 32
    run = run_program(lambda: Registry("registry", RegistryArgs(repository_name="healthkit-dev", image=image)).image_ref)

    assert run.result == image
    assert not run.calls and not run.of_type("awsx:ecr:Image")
