"""With moto's IAM enforcement on, each task role may do its job and nothing more."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from proof.mockrun import ACCOUNT_ID, run_stack
from rehearsal.arns import ArnMap
from rehearsal.credentials import local_user_create, role_session
from rehearsal.database import LocalDatabase
from rehearsal.deploy import DeployContext, deploy
from rehearsal.emulator import Emulator


@pytest.fixture(scope="module")
def enforced(tmp_path_factory):
    """dev deployed to the emulator, IAM enforced, one session per task role."""
    run = run_stack("dev")
    emulator = Emulator.start(state_dir=tmp_path_factory.mktemp("enforced"), region=run.region)
    database = LocalDatabase.start()
    try:
        user = local_user_create(emulator)
        deploy(DeployContext(run=run, emulator=emulator, database=database, local_principal=user.principal_arn,
                             arns=ArnMap(ACCOUNT_ID, ACCOUNT_ID)))
        emulator.enforce_iam()
        emulator.admin = user
        roles = {service: role_session(emulator, run.task_definition(service).inputs["taskRoleArn"], service)
                 for service in ("api", "worker")}
        yield run, emulator, roles
    finally:
        emulator.stop()
        database.stop()


def _code(call) -> str:
    with pytest.raises(ClientError) as error:
        call()
    return error.value.response["Error"]["Message"]


def test_api_role_cannot_receive_messages(enforced):
    run, emulator, roles = enforced
    sqs = emulator.client("sqs", roles["api"])
    message = _code(lambda: sqs.receive_message(QueueUrl=run.outputs["queueUrl"], WaitTimeSeconds=0))
    assert "AccessDenied" in message and "sqs:ReceiveMessage" in message


def test_worker_role_cannot_purge_the_queue(enforced):
    run, emulator, roles = enforced
    sqs = emulator.client("sqs", roles["worker"])
    message = _code(lambda: sqs.purge_queue(QueueUrl=run.outputs["queueUrl"]))
    assert "AccessDenied" in message and "sqs:PurgeQueue" in message


def test_api_role_can_send_and_worker_role_can_receive_and_delete(enforced):
    run, emulator, roles = enforced
    url = run.outputs["queueUrl"]
    emulator.client("sqs", roles["api"]).send_message(QueueUrl=url, MessageBody="hello")
    worker = emulator.client("sqs", roles["worker"])
    (message,) = worker.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    worker.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_resource_scoping_is_enforced_for_sqs(enforced):
    run, emulator, roles = enforced
    sqs = emulator.client("sqs", roles["api"])
    message = _code(lambda: sqs.send_message(QueueUrl=run.outputs["deadLetterQueueUrl"], MessageBody="x"))
    assert "AccessDenied" in message


def test_the_exports_bucket_takes_uploads_from_the_api_and_reads_and_deletes_from_the_worker_only(enforced):
    run, emulator, roles = enforced
    bucket, key = run.outputs["exportsBucketName"], "exports/1/probe"
    api, worker = emulator.client("s3", roles["api"]), emulator.client("s3", roles["worker"])
    api.put_object(Bucket=bucket, Key=key, Body=b"x")
    assert worker.get_object(Bucket=bucket, Key=key)["Body"].read() == b"x"
    with pytest.raises(ClientError) as refused:
        api.get_object(Bucket=bucket, Key=key)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError) as refused:
        worker.put_object(Bucket=bucket, Key=key, Body=b"y")
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError) as refused:
        api.put_object(Bucket=bucket, Key="elsewhere/object", Body=b"x")  # only under exports/
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    for client in (api, worker):
        with pytest.raises(ClientError) as refused:
            client.list_objects_v2(Bucket=bucket)
        assert refused.value.response["Error"]["Code"] == "AccessDenied"
    worker.delete_object(Bucket=bucket, Key=key)


def test_unknown_credentials_are_refused_once_enforced(enforced):
    from rehearsal.emulator import BOOTSTRAP_CREDENTIALS

    _, emulator, _ = enforced
    message = _code(lambda: emulator.client("sqs", BOOTSTRAP_CREDENTIALS).list_queues())
    assert "InvalidClientTokenId" in message


def test_the_rehearsal_probes_show_the_same_denials(dev_report):
    lines = [p.line() for p in dev_report.probes]
    assert "api: sqs:ReceiveMessage on the queue -> AccessDenied (denied)" in lines
    assert "worker: sqs:PurgeQueue on the queue -> AccessDenied (denied)" in lines
    assert "api: s3:GetObject on the exports bucket -> AccessDenied (denied)" in lines
    assert "worker: s3:PutObject on the exports bucket -> AccessDenied (denied)" in lines
    assert all(p.denied for p in dev_report.probes)
