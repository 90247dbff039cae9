"""Ten batches with overlapping uuids, corrections and deletions posted at once end as posted one by one,
and the changes feed read during the run loses and doubles nothing.

Real gunicorn, a real celery worker with 2 processes on moto SQS, real PostgreSQL. "One by one"
is the order the API accepted the concurrent batches in (their sequence numbers): the same
requests, each waited for, for another user.
"""

import json
import threading

import pytest

from localservices.api import ApiClient
from localservices.samples import heart_rate_sample
from tests.support.imports import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)

UUIDS = [f"00000000-0000-4000-8000-{index:012d}" for index in range(12)]
ROW_FIELDS = ("type", "value", "unit", "start_at", "end_at", "healthkit_uuid", "sync_identifier", "sync_version", "fingerprint")


def _batch(number: int) -> dict:
    """Batch `number`: overlapping uuids with values that differ per batch, a synced sample, and deletions."""
    samples = [heart_rate_sample(slot, uuid=UUIDS[slot], value=60 + number + slot) for slot in range(number % 4, number % 4 + 6)]
    samples.append(heart_rate_sample(50 + number % 3))  # without uuid: duplicates across batches
    samples.append(
        heart_rate_sample(
            40, uuid=UUIDS[10 + number % 2], value=100 + number,
            metadata={"HKMetadataKeySyncIdentifier": "cuff-1", "HKMetadataKeySyncVersion": number % 5},
        )
    )  # fmt: skip
    deleted = [{"uuid": UUIDS[(number * 3) % 9]}] if number % 3 == 0 else []
    return {"samples": samples, "deleted": deleted}


@pytest.fixture
def servers(app_env_factory, sqs_queue_factory, celery_worker_factory, gunicorn_factory):
    env = app_env_factory(sqs_queue_factory(task_time_limit=60), chunk_size=3)
    celery_worker_factory(env)
    return gunicorn_factory(env)


def _rows(owner) -> list[tuple]:
    from healthkit.models import HealthSample

    return sorted(HealthSample.objects.filter(owner=owner).values_list(*ROW_FIELDS), key=repr)


class FeedReader(threading.Thread):
    """Follows the changes feed while batches are imported; keeps every entry it read, in order."""

    def __init__(self, api: ApiClient) -> None:
        super().__init__(daemon=True)
        self.api, self.entries, self.cursor = api, [], None
        self.stop = threading.Event()

    def read_once(self) -> None:
        while True:
            page = self.api.changes(self.cursor, limit=7)
            self.entries.extend(page["changes"])
            self.cursor = page["next"]
            if not page["has_more"]:
                return

    def run(self) -> None:
        while not self.stop.is_set():
            self.read_once()


def test_concurrent_batches_end_as_posted_one_by_one_and_the_feed_misses_and_doubles_nothing(
    servers, user_factory, token_for
):
    from healthkit.models import AppleHealthImportBatch

    racing, sequential = user_factory(), user_factory()
    api = ApiClient(servers.base_url, token_for(racing))
    reader = FeedReader(api)
    reader.start()
    bodies = [_batch(number) for number in range(10)]
    posted = run_concurrently(*[lambda body=body: api.import_body_post(body) for body in bodies], timeout=60)
    ids = [response.json()["id"] for response, error in posted if error is None and response.status_code == 202]
    assert len(ids) == 10
    for batch_id in ids:
        assert api.import_wait(batch_id, timeout=120)["status"] == "completed"
    reader.stop.set()
    reader.join(timeout=30)
    reader.read_once()

    order = {str(key): sequence for key, sequence in AppleHealthImportBatch.objects.filter(id__in=ids).values_list("id", "sequence")}
    one_by_one = ApiClient(servers.base_url, token_for(sequential))
    for batch_id, body in sorted(zip(ids, bodies, strict=True), key=lambda pair: order[pair[0]]):
        assert one_by_one.import_wait(one_by_one.import_body_post(body).json()["id"], timeout=60)["status"] == "completed"

    rows = [_without_owner(row) for row in _rows(racing)]
    assert rows, "the batches leave rows"
    assert rows == [_without_owner(row) for row in _rows(sequential)]
    upserts = [json.dumps(entry, sort_keys=True) for entry in reader.entries if entry["kind"] == "upsert"]
    removed = [entry["sample_id"] for entry in reader.entries if entry["kind"] == "delete"]
    assert len(set(upserts)) == len(upserts) and len(set(removed)) == len(removed), "an entry was read twice"
    replayed = {}
    for entry in reader.entries:
        if entry["kind"] == "delete":
            replayed.pop(entry["sample_id"], None)
        else:
            replayed[entry["sample_id"]] = entry["sample"]
    assert replayed == {sample["id"]: sample for sample in api.samples()}


def _without_owner(row: tuple) -> tuple:
    return row[:-1]  # the fingerprint includes the owner
