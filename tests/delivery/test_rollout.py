"""scripts/rollout against moto's ECS and ECR (in-process, `moto.mock_aws`).

Both services must end on new task definitions that differ from the old ones only by the app
containers' image, and the stack config must carry the digest afterwards.
"""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from rollout_lib import cli
from rollout_lib.ecs_rollout import RolloutError, apply, plan
from rollout_lib.image_ref import ImageRefError, parse_image_ref, repository_of
from rollout_lib.taskdefs import READ_ONLY_FIELDS, TaskDefinitionError, registration_request

from .conftest import REPO_ROOT

REGION = "eu-west-1"
ACCOUNT = "123456789012"
REPOSITORY = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/healthkit"
OLD_IMAGE = f"{REPOSITORY}@sha256:{'a' * 64}"
NEW_IMAGE = f"{REPOSITORY}@sha256:{'b' * 64}"
SIDECAR_IMAGE = "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4"
CLUSTER = "healthkit-dev"
API, WORKER = "api", "worker"  # service names, as the main program names them (families: healthkit-dev-<service>)

ENVIRONMENT = [{"name": "DJANGO_ENV", "value": "dev"}, {"name": "CELERY_BROKER_URL", "value": "sqs://"}]
SECRETS = [{"name": "DJANGO_SECRET_KEY", "valueFrom": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:healthkit-dev-django"}]
LOGS = {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/healthkit-dev", "awslogs-region": REGION, "awslogs-stream-prefix": "app"}}

CONFIG_TEXT = f"""\
# dev: the platform team's stack
config:
  aws:region: {REGION}
  aws:defaultTags:
    tags:
      project: healthkit
  # the image both services run (written by CI and scripts/rollout)
  healthkit-fargate:image: {OLD_IMAGE}
  healthkit-fargate:taskTimeLimitSeconds: "300"
"""


def task_definitions() -> dict[str, dict]:
    common = {
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "512",
        "memory": "1024",
        "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/healthkit-dev-execution",
        "runtimePlatform": {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"},
        "tags": [{"key": "project", "value": "healthkit"}],
    }
    api = {
        "family": f"{CLUSTER}-{API}",
        "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/healthkit-dev-api-task",
        "containerDefinitions": [
            {"name": "migrate", "image": OLD_IMAGE, "essential": False, "command": ["python", "manage.py", "migrate_locked"],
             "environment": ENVIRONMENT, "secrets": SECRETS, "logConfiguration": LOGS},
            {"name": "api", "image": OLD_IMAGE, "essential": True, "command": ["gunicorn", "backend.wsgi:application"],
             "portMappings": [{"containerPort": 8000, "protocol": "tcp"}], "environment": ENVIRONMENT, "secrets": SECRETS,
             "dependsOn": [{"containerName": "migrate", "condition": "SUCCESS"}], "logConfiguration": LOGS},
        ],
        **common,
    }
    worker = {
        "family": f"{CLUSTER}-{WORKER}",
        "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/healthkit-dev-worker-task",
        "containerDefinitions": [
            {"name": "worker", "image": OLD_IMAGE, "essential": True, "stopTimeout": 120,
             "command": ["celery", "-A", "backend", "worker", "--queues", "apple-health-imports", "--loglevel", "INFO"],
             "healthCheck": {"command": ["CMD", "python", "-m", "backend.health", "worker"], "interval": 30, "timeout": 10,
                             "retries": 3, "startPeriod": 60},
             "environment": ENVIRONMENT, "secrets": SECRETS, "logConfiguration": LOGS},
            {"name": "log-router", "image": SIDECAR_IMAGE, "essential": False,
             "firelensConfiguration": {"type": "fluentbit"}},
        ],
        **common,
    }
    return {API: api, WORKER: worker}


@pytest.fixture
def aws(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
                        "AWS_DEFAULT_REGION": REGION, "MOTO_ECS_SERVICE_RUNNING": "2"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield boto3.client("ecs", region_name=REGION)


def create_services(ecs) -> dict[str, str]:
    arns = {}
    for name, definition in task_definitions().items():
        arn = ecs.register_task_definition(**definition)["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(cluster=CLUSTER, serviceName=name, taskDefinition=arn, desiredCount=2, launchType="FARGATE")
        arns[name] = arn
    return arns


@pytest.fixture
def services(aws) -> dict[str, str]:
    aws.create_cluster(clusterName=CLUSTER)
    return create_services(aws)


@pytest.fixture
def repo(tmp_path) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: healthkit-fargate\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text(CONFIG_TEXT)
    return tmp_path


def rollout(repo: Path, *args: str, docker=None) -> tuple[int, str]:
    out = io.StringIO()
    # a short default timeout: a test that never stabilises fails fast (a later --timeout wins)
    code = cli.run(["--stack", "dev", "--poll", "0", "--timeout", "5", *args], repo_root=repo, sleep=lambda _s: None, docker=docker, out=out)
    return code, out.getvalue()


def running_task_definition(ecs, service: str) -> dict:
    arn = ecs.describe_services(cluster=CLUSTER, services=[service])["services"][0]["taskDefinition"]
    return ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])


def without_images(described: dict, names: set[str]) -> dict:
    definition = {k: v for k, v in described["taskDefinition"].items() if k not in READ_ONLY_FIELDS}
    definition = copy.deepcopy(definition)
    for container in definition["containerDefinitions"]:
        if container["name"] in names:
            container.pop("image")
    return {"taskDefinition": definition, "tags": described.get("tags")}


# --- the rollout ---------------------------------------------------------------------------------


def test_both_services_end_on_new_task_definitions_that_differ_only_by_image(aws, services, repo):
    before = {name: aws.describe_task_definition(taskDefinition=arn, include=["TAGS"]) for name, arn in services.items()}

    code, output = rollout(repo, "--image", NEW_IMAGE)

    assert code == 0, output
    for name, app_containers in ((API, {"migrate", "api"}), (WORKER, {"worker"})):
        after = running_task_definition(aws, name)
        assert after["taskDefinition"]["taskDefinitionArn"] != services[name]
        assert after["taskDefinition"]["revision"] == before[name]["taskDefinition"]["revision"] + 1
        images = {c["name"]: c["image"] for c in after["taskDefinition"]["containerDefinitions"]}
        assert {images[c] for c in app_containers} == {NEW_IMAGE}
        assert without_images(after, app_containers) == without_images(before[name], app_containers)
    sidecar = next(c for c in running_task_definition(aws, WORKER)["taskDefinition"]["containerDefinitions"]
                   if c["name"] == "log-router")
    assert sidecar["image"] == SIDECAR_IMAGE


def test_the_stack_config_gets_the_digest_and_keeps_everything_else(aws, services, repo):
    code, output = rollout(repo, "--image", NEW_IMAGE)

    assert code == 0, output
    assert (repo / "Pulumi.dev.yaml").read_text() == CONFIG_TEXT.replace(OLD_IMAGE, NEW_IMAGE)
    assert "commit it" in output


def test_cluster_and_services_can_come_from_stack_outputs(aws, repo):
    aws.create_cluster(clusterName="hk-dev-cluster-1a2b")
    arns = {}
    for name, definition in task_definitions().items():
        arn = aws.register_task_definition(**definition)["taskDefinition"]["taskDefinitionArn"]
        aws.create_service(cluster="hk-dev-cluster-1a2b", serviceName=f"{name}-x1", taskDefinition=arn, desiredCount=2)
        arns[name] = arn
    outputs = repo / "outputs.json"
    outputs.write_text(json.dumps({"clusterName": "hk-dev-cluster-1a2b", "apiServiceName": f"{API}-x1",
                                   "workerServiceName": f"{WORKER}-x1", "other": 1}))

    code, output = rollout(repo, "--image", NEW_IMAGE, "--outputs", str(outputs))

    assert code == 0, output
    services = aws.describe_services(cluster="hk-dev-cluster-1a2b", services=[f"{API}-x1", f"{WORKER}-x1"])["services"]
    assert all(s["taskDefinition"] not in arns.values() for s in services)


def test_dry_run_changes_nothing(aws, services, repo):
    code, output = rollout(repo, "--image", NEW_IMAGE, "--dry-run")

    assert code == 0, output
    assert "migrate, api" in output and "dry run" in output
    assert {running_task_definition(aws, s)["taskDefinition"]["taskDefinitionArn"] for s in services} == set(services.values())
    assert (repo / "Pulumi.dev.yaml").read_text() == CONFIG_TEXT


@pytest.mark.parametrize("bad", ["healthkit:latest", f"{REPOSITORY}@sha256:{'B' * 64}", f"{REPOSITORY}:v1@sha256:{'b' * 64}"])
def test_an_invalid_image_reference_is_refused_before_any_call(aws, services, repo, bad):
    code, output = rollout(repo, "--image", bad)

    assert code == 2
    assert output.startswith("error: ") and "sha256" in output
    assert aws.list_task_definitions()["taskDefinitionArns"] == sorted(services.values())
    assert (repo / "Pulumi.dev.yaml").read_text() == CONFIG_TEXT


def test_a_missing_service_stops_the_rollout_before_anything_changes(aws, services, repo):
    code, output = rollout(repo, "--image", NEW_IMAGE, "--service", API, "--service", "nope")

    assert code == 1
    assert "service/nope" in output and "MISSING" in output
    assert sorted(aws.list_task_definitions()["taskDefinitionArns"]) == sorted(services.values())
    assert (repo / "Pulumi.dev.yaml").read_text() == CONFIG_TEXT


def test_services_that_never_stabilise_leave_the_config_alone_and_say_how_to_go_back(aws, repo, monkeypatch):
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "0")  # tasks never reach RUNNING
    aws.create_cluster(clusterName=CLUSTER)
    create_services(aws)

    code, output = rollout(repo, "--image", NEW_IMAGE, "--timeout", "0")

    assert code == 1
    assert "not stable" in output and "running 0/2" in output
    assert f"--image {OLD_IMAGE}" in output
    assert (repo / "Pulumi.dev.yaml").read_text() == CONFIG_TEXT


def test_a_failed_update_puts_the_services_already_updated_back(aws, services):
    class FailingWorkerUpdate:
        def __init__(self, client):
            self._client = client

        def __getattr__(self, name):
            return getattr(self._client, name)

        def update_service(self, **kwargs):
            if kwargs["service"] == WORKER:
                raise RuntimeError("throttled")
            return self._client.update_service(**kwargs)

    ecs = FailingWorkerUpdate(aws)
    plans = plan(ecs, CLUSTER, [API, WORKER], parse_image_ref(NEW_IMAGE))

    with pytest.raises(RolloutError, match=f"put back on their previous task definition: {API}"):
        apply(ecs, CLUSTER, plans)
    assert running_task_definition(aws, API)["taskDefinition"]["taskDefinitionArn"] == services[API]


# --- pushing a local image -----------------------------------------------------------------------


class FakeDocker:
    """The docker CLI: `push` stores a manifest in (moto's) ECR, as a registry would."""

    def __init__(self, platform="linux/amd64"):
        self.calls: list[list[str]] = []
        self.platform = platform

    def __call__(self, args, check=True, text=True, input=None, capture_output=False):
        self.calls.append(args)
        stdout = ""
        if args[:3] == ["docker", "image", "inspect"]:
            stdout = self.platform + "\n"
        if args[:2] == ["docker", "login"]:
            assert input and "--password-stdin" in args
        if args[:2] == ["docker", "push"]:
            repository, _, tag = args[2].rpartition(":")
            manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                        "config": {"digest": "sha256:" + "c" * 64, "size": 1, "mediaType": "application/vnd.docker.container.image.v1+json"},
                        "layers": []}
            boto3.client("ecr", region_name=REGION).put_image(
                repositoryName=repository.split("/", 1)[1], imageManifest=json.dumps(manifest), imageTag=tag)
        return subprocess.CompletedProcess(args, 0, stdout, "")


def test_push_sends_the_local_image_to_the_stacks_repository_and_rolls_out_its_digest(aws, services, repo):
    boto3.client("ecr", region_name=REGION).create_repository(repositoryName="healthkit")
    docker = FakeDocker()

    code, output = rollout(repo, "--push", "healthkit:local", "--tag", "rollout-test", docker=docker)

    assert code == 0, output
    digest = boto3.client("ecr", region_name=REGION).describe_images(
        repositoryName="healthkit", imageIds=[{"imageTag": "rollout-test"}])["imageDetails"][0]["imageDigest"]
    pushed = f"{REPOSITORY}@{digest}"
    assert ["docker", "push", f"{REPOSITORY}:rollout-test"] in docker.calls
    assert f"healthkit-fargate:image: {pushed}" in (repo / "Pulumi.dev.yaml").read_text()
    for name in (API, WORKER):
        images = {c["image"] for c in running_task_definition(aws, name)["taskDefinition"]["containerDefinitions"]}
        assert pushed in images


def test_push_refuses_an_image_built_for_another_architecture(aws, services, repo):
    boto3.client("ecr", region_name=REGION).create_repository(repositoryName="healthkit")
    docker = FakeDocker(platform="linux/arm64")

    code, output = rollout(repo, "--push", "healthkit:local", docker=docker)

    assert code == 1
    assert "linux/arm64" in output and "--platform linux/amd64" in output
    assert not any(call[:2] == ["docker", "push"] for call in docker.calls)


def test_the_script_runs_from_the_repository():
    result = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "rollout"), "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "--image" in result.stdout and "--push" in result.stdout


# --- image references ----------------------------------------------------------------------------


@pytest.mark.parametrize("good", [NEW_IMAGE, f"localhost:5000/team/app@sha256:{'0' * 64}", f"python@sha256:{'f' * 64}"])
def test_digest_references_are_accepted(good):
    assert str(parse_image_ref(f"  {good} ")) == good


@pytest.mark.parametrize(
    "bad, message",
    [
        ("", "empty"),
        (f"{REPOSITORY}:latest", "has no digest"),
        (f"{REPOSITORY}@sha256:{'b' * 63}", "is not sha256:<64"),
        (f"{REPOSITORY}@sha512:{'b' * 64}", "is not sha256:<64"),
        (f"{REPOSITORY}@sha256:{'B' * 64}", "is not sha256:<64"),
        (f"{REPOSITORY}:v1@sha256:{'b' * 64}", "drop the tag"),
        (f"Healthkit@sha256:{'b' * 64}", "not a valid image repository"),
    ],
)
def test_other_references_are_refused_with_the_reason(bad, message):
    with pytest.raises(ImageRefError, match=message):
        parse_image_ref(bad)


def test_repository_of_keeps_a_registry_port():
    assert repository_of("localhost:5000/app:1.0") == "localhost:5000/app"
    assert repository_of(f"localhost:5000/app@sha256:{'a' * 64}") == "localhost:5000/app"


def test_image_ref_module_is_a_command(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "rollout_lib.image_ref", NEW_IMAGE], capture_output=True, text=True,
                        cwd=REPO_ROOT / "scripts", timeout=30)
    bad = subprocess.run([sys.executable, "-m", "rollout_lib.image_ref", "x:latest"], capture_output=True, text=True,
                         cwd=REPO_ROOT / "scripts", timeout=30)
    assert (ok.returncode, ok.stdout.strip()) == (0, NEW_IMAGE)
    assert bad.returncode == 2 and "has no digest" in bad.stderr


