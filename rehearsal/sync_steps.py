"""The rehearsal's sync steps: a synthetic sync through the api (as an operator's token lets it),
then the database password rotated under the running services and a second sync.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from rehearsal import observe
from rehearsal.diagnose import QUEUE_VARIABLE, stall_failure
from rehearsal.environment import plain_environment
from rehearsal.live import API, WORKER, Live, api_address, queue_urls
from rehearsal.report import Report
from rehearsal.rotation import SECRET_VARIABLE, rehearse_rotation
from rehearsal.steps import StepFailed, tail
from rehearsal.sync import SyncPlan, alb_client, synthetic_sync
from rehearsal.terminal import token_shown

#: The user the synthetic sync runs as (``create_api_token``).
SYNC_USER = "rehearsal"


def _api_token(live: Live) -> str:
    """The token as an operator gets it: create_api_token prints it only to a terminal."""
    api = live.tasks[API].containers[-1]
    code, shown = live.runner.run_on_terminal(["python", "manage.py", "create_api_token", SYNC_USER], env=api.env,
                                              timeout=120)
    token = token_shown(shown)
    if code != 0 or token is None:
        raise StepFailed(f"manage.py create_api_token exited with {code}", log_tail=tail(shown))
    return token


def api_client(live: Live):
    api = live.tasks[API].containers[-1]
    host, scheme = api_address(live.run)
    return alb_client(f"http://127.0.0.1:{api.local_port}", live.token, host=host, scheme=scheme)


def sync_step(live: Live, report: Report, plan: SyncPlan, say: Callable[[str], None]) -> None:
    """A synthetic sync through the api as its user; then every message must have been deleted."""
    live.token = _api_token(live)
    client = api_client(live)
    api = live.tasks[API].containers[-1]
    queue_url, dlq_url = queue_urls(live.run)
    api_queue = plain_environment(api.definition).get(QUEUE_VARIABLE, "")
    worker = live.tasks[WORKER].containers[-1]
    worker_queue = plain_environment(worker.definition).get(QUEUE_VARIABLE, "")

    def stalled(answers: dict[str, dict]) -> StepFailed:
        depths = {url: observe.queue_depth(live.emulator, url) for url in {queue_url, dlq_url, api_queue} if url}
        return stall_failure(answers, stall_seconds=plan.stall_seconds, queue_depths=depths, api_queue=api_queue,
                             worker_queue=worker_queue, worker=worker, differences=live.differences)

    report.sync = synthetic_sync(client, plan, watch=live.watch, stalled=stalled, say=say)
    deadline = time.monotonic() + 5
    while True:  # every chunk ended: every message must have been deleted
        live.watch()
        depths = {url.rsplit("/", 1)[-1]: observe.queue_depth(live.emulator, url) for url in (queue_url, dlq_url)}
        if all(d["visible"] == 0 and d["in_flight"] == 0 for d in depths.values()):
            break
        if time.monotonic() > deadline:
            raise StepFailed(f"every batch completed but messages remain: {depths} (the worker did not "
                             "delete what it processed, or something else is writing to the queues)",
                             log_tail=tail(worker.log_text()))
        time.sleep(0.25)
    report.queues_after = depths


def rotation_step(live: Live, report: Report, plan: SyncPlan, say: Callable[[str], None]) -> None:
    """The database password rotates under the running api and worker, then a sync of new samples."""
    secret_arn = live.tasks[API].containers[-1].env.get(SECRET_VARIABLE, "")
    if not secret_arn:
        raise StepFailed(f"the api has no {SECRET_VARIABLE}: nothing tells it where its rotating password is")
    after = replace(plan, samples=plan.rotation_samples, duplicates=0, first_sample=plan.first_sample + plan.samples)

    def sync():
        return synthetic_sync(api_client(live), after, watch=live.watch, stalled=lambda answers: StepFailed(
            f"the sync after the rotation stalled: {answers}"), say=say)

    report.rotation = rehearse_rotation(emulator=live.emulator, database=live.database, secret_arn=secret_arn,
                                        principals=live.principals, sync=sync, services=(API, WORKER))
    say(f"    {report.rotation.user!r}: new password, {report.rotation.sessions_ended} sessions ended, old one "
        f"refused; api and worker read the secret again {dict(report.rotation.rereads)}")
