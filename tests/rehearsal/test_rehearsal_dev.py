"""A full rehearsal of dev succeeds, and its report says what it did (one shared run)."""

from __future__ import annotations

from rehearsal.report import render


def test_the_containers_ran_in_the_built_image_and_the_report_names_it(dev_report, image):
    assert dev_report.runtime.startswith(f"the image {image.summary()}; {image.bases}")
    assert f"Containers ran in the image {image.name}" in render(dev_report)


def test_dev_rehearsal_succeeds(dev_report):
    assert dev_report.failure == ""
    assert [t.name for t in dev_report.steps if not t.ok] == []


def test_every_recorded_resource_of_a_translated_type_is_created(dev_report):
    from rehearsal.deploy import STAND_INS, TRANSLATIONS

    translated = {t: n for t, n in dev_report.recorded.items() if t in TRANSLATIONS and t not in STAND_INS}
    assert dev_report.created() == translated


def test_dev_creates_its_queues_roles_secrets_and_task_definitions(dev_report):
    created = dev_report.created()
    assert created["aws:sqs/queue:Queue"] == 2
    assert created["aws:iam/role:Role"] == 3 and created["aws:iam/rolePolicy:RolePolicy"] == 3
    assert created["aws:ecs/taskDefinition:TaskDefinition"] == 2
    assert created["aws:secretsmanager/secret:Secret"] == 1
    assert created["aws:cloudwatch/metricAlarm:MetricAlarm"] >= 1


def test_what_is_not_emulated_is_listed_with_a_reason(dev_report):
    not_emulated = {o.type: o.reason for o in dev_report.outcomes if o.kind == "not emulated"}
    for type_token in ("awsx:ec2:Vpc", "aws:ec2/securityGroup:SecurityGroup", "aws:lb/loadBalancer:LoadBalancer",
                       "aws:appautoscaling/target:Target", "aws:rds/subnetGroup:SubnetGroup"):
        assert not_emulated[type_token]
    assert dev_report.stand_ins() == {"aws:ecs/service:Service": 2, "aws:rds/instance:Instance": 1,
                                      "awsx:ecr:Image": 1}


def test_the_batch_audit_counts_every_sample_and_every_duplicate(dev_report):
    sync = dev_report.sync
    assert (sync.samples_posted, sync.duplicates_posted) == (20_000, 2_000)
    assert len(sync.batches) == 5  # 4 requests of 5000, then one of 2000
    assert sync.chunks == 22
    assert sync.total("chunks_succeeded") == 22 and sync.total("chunks_failed") == 0
    assert sync.total("records_received") == 22_000
    assert sync.total("records_created") == 20_000
    assert sync.total("records_duplicate") == 2_000
    assert all(depth == {"visible": 0, "in_flight": 0} for depth in dev_report.queues_after.values())


