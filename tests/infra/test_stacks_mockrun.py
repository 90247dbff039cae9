"""proof/mockrun/ and stacks/__main__.py: the program runs under mocks exactly as Pulumi runs it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from infra.queue import Queue, QueueArgs
from infra.settings import SettingsError
from proof.mockrun import ACCOUNT_ID, REPO_ROOT, engine_config, run_program, run_stack
from stacks.program import OUTPUT_NAMES


def test_run_returns_every_output_as_a_plain_value(dev):
    assert tuple(dev.outputs) == OUTPUT_NAMES
    assert all(isinstance(v, str) and v for v in dev.outputs.values())


def test_run_records_type_name_inputs_parent_and_options(prod):
    queue = prod.one("aws:sqs/queue:Queue", "queue-queue")

    assert queue.parent == prod.one("healthkit:queue:Queue").urn
    assert queue.inputs["name"] == "healthkit-prod-apple-health-imports"
    assert queue.protect is True


def test_mock_answers_with_arns_and_urls_of_the_stacks_account_and_region(dev):
    queue = dev.one("aws:sqs/queue:Queue", "queue-queue")

    assert queue.outputs["arn"] == f"arn:aws:sqs:us-east-1:{ACCOUNT_ID}:healthkit-dev-apple-health-imports"
    assert dev.outputs["queueUrl"] == f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT_ID}/healthkit-dev-apple-health-imports"


def test_secret_inputs_are_recorded_unwrapped_and_flagged(dev):
    version = dev.one("aws:secretsmanager/secretVersion:SecretVersion")

    assert "secretString" in version.secret_inputs
    assert len(version.inputs["secretString"]) == 64


def test_engine_config_passes_strings_and_json_like_the_cli():
    assert engine_config({"a:n": 5, "a:b": True, "a:l": ["x"]}) == {"a:n": "5", "a:b": "true", "a:l": '["x"]'}


def test_overrides_go_on_top_of_the_stack_file():
    run = run_stack("dev", {"taskTimeLimitSeconds": 900, "taskSoftTimeLimitSeconds": 840, "aws:region": "eu-west-1"})

    queue = run.one("aws:sqs/queue:Queue", "queue-queue")
    assert queue.inputs["visibilityTimeoutSeconds"] == 960
    assert queue.outputs["arn"].startswith("arn:aws:sqs:eu-west-1:")


@pytest.mark.parametrize(("overrides", "setting"), [
    ({"queueVisibilityTimeoutSeconds": 200}, "queueVisibilityTimeoutSeconds"),
    ({"workerCpu": 512, "workerMemory": 512}, "workerMemory"),
    ({"apiMinCount": 4, "apiMaxCount": 2}, "apiMaxCount"),
], ids=["visibility-below-time-limit", "unsupported-cpu-memory", "min-above-max"])
def test_invalid_stack_config_fails_the_program_naming_the_setting(overrides, setting):
    with pytest.raises(SettingsError) as caught:
        run_stack("dev", overrides)

    assert setting in str(caught.value)
    assert [v.setting for v in caught.value.violations] == [setting]


def test_run_program_records_a_single_component():
    run = run_program(lambda: Queue("q", QueueArgs(queue_name="jobs", task_time_limit_seconds=60)).url)

    assert run.result.endswith("/jobs")
    assert run.type_counts()["aws:sqs/queue:Queue"] == 2


def test_entry_point_runs_as_pulumi_runs_it_from_another_directory(tmp_path):
    """``runpy.run_path("stacks")`` like the Python language host, with only stacks/ on sys.path."""
    script = textwrap.dedent(f"""
        import runpy, sys
        sys.path[:] = [p for p in sys.path if p not in ("", {str(REPO_ROOT)!r})]
        import pulumi
        from pulumi.runtime import mocks
        from pulumi.runtime.stack import run_pulumi_func
        from pulumi.runtime.sync_await import _sync_await

        class M(mocks.Mocks):
            def new_resource(self, args):
                out = dict(args.inputs)
                out.update(arn="arn:aws:x:us-east-1:{ACCOUNT_ID}:" + args.name, url="https://x/" + args.name,
                           name=out.get("name", args.name), vpcId="vpc-1", privateSubnetIds=["s1", "s2"],
                           publicSubnetIds=["p1", "p2"], registryId="{ACCOUNT_ID}", repositoryUrl="r",
                           imageUri="r@sha256:" + "0" * 64, dnsName="lb", arnSuffix="app/x/1",
                           masterUserSecrets=[{{"secretArn": "arn:aws:secretsmanager:us-east-1:1:secret:x"}}],
                           address="db", port=5432, result="k" * 64)
                if args.typ == "awsx:ec2:Vpc":
                    out = {{k: out[k] for k in ("vpcId", "privateSubnetIds", "publicSubnetIds")}}
                if args.typ == "awsx:ecr:Image":
                    out = {{"imageUri": out["imageUri"]}}
                return args.name + "-id", out
            def call(self, args):
                return {{}}

        pulumi.runtime.set_mocks(M(), project="healthkit-fargate", stack="dev", preview=False)
        pulumi.runtime.set_all_config({{"aws:region": "us-east-1"}})
        _sync_await(run_pulumi_func(lambda: runpy.run_path({str(REPO_ROOT / "stacks")!r}, run_name="__main__")))
        print("ENTRY POINT OK")
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr[-3000:]
    assert "ENTRY POINT OK" in done.stdout


def test_a_failed_program_run_does_not_leak_into_the_next_run():
    import pulumi_aws as aws

    def failing():
        aws.sqs.Queue("bad", name=pulumi_output_raising())

    with pytest.raises(Exception, match="boom"):
        run_program(failing)
    assert run_program(lambda: Queue("q", QueueArgs(queue_name="ok", task_time_limit_seconds=60)).url).result.endswith("/ok")


def pulumi_output_raising():
    import pulumi

    def boom(_):
        raise RuntimeError("boom")

    return pulumi.Output.from_input("x").apply(boom)


def test_an_alarm_email_set_as_secret_stays_secret_in_the_state():
    run = run_stack("dev", {"alarmEmail": "oncall@example.com"}, secret_keys=["alarmEmail"])

    subscription = run.one("aws:sns/topicSubscription:TopicSubscription")
    assert "endpoint" in subscription.secret_inputs
    assert subscription.inputs["endpoint"] == "oncall@example.com"


def test_a_plain_setting_set_as_secret_is_rejected_rather_than_leaked():
    with pytest.raises(SettingsError, match="without --secret"):
        run_stack("dev", {"dbHost": "db.example.com", "database": "existing",
                          "dbSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf"},
                  secret_keys=["dbHost"])
