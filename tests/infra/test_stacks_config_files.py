"""Pulumi.yaml, Pulumi.dev.yaml, Pulumi.prod.yaml: typed, complete, and in line with infra/settings/."""

from __future__ import annotations

import pytest
import yaml

from infra.settings import PROJECT, setting_specs
from proof.mockrun import REPO_ROOT, load_stack_config

PROJECT_FILE = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())
SPECS = {s.key: s for s in setting_specs()}


def stack_file(stack: str) -> dict:
    return yaml.safe_load((REPO_ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]


def test_project_runs_python_from_the_stacks_folder():
    assert PROJECT_FILE["name"] == PROJECT
    assert PROJECT_FILE["runtime"]["name"] == "python"
    assert PROJECT_FILE["main"].rstrip("/") == "stacks"
    assert (REPO_ROOT / "stacks" / "__main__.py").is_file()


def test_project_config_declares_exactly_the_settings_of_infra_settings():
    assert set(PROJECT_FILE["config"]) == set(SPECS)


@pytest.mark.parametrize("key", sorted(SPECS))
def test_each_declared_setting_matches_its_type_default_and_description(key):
    declared, spec = PROJECT_FILE["config"][key], SPECS[key]

    assert declared["type"] == spec.type
    assert declared["default"] == spec.default
    assert " ".join(declared["description"].split()) == " ".join(spec.description.split())


def test_project_config_declarations_follow_the_pulumi_project_schema():
    for key, declared in PROJECT_FILE["config"].items():
        assert set(declared) <= {"type", "items", "description", "secret", "default"}, key
        assert declared["type"] in ("string", "integer", "boolean", "array"), key
        assert (declared["type"] == "array") == ("items" in declared), key


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_file_sets_only_declared_settings_the_region_and_the_default_tags(stack):
    for key in stack_file(stack):
        namespace, name = key.split(":", 1)
        assert (namespace, name) in (("aws", "region"), ("aws", "defaultTags")) or (
            namespace == PROJECT and name in SPECS), key


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_files_tag_everything_for_the_deploy_role_and_set_its_boundary(stack):
    config = stack_file(stack)
    app_name = config.get(f"{PROJECT}:appName", SPECS["appName"].default)
    # awsx's VPC tags its subnets, route tables and gateways only through the provider's default tags
    assert config["aws:defaultTags"] == {"tags": {"Project": app_name}}
    assert config[f"{PROJECT}:rolePermissionsBoundary"] == f"ci-{app_name}-workload-boundary"


def test_stack_values_override_project_defaults():
    values = load_stack_config("prod", {"workerMaxCount": 7})

    assert values[f"{PROJECT}:workerMaxCount"] == 7
    assert values[f"{PROJECT}:apiMinCount"] == 2
    assert values[f"{PROJECT}:taskTimeLimitSeconds"] == 300


def test_dev_is_small_and_cheap(dev):
    s = dev.settings

    assert (s.nat_gateways, s.availability_zones, s.worker_spot_percent) == ("single", 2, 100)
    assert (s.api_cpu, s.worker_cpu, s.db_multi_az, s.protect_stateful_resources) == (256, 256, False, False)


def test_prod_is_multi_az_protected_and_keeps_two_api_tasks(prod):
    s = prod.settings

    assert (s.nat_gateways, s.availability_zones, s.db_multi_az) == ("onePerAz", 3, True)
    assert s.api_min_count >= 2 and s.protect_stateful_resources and s.environment == "prod"
