"""Turning symptoms into one-line causes.

- :func:`denial_failure`: a task's AWS call was refused (from the emulator's audit trail);
- :func:`environment_differences` / :func:`parity_failure`: the api and worker task definitions
  do not share ONE environment block (DESIGN.md: parity by construction);
- :func:`stall_failure`: batches stopped progressing; says where the messages are, which queue
  each side uses, and what the worker last complained about.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rehearsal.audit import AuditRecord, denial_sentence
from rehearsal.steps import StepFailed, tail
from rehearsal.tasks import LocalContainer, error_line

QUEUE_VARIABLE = "CELERY_APPLE_HEALTH_QUEUE_URL"


@dataclass(frozen=True)
class EnvironmentDifferences:
    only_api: tuple[str, ...]
    only_worker: tuple[str, ...]
    different: tuple[tuple[str, str, str], ...]
    """(name, api value, worker value)."""

    def __bool__(self) -> bool:
        return bool(self.only_api or self.only_worker or self.different)

    def sentence(self) -> str:
        parts = []
        if self.only_api:
            parts.append(f"the worker's environment lacks {', '.join(self.only_api)}, which the api's has")
        if self.only_worker:
            parts.append(f"the api's environment lacks {', '.join(self.only_worker)}, which the worker's has")
        for name, api, worker in self.different:
            parts.append(f"{name} is {worker!r} for the worker but {api!r} for the api")
        return "; ".join(parts)


def environment_differences(api: Mapping[str, str], worker: Mapping[str, str]) -> EnvironmentDifferences:
    """Differences between two task definitions' plain environments."""
    return EnvironmentDifferences(
        only_api=tuple(sorted(set(api) - set(worker))),
        only_worker=tuple(sorted(set(worker) - set(api))),
        different=tuple((k, api[k], worker[k]) for k in sorted(set(api) & set(worker)) if api[k] != worker[k]),
    )


def parity_failure(differences: EnvironmentDifferences) -> StepFailed | None:
    if not differences:
        return None
    return StepFailed(f"the task definitions do not share one environment block: {differences.sentence()} "
                      "(in ECS the worker would run with the app's defaults for what it lacks)")


def denial_failure(record: AuditRecord, *, principals: Mapping[str, str], account: str,
                   containers: Mapping[str, LocalContainer], hint: str = "") -> StepFailed:
    """``api got AccessDenied for sqs:SendMessage on arn:...`` with that process's log tail."""
    label = principals.get(record.key, "")
    cause = denial_sentence(record, principals, account)
    if hint:
        cause += f" ({hint})"
    container = containers.get(label)
    if container is None or container.process is None:
        return StepFailed(cause)
    return StepFailed(cause, log_tail=tail(container.log_text()), log_name=str(container.process.log_path))


def stall_failure(answers: Mapping[str, dict], *, stall_seconds: float, queue_depths: Mapping[str, dict[str, int]],
                  api_queue: str, worker_queue: str, worker: LocalContainer,
                  differences: EnvironmentDifferences) -> StepFailed:
    """Why batches stopped: queues, who uses which, and the worker's last complaint."""
    ended = sum(int(a["chunks_succeeded"]) + int(a["chunks_failed"]) for a in answers.values())
    total = sum(int(a["chunks_total"]) for a in answers.values())
    parts = [f"no chunk ended for {stall_seconds:g} s ({ended} of {total} ended)"]
    if api_queue != worker_queue:
        waiting = queue_depths.get(api_queue, {}).get("visible", "?")
        parts.append(f"the api sends to {api_queue} ({waiting} messages waiting there) "
                     f"but the worker consumes {worker_queue or '(no queue)'}")
    else:
        depth = queue_depths.get(api_queue, {})
        parts.append(f"queue {api_queue.rsplit('/', 1)[-1]}: {depth.get('visible', '?')} visible, "
                     f"{depth.get('in_flight', '?')} in flight")
        complaint = error_line(worker.log_text())
        if complaint != "(no output)":
            parts.append(f"worker log: {complaint}")
    if differences and api_queue == worker_queue:
        parts.append(differences.sentence())
    return StepFailed("; ".join(parts), log_tail=tail(worker.log_text()),
                      log_name=str(worker.process.log_path) if worker.process else "")