# --- task definitions (pure) ---------------------------------------------------------------------


def described_api() -> dict:
    definition = copy.deepcopy(task_definitions()[API])
    definition.pop("tags")
    definition.update({"taskDefinitionArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{CLUSTER}-{API}:7", "revision": 7,
                       "status": "ACTIVE", "requiresAttributes": [{"name": "ecs.capability.secrets.asm.environment-variables"}],
                       "compatibilities": ["EC2", "FARGATE"], "registeredAt": "2026-01-01T00:00:00Z",
                       "registeredBy": f"arn:aws:sts::{ACCOUNT}:assumed-role/deploy/x", "futureOutputOnlyField": 1})
    return definition


def test_registration_request_strips_read_only_fields_and_replaces_only_images():
    request, dropped = registration_request(described_api(), parse_image_ref(NEW_IMAGE), accepted_fields=set(task_definitions()[API]) | {"taskRoleArn"})

    assert not set(READ_ONLY_FIELDS) & set(request)
    assert dropped == ["futureOutputOnlyField"]
    assert [c["image"] for c in request["containerDefinitions"]] == [NEW_IMAGE, NEW_IMAGE]
    assert described_api()["containerDefinitions"][0]["image"] == OLD_IMAGE  # input untouched


def test_containers_can_be_chosen_by_name_and_unknown_names_are_refused():
    request, _ = registration_request(described_api(), parse_image_ref(NEW_IMAGE), containers=["api"])
    assert [c["image"] for c in request["containerDefinitions"]] == [OLD_IMAGE, NEW_IMAGE]
    with pytest.raises(TaskDefinitionError, match="no container named web"):
        registration_request(described_api(), parse_image_ref(NEW_IMAGE), containers=["web"])


def test_an_image_from_another_repository_is_refused_without_explicit_containers():
    with pytest.raises(TaskDefinitionError, match="pass --container"):
        registration_request(described_api(), parse_image_ref(f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/other@sha256:{'b' * 64}"))
