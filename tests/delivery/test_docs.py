"""The delivery docs keep up with what they describe: every alarm the stack defines has a runbook
entry, every GitHub variable the workflows read is documented, the architecture diagram exists."""

from __future__ import annotations

import re

import yaml

from .conftest import REPO_ROOT

DEPLOY = (REPO_ROOT / "docs" / "deploy.md").read_text()
RUNBOOK = (REPO_ROOT / "docs" / "runbook.md").read_text()


def test_every_alarm_of_the_stack_has_a_runbook_section():
    from infra.alarms import AlarmThresholds, alarm_definitions
    from infra.monitoring import MonitoredResources

    roles = {a.role for a in alarm_definitions(prefix="p", resources=MonitoredResources(
        queue_name="q", dlq_name="d", cluster_name="c", api_service_name="api", worker_service_name="worker",
        load_balancer_arn_suffix="app/l/1", target_group_arn_suffix="targetgroup/t/1", emf_namespace="HealthKitImport",
        emf_dimensions={"ServiceName": "healthkit", "Environment": "dev"}), thresholds=AlarmThresholds())}
    headings = set(re.findall(r"^### `([a-z0-9-]+)`$", RUNBOOK, flags=re.MULTILINE))
    assert roles, "no alarms found"
    assert roles <= headings, f"alarms without a runbook entry: {sorted(roles - headings)}"


def test_the_runbook_explains_the_dlq_redrive_metrics_and_audit_trail():
    for needle in ("start-message-move-task", "list-message-move-tasks", "EMF", "/admin/", "ChunkFailures"):
        assert needle in RUNBOOK, needle


def test_every_github_variable_the_workflows_read_is_documented():
    used = set()
    for workflow in (REPO_ROOT / ".github" / "workflows").glob("*.yml"):
        used |= set(re.findall(r"vars\.([A-Z_]+)", workflow.read_text()))
    assert used
    for name in used:
        assert f"`{name}`" in DEPLOY, f"{name} is not documented in docs/deploy.md"


def test_deploy_doc_has_the_architecture_diagram_and_the_bootstrap_config():
    assert "```mermaid" in DEPLOY and "flowchart" in DEPLOY
    bootstrap = yaml.safe_load((REPO_ROOT / "bootstrap" / "Pulumi.yaml").read_text())
    assert bootstrap["config"]
    for key in bootstrap["config"]:
        assert f"`{key}`" in DEPLOY, f"bootstrap config {key} is not documented"
