"""The synthetic HealthKit sync: what an iPhone would send, through the api, to completion.

``samples`` distinct heart-rate samples are posted in requests of at most ``request_size``
(the API's per-request limit), each request becoming one batch split into chunks by the api;
then the first ``duplicates`` samples are posted again, as a phone re-syncing would, and must all
come back as duplicates. Requests carry the Host and X-Forwarded-* headers the load balancer
would send, since the app only accepts its stack's host names.

While batches run, ``watch`` is called on every poll (it raises on a refused AWS call or a dead
process), and a sync that makes no progress for ``stall_seconds`` is handed to ``stalled`` for a
diagnosis instead of waiting out the whole timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rehearsal.steps import StepFailed
from localservices.api import FINAL_STATUSES, ApiClient
from localservices.samples import heart_rate_samples

#: The app's HEALTHKIT_IMPORT_MAX_SAMPLES default (samples per request).
DEFAULT_REQUEST_SIZE = 5000


@dataclass(frozen=True)
class SyncPlan:
    samples: int = 20_000
    """Distinct samples posted (several requests, several chunks each)."""
    duplicates: int = 2_000
    """Samples re-posted afterwards (the first ones), expected back as duplicates."""
    request_size: int = DEFAULT_REQUEST_SIZE
    stall_seconds: float = 20.0
    """Fail (with a diagnosis) when no chunk ends for this long."""
    timeout: float = 180.0
    """Fail when the batches have not all ended by then, progress or not."""
    first_sample: int = 0
    """Index of the first synthetic sample (a later sync posts new samples from here)."""
    rotation_samples: int = 2_000
    """Samples of the sync that follows the password rotation (new ones, after the first sync's)."""


@dataclass
class BatchAudit:
    """What the api reported about the sync's batches."""

    batches: list[dict] = field(default_factory=list)
    """The final status answer of every batch, in posting order."""
    samples_posted: int = 0
    duplicates_posted: int = 0
    seconds: float = 0.0

    def total(self, key: str) -> int:
        return sum(int(b.get(key, 0)) for b in self.batches)

    @property
    def chunks(self) -> int:
        return self.total("chunks_total")


def alb_client(base_url: str, token: str, *, host: str, scheme: str) -> ApiClient:
    """An API client sending what the load balancer would: its Host, X-Forwarded-Proto/-For."""
    client = ApiClient(base_url, token, timeout=60.0)
    client.session.headers.update({"Host": host, "X-Forwarded-Proto": scheme, "X-Forwarded-For": "127.0.0.1"})
    return client


def _post(client: ApiClient, samples: list[dict], key: str, watch: Callable[[], None]) -> dict:
    response = client.import_post(samples, idempotency_key=key)
    if response.status_code != 202:
        watch()  # a refused AWS call explains a 500 better than the 500 does
        raise StepFailed(f"POST /api/v1/imports ({len(samples)} samples) answered {response.status_code}: "
                         f"{response.text.strip()[:300]}")
    return response.json()


def _wait(client: ApiClient, ids: list[str], *, plan: SyncPlan, watch: Callable[[], None],
          stalled: Callable[[dict[str, dict]], StepFailed]) -> dict[str, dict]:
    """Poll until every batch ended; raise on a stall, a timeout or whatever ``watch`` raises."""
    started = last_change = time.monotonic()
    last_progress = -1
    answers: dict[str, dict] = {}
    while True:
        watch()
        for batch_id in ids:
            if answers.get(batch_id, {}).get("status") not in FINAL_STATUSES:
                answers[batch_id] = client.import_status(batch_id)
        if all(a["status"] in FINAL_STATUSES for a in answers.values()):
            return answers
        progress = sum(int(a["chunks_succeeded"]) + int(a["chunks_failed"]) for a in answers.values())
        now = time.monotonic()
        if progress != last_progress:
            last_progress, last_change = progress, now
        elif now - last_change > plan.stall_seconds:
            raise stalled(answers)
        if now - started > plan.timeout:
            raise StepFailed(f"batches not finished after {plan.timeout:g} s: "
                             f"{progress} of {sum(int(a['chunks_total']) for a in answers.values())} chunks ended")
        time.sleep(0.25)


def _check(answers: list[dict], *, created: int, duplicate: int, what: str) -> None:
    for answer in answers:
        if answer["status"] != "completed":
            raise StepFailed(f"batch {answer['id']} ({what}) ended {answer['status']}: {answer.get('errors')}")
    got_created = sum(int(a["records_created"]) for a in answers)
    got_duplicate = sum(int(a["records_duplicate"]) for a in answers)
    if (got_created, got_duplicate) != (created, duplicate):
        raise StepFailed(f"{what}: expected {created} created and {duplicate} duplicates, "
                         f"the api counted {got_created} and {got_duplicate}")


def synthetic_sync(client: ApiClient, plan: SyncPlan, *, watch: Callable[[], None],
                   stalled: Callable[[dict[str, dict]], StepFailed], say: Callable[[str], None]) -> BatchAudit:
    """Post the samples, wait for the batches, re-post the duplicates, check the counts."""
    started = time.monotonic()
    samples = heart_rate_samples(plan.samples, start=plan.first_sample)
    run_id = f"rehearsal-{int(time.time())}-{plan.first_sample}"
    first = [_post(client, samples[i:i + plan.request_size], f"{run_id}-{i}", watch)
             for i in range(0, len(samples), plan.request_size)]
    say(f"    posted {len(samples)} samples in {len(first)} requests "
        f"({sum(b['chunks'] for b in first)} chunks); waiting for the worker")
    done = _wait(client, [b["id"] for b in first], plan=plan, watch=watch, stalled=stalled)
    _check(list(done.values()), created=plan.samples, duplicate=0, what="first sync")

    repeats = samples[: plan.duplicates]
    second = [_post(client, repeats[i:i + plan.request_size], f"{run_id}-again-{i}", watch)
              for i in range(0, len(repeats), plan.request_size)]
    if second:
        say(f"    re-posted {len(repeats)} samples in {len(second)} requests")
        again = _wait(client, [b["id"] for b in second], plan=plan, watch=watch, stalled=stalled)
        _check(list(again.values()), created=0, duplicate=plan.duplicates, what="re-sync")
        done.update(again)
    return BatchAudit(batches=list(done.values()), samples_posted=plan.samples, duplicates_posted=plan.duplicates,
                      seconds=time.monotonic() - started)
