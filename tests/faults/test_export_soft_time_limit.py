"""An export read longer than its task's soft time limit: the reading commits, lets go and
sends its task again, and the next task reads on from the last commit. The task never runs
past the queue's VisibilityTimeout (its limits are at most the chunk task's), so SQS never hands
a running export to a second worker; here the reader is held past its soft limit at a known
chunk (a lock the test holds), with no sweeper and no redelivery to bring the task back."""

import time

import pytest

from localservices.api import ApiClient
from localservices.export_files import export_zip_write
from localservices.waiting import wait_until
from tests.support.database_faults import chunk_insert_held
from tests.support.exports import bucket_create, export_uploaded_and_completed, export_wait

pytestmark = pytest.mark.django_db(transaction=True)

CHUNK_SIZE = 20
HELD_AT = 4
RECORDS = 300


def test_a_reading_stopped_by_its_soft_time_limit_is_read_on_by_the_task_it_sends(
    user, token_for, moto_server, sqs_queue_factory, worker_env_factory, celery_worker_factory, gunicorn_factory,
    postgres_server, test_database_name, tmp_path,
):
    from healthkit.models import AppleHealthExport, AppleHealthImportChunk, HealthSample

    queue = sqs_queue_factory(visibility_timeout=60)  # no redelivery within the test
    env = worker_env_factory(
        queue,
        chunk_size=CHUNK_SIZE,
        task_time_limit=59,
        task_soft_time_limit=58,
        exports_bucket=bucket_create(moto_server.s3_client()),
        extra={
            "HEALTHKIT_EXPORT_TIME_LIMIT": "3",
            "HEALTHKIT_EXPORT_SOFT_TIME_LIMIT": "1",
            "HEALTHKIT_EXPORT_CHUNKS_PER_COMMIT": "1",
            "HEALTHKIT_SWEEPER_INTERVAL": "0",  # no sweeper: only the task's own resend brings it back
        },
    )
    api = ApiClient(gunicorn_factory(env).base_url, token_for(user))
    archive = tmp_path / "export.zip"
    samples = export_zip_write(archive, records=RECORDS)

    with chunk_insert_held(postgres_server, test_database_name, index=HELD_AT):
        celery_worker_factory(env)
        created = export_uploaded_and_completed(api, archive.read_bytes())
        wait_until(lambda: AppleHealthExport.objects.filter(pk=created["id"], attempts__gte=2).exists(), timeout=30,
                   message="a second slice of the export, sent by the first at its soft time limit")
        held = AppleHealthExport.objects.get(pk=created["id"])
        assert (held.status, held.chunks_queued) == ("reading", HELD_AT)  # nothing past the held chunk, nothing twice
        time.sleep(0.5)
    status = export_wait(lambda: api.session.get(created["status_url"], timeout=10).json(), timeout=60)

    export = AppleHealthExport.objects.get(pk=created["id"])
    assert (status["status"], status["error"]) == ("read", None)
    assert export.attempts >= 2
    assert (status["batch"]["status"], status["batch"]["records_received"]) == ("completed", samples)
    assert status["batch"]["records_created"] == samples == HealthSample.objects.filter(owner=user).count()
    indexes = list(AppleHealthImportChunk.objects.filter(batch_id=export.batch_id).order_by("index").values_list("index", flat=True))
    assert indexes == list(range(export.chunks_queued))