def test_only_the_local_overrides_differ_from_the_task_definitions(dev_report):
    names = {o.name for overrides in dev_report.overrides.values() for o in overrides}
    # each container of the image has its own /tmp: the heartbeat file keeps its deployed path
    assert names == {
        "DB_HOST", "DB_PORT", "GUNICORN_CMD_ARGS",
        "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    }
    assert set(dev_report.overrides) == {"api/migrate", "api/api", "worker/worker"}
    assert not any(o.name == "GUNICORN_CMD_ARGS" for o in dev_report.overrides["worker/worker"])


def test_each_task_runs_with_its_own_task_role(dev_report):
    def role(container: str) -> str:
        return next(o.reason for o in dev_report.overrides[container] if o.name == "AWS_ACCESS_KEY_ID")

    assert "api-task" in role("api/api") and "api-task" in role("api/migrate")
    assert "worker-task" in role("worker/worker")


def test_trust_policies_are_adapted_to_the_local_principal(dev_report):
    assert len(dev_report.trust) == 3
    assert all("user/rehearsal instead of ecs-tasks.amazonaws.com" in line for line in dev_report.trust)


def test_the_roles_used_only_their_granted_actions(dev_report):
    assert set(dev_report.calls["api"]["allowed"]) == {
        "sqs:SendMessage", "sqs:GetQueueAttributes", "secretsmanager:GetSecretValue", "s3:PutObject"}
    # one message per chunk of both syncs, and the export's reading task
    assert dev_report.calls["api"]["allowed"]["sqs:SendMessage"] == 22 + 2 + 1
    assert dev_report.calls["api"]["allowed"]["s3:PutObject"] == 1  # the upload the api's presigned POST allows
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "secretsmanager:GetSecretValue", "s3:GetObject",
            "s3:DeleteObject"} <= set(dev_report.calls["worker"]["allowed"])
    chunks = dev_report.export.chunks  # the export's chunks are sent by the worker that reads it
    assert dev_report.calls["worker"]["allowed"]["sqs:SendMessage"] == chunks
    assert dev_report.calls["worker"]["allowed"]["sqs:DeleteMessage"] == 22 + 2 + 1 + chunks
    assert dev_report.calls["worker"]["allowed"]["s3:DeleteObject"] == 1
    assert "s3:PutObject" not in dev_report.calls["worker"]["allowed"]
    assert "s3:GetObject" not in dev_report.calls["api"]["allowed"]
    assert not dev_report.calls["api"]["denied"] and not dev_report.calls["worker"]["denied"]


def test_the_execution_role_reads_exactly_the_secrets_and_writes_the_logs(dev_report):
    allowed = dev_report.execution_role
    assert "ecr:GetAuthorizationToken on *" in allowed
    assert sum(a.startswith("secretsmanager:GetSecretValue") for a in allowed) == 1  # the django key only
    assert any(a.startswith("logs:PutLogEvents on arn:aws:logs:us-east-1:123456789012:log-group:/ecs/healthkit-dev")
               for a in allowed)
    assert sum(dev_report.log_events.values()) > 0


def test_the_password_rotates_under_the_running_services_and_the_next_sync_completes(dev_report):
    rotation = dev_report.rotation
    assert rotation.old_password_refused and rotation.version_after != rotation.version_before
    assert rotation.sessions_ended >= 2  # the api's and the worker's open connections
    assert rotation.rereads["api"] >= 1 and rotation.rereads["worker"] >= 1
    assert rotation.sync.samples_posted == 2000
    assert [b["status"] for b in rotation.sync.batches] == ["completed"]
    assert rotation.sync.total("chunks_failed") == 0
    assert rotation.sync.total("chunks_succeeded") == rotation.sync.chunks == 2
    assert rotation.sync.total("records_created") == 2000
    assert "Database password rotation" in render(dev_report)
    assert any(t.name.startswith("rotate the database password") and t.ok for t in dev_report.steps)


def test_the_worker_health_check_passes_before_and_after_the_sync(dev_report):
    assert len(dev_report.health) == 2
    assert all("(exit 0" in line for line in dev_report.health)
    assert dev_report.readiness.startswith("200")


def test_alarms_are_read_back_and_emf_lines_counted(dev_report):
    assert len(dev_report.alarms) == dev_report.recorded["aws:cloudwatch/metricAlarm:MetricAlarm"]
    assert set(dev_report.emf_lines) == {"api/migrate", "api/api", "worker/worker"}


def test_the_report_renders_every_section(dev_report):
    text = render(dev_report)
    for heading in ("Created in the emulator", "Not emulated, and why", "Trust policies adapted", "Local overrides",
                    "Least-privilege probes", "Batch audit", "EMF metric lines", "Alarms (DescribeAlarms)"):
        assert heading in text
    assert "AWS_SESSION_TOKEN=<redacted>" in text


def test_everything_started_is_stopped_afterwards(dev_report, all_stopped):
    all_stopped(dev_report)
