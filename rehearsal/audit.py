"""The emulator's audit trail: one record per signed AWS call (see :mod:`rehearsal.emulator`).

The rehearsal reads it to name refused calls at once (:func:`denials`, :func:`denial_sentence`)
and to show which actions each task role really used (:func:`calls_by_principal`), which is the
evidence for least privilege: a granted action nobody called is a candidate for removal.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

#: Error codes that mean "IAM said no" (moto answers AccessDenied; AWS also uses these).
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})


@dataclass(frozen=True)
class AuditRecord:
    time: float
    key: str
    """Access key id that signed the request."""
    region: str
    service: str
    """Signing name, e.g. ``sqs``."""
    action: str
    """Operation, e.g. ``SendMessage``."""
    target: str
    """The queue URL, secret id, log group or role ARN named in the request (or empty)."""
    status: int
    error: str
    message: str

    @property
    def iam_action(self) -> str:
        return f"{self.service}:{self.action}"

    @property
    def denied(self) -> bool:
        return self.error in DENIED_CODES

    def resource_arn(self, account: str) -> str:
        """The ARN IAM evaluated, where the request names it (queues by URL, secrets, roles)."""
        target = self.target
        if not target:
            return ""
        if target.startswith("arn:"):
            return target
        if self.service == "sqs":
            return f"arn:aws:sqs:{self.region}:{account}:{target.rstrip('/').rsplit('/', 1)[-1]}"
        if self.service == "logs":
            return f"arn:aws:logs:{self.region}:{account}:log-group:{target}"
        return target


def read_audit(path: Path, *, offset: int = 0, with_offset: bool = False):
    """Records of the trail from byte ``offset``; with ``with_offset`` also the end offset."""
    records: list[AuditRecord] = []
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except FileNotFoundError:
        data = b""
    complete = data[: data.rfind(b"\n") + 1]  # a line being written is read next time
    for line in complete.splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        records.append(AuditRecord(
            time=raw.get("time", 0.0), key=raw.get("key", ""), region=raw.get("region", ""),
            service=raw.get("service", ""), action=raw.get("action", ""), target=raw.get("target", ""),
            status=int(raw.get("status", 0)), error=raw.get("error", ""), message=raw.get("message", ""),
        ))
    if with_offset:
        return records, offset + len(complete)
    return records


def denials(records: Iterable[AuditRecord], principals: Mapping[str, str] | None = None) -> list[AuditRecord]:
    """Refused calls, only those signed by ``principals`` (access key -> label) when given."""
    return [r for r in records if r.denied and (principals is None or r.key in principals)]


def denial_sentence(record: AuditRecord, principals: Mapping[str, str], account: str) -> str:
    """``worker got AccessDenied for sqs:DeleteMessage on arn:aws:sqs:...``."""
    who = principals.get(record.key, record.key)
    resource = record.resource_arn(account)
    on = f" on {resource}" if resource else ""
    return f"{who} got {record.error} for {record.iam_action}{on}"


def calls_by_principal(
    records: Iterable[AuditRecord], principals: Mapping[str, str],
) -> dict[str, dict[str, Counter]]:
    """``{label: {"allowed": Counter(action), "denied": Counter(action)}}`` for known principals."""
    out: dict[str, dict[str, Counter]] = {}
    for r in records:
        label = principals.get(r.key)
        if label is None:
            continue
        entry = out.setdefault(label, {"allowed": Counter(), "denied": Counter()})
        entry["denied" if r.denied else "allowed"][r.iam_action] += 1
    return out
