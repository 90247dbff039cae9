"""kill -9 of the worker while it reads an export: the new worker RESUMES at the last commit.

The reader is stopped at a known point (writing chunk HELD_AT waits on a lock the test holds:
chunks 0..HELD_AT-1 are committed with their resume point), then killed. The export keeps its
old heartbeat; once it is stale the sweeper sends the task again, a new worker claims it and
reads on from the committed element: nothing is lost, nothing is queued twice (the batch
received exactly the export's samples; a restart from zero would have counted them again).
"""

import pytest

from localservices.api import ApiClient
from localservices.export_files import export_zip_write
from localservices.waiting import wait_until
from tests.support.database_faults import chunk_insert_held
from tests.support.exports import bucket_create, export_uploaded_and_completed, export_wait

pytestmark = pytest.mark.django_db(transaction=True)

CHUNK_SIZE = 20
HELD_AT = 6
RECORDS = 600


def test_a_reader_killed_mid_export_is_resumed_from_its_last_commit_by_a_new_worker(
    user, token_for, moto_server, sqs_queue_factory, worker_env_factory, celery_worker_factory, gunicorn_factory,
    postgres_server, test_database_name, worker_sessions_blocked, tmp_path,
):
    from healthkit.models import AppleHealthExport, AppleHealthImportChunk, HealthSample

    queue = sqs_queue_factory(visibility_timeout=30)  # the sweeper, not a redelivery, brings the task back
    env = worker_env_factory(
        queue,
        chunk_size=CHUNK_SIZE,
        task_time_limit=29,
        task_soft_time_limit=28,  # the export task's too: no slice ends while the test holds the reader
        exports_bucket=bucket_create(moto_server.s3_client()),
        extra={
            "HEALTHKIT_EXPORT_CHUNKS_PER_COMMIT": "1",
            "HEALTHKIT_EXPORT_HEARTBEAT": "0.5",
            "HEALTHKIT_EXPORT_STALE_AFTER": "3",
            "HEALTHKIT_SWEEPER_INTERVAL": "1",
            "HEALTHKIT_SWEEPER_SEND_GRACE": "1",
        },
    )
    api = ApiClient(gunicorn_factory(env).base_url, token_for(user))
    archive = tmp_path / "export.zip"
    samples = export_zip_write(archive, records=RECORDS)

    with chunk_insert_held(postgres_server, test_database_name, index=HELD_AT):
        first = celery_worker_factory(env)
        created = export_uploaded_and_completed(api, archive.read_bytes())
        wait_until(lambda: AppleHealthExport.objects.filter(pk=created["id"], chunks_queued=HELD_AT).exists(), timeout=30)
        worker_sessions_blocked()
        export = AppleHealthExport.objects.get(pk=created["id"])
        assert (export.chunks_queued, export.attempts, export.status) == (HELD_AT, 1, "reading")
        reading = api.session.get(created["status_url"], timeout=10).json()  # progress while it runs
        assert (reading["chunks_queued"], reading["batch"]["chunks_total"], reading["batch"]["sealed"]) == (HELD_AT, HELD_AT, False)
        assert reading["batch"]["status"] in ("queued", "processing")
        resume_point = export.elements_read
        first.kill()

    celery_worker_factory(env)
    status = export_wait(lambda: api.session.get(created["status_url"], timeout=10).json(), timeout=90)

    export = AppleHealthExport.objects.get(pk=created["id"])
    assert (status["status"], status["error"], export.attempts) == ("read", None, 2)
    assert 0 < resume_point < export.elements_read
    assert (status["batch"]["status"], status["batch"]["records_received"]) == ("completed", samples)
    assert status["batch"]["records_created"] == samples == HealthSample.objects.filter(owner=user).count()
    indexes = list(AppleHealthImportChunk.objects.filter(batch_id=export.batch_id).order_by("index").values_list("index", flat=True))
    assert indexes == list(range(export.chunks_queued))
    assert status["samples_read"] == samples
