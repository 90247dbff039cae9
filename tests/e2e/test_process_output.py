"""What the containers write to stdout, which the awslogs driver ships line by line: JSON log
lines carrying the ids of the work in hand, and, from the worker's pool processes, EMF lines
that CloudWatch Logs turns into the dashboard's metrics. Each line is one JSON object."""

import json

import pytest

from localservices.api import ApiClient
from tests.support.imports import batch_with_chunks_create
from localservices.samples import heart_rate_samples

pytestmark = pytest.mark.django_db(transaction=True)

READY = " ready."
CHUNK_METRICS = {"ChunkProcessingTime": "Milliseconds", "ChunkFailures": "Count"}
BATCH_METRICS = {
    "BatchDuration": "Seconds",
    "RecordsImported": "Count",
    "DuplicateRecords": "Count",
    "DeduplicationHitRate": "Percent",
}


def _json_lines(text: str) -> list[dict]:
    """Every non-empty line as JSON (json.loads raises on any line that is not)."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _after_ready(text: str) -> str:
    """The worker's output once it is ready (the start-up banner before it is plain text)."""
    return text[text.index("\n", text.index(READY)) + 1 :]


def _emf(documents: list[dict], metrics: dict[str, str]) -> list[dict]:
    def units(document):
        return {metric["Name"]: metric["Unit"] for metric in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]}

    return [document for document in documents if "_aws" in document and units(document) == metrics]


def test_a_worker_writes_json_log_lines_with_chunk_and_batch_ids_and_valid_emf_metric_lines(
    user, app_env_factory, sqs_queue_factory, celery_worker_factory, chunk_messages_send, batch_ended
):
    queue = sqs_queue_factory(task_time_limit=60)
    worker = celery_worker_factory(app_env_factory(queue))
    batch, chunks = batch_with_chunks_create(user, [heart_rate_samples(3), heart_rate_samples(2, start=3)])
    chunk_messages_send(queue, chunks)
    batch_ended(batch)

    documents = _json_lines(_after_ready(worker.log_text()))

    assert {line["environment"] for line in documents if "_aws" not in line} == {"dev"}
    finalized = [line for line in documents if line.get("message", "").endswith("finalized: completed")]
    assert [(line["batch_id"], line["chunk_id"] in {str(chunk.pk) for chunk in chunks}) for line in finalized] == [
        (str(batch.pk), True)
    ]
    attempts = _emf(documents, CHUNK_METRICS)
    assert sorted(line["chunk_id"] for line in attempts) == sorted(str(chunk.pk) for chunk in chunks)
    assert {(line["Outcome"], line["ChunkFailures"]) for line in attempts} == {("succeeded", 0)}
    (batch_line,) = _emf(documents, BATCH_METRICS)
    assert batch_line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "HealthKitImportTest"
    assert (batch_line["batch_id"], batch_line["RecordsImported"], batch_line["Environment"]) == (
        str(batch.pk),
        5,
        "dev",  # HEALTHKIT_ENVIRONMENT, the stack's name: every stack runs DJANGO_ENV=prod
    )


def test_the_api_writes_only_json_lines_including_the_id_of_each_batch_it_creates(
    user, token_for, app_env_factory, sqs_queue_factory, gunicorn_factory
):
    server = gunicorn_factory(app_env_factory(sqs_queue_factory(task_time_limit=60)))
    created = ApiClient(server.base_url, token_for(user)).import_post(heart_rate_samples(2))
    assert created.status_code == 202, created.text
    # gunicorn writes the access line after the answer is sent: read the log once it is there
    server.process.wait_for_log(r'"logger": "gunicorn.access".*/api/v1/imports', timeout=10)

    documents = _json_lines(server.process.log_text())

    assert [line["batch_id"] for line in documents if "batch_id" in line] == [created.json()["id"]]
    assert {line["environment"] for line in documents} == {"dev"}
    assert any(line["logger"] == "gunicorn.access" and "/api/v1/imports" in line["message"] for line in documents)
