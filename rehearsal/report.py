"""The rehearsal's report: what was created, what was not and why, what was changed locally, and
what the synthetic sync did. :func:`render` turns it into the text the command prints.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rehearsal.deploy import Outcome
from rehearsal.environment import Override
from rehearsal.probes import ProbeResult
from rehearsal.rotation import RotationAudit
from rehearsal.steps import StepTiming
from rehearsal.sync import BatchAudit


@dataclass
class Report:
    stack: str
    region: str = ""
    steps: list[StepTiming] = field(default_factory=list)
    recorded: Counter = field(default_factory=Counter)
    """Provider resources the mock run recorded, by type token."""
    outcomes: list[Outcome] = field(default_factory=list)
    trust: list[str] = field(default_factory=list)
    """One sentence per adapted trust policy."""
    overrides: dict[str, list[Override]] = field(default_factory=dict)
    """``"api/migrate"`` -> the local overrides of that container."""
    execution_role: list[str] = field(default_factory=list)
    """What the execution role was checked for (``action on resource``)."""
    probes: list[ProbeResult] = field(default_factory=list)
    readiness: str = ""
    """The api's ``GET /readyz`` answer."""
    health: list[str] = field(default_factory=list)
    """Results of the worker's health check command."""
    sync: BatchAudit | None = None
    rotation: RotationAudit | None = None
    """The password rotation under the running services, and the sync after it."""
    export: Any = None
    """The export step's ExportAudit (rehearsal.export_step)."""
    queues_after: dict[str, dict[str, int]] = field(default_factory=dict)
    calls: dict[str, dict[str, Counter]] = field(default_factory=dict)
    """SQS (and other) calls per principal: ``{"api": {"allowed": Counter, "denied": Counter}}``."""
    emf_lines: dict[str, int] = field(default_factory=dict)
    """Lines containing ``"_aws"`` (CloudWatch EMF) per container."""
    log_events: dict[str, int] = field(default_factory=dict)
    """Log events shipped to the log group per stream."""
    alarms: dict[str, str] = field(default_factory=dict)
    """Alarm name -> state (DescribeAlarms)."""
    urls: dict[str, str] = field(default_factory=dict)
    serving: bool = False
    """True while ``--serve`` keeps the endpoints up."""
    logs: dict[str, str] = field(default_factory=dict)
    """Process name -> log file."""
    runtime: str = ""
    """Where the containers ran: the image (name, id, size, its bases) or the working tree."""
    failure: str = ""
    seconds: float = 0.0

    # --- counts the tests and the summary use --------------------------------------------------
    def created(self) -> Counter:
        return Counter(o.type for o in self.outcomes if o.kind == "created")

    def not_emulated(self) -> Counter:
        return Counter(o.type for o in self.outcomes if o.kind == "not emulated")

    def stand_ins(self) -> Counter:
        return Counter(o.type for o in self.outcomes if o.kind == "stand-in")


def _section(title: str) -> list[str]:
    return ["", title, "-" * len(title)]


def _steps(report: Report) -> list[str]:
    if not report.steps:
        return []
    return _section("Steps") + [f"  {'ok  ' if t.ok else 'FAIL'} {t.seconds:6.1f} s  {t.name}" for t in report.steps]


def render(report: Report) -> str:
    out = [f"Rehearsal of stack {report.stack!r}{f' ({report.region})' if report.region else ''}: "
           + (f"FAILED: {report.failure}" if report.failure else f"OK in {report.seconds:.0f} s")]

    if report.runtime:
        out.append(f"Containers ran in {report.runtime}")
    if not report.outcomes:
        return "\n".join(out + _steps(report))
    out.append(f"The mock run recorded {sum(report.recorded.values())} provider resources "
               f"of {len(report.recorded)} types.")
    out += _section("Created in the emulator (moto), by type")
    for type_token, count in sorted(report.created().items()):
        out.append(f"  {count:3d}  {type_token}")
    out.append(f"  {sum(report.created().values()):3d}  in all")

    out += _section("Stood in for locally")
    stood_in = [o for o in report.outcomes if o.kind == "stand-in"]
    reasons = {o.type: o.reason for o in stood_in}
    for type_token, count in sorted(report.stand_ins().items()):
        out.append(f"  {count:3d}  {type_token}: {reasons[type_token]}")
    out += [f"       {o.name}: {o.detail}" for o in stood_in if o.detail]

    out += _section("Not emulated, and why")
    reasons = {o.type: o.reason for o in report.outcomes if o.kind == "not emulated"}
    for type_token, count in sorted(report.not_emulated().items()):
        out.append(f"  {count:3d}  {type_token}: {reasons[type_token]}")

    if report.trust:
        out += _section("Trust policies adapted (moto cannot act as the ECS service)")
        out += [f"  {line}" for line in report.trust]

    if report.overrides:
        out += _section("Local overrides (everything else is the task definition's, byte for byte)")
        grouped: dict[str, list[str]] = {}
        for container, overrides in report.overrides.items():
            for override in overrides:
                grouped.setdefault(override.line(), []).append(container)
        everyone = list(report.overrides)
        for line, containers in grouped.items():
            where = "all containers" if containers == everyone else ", ".join(containers)
            out.append(f"  [{where}] {line}")

    if report.execution_role:
        out += _section("Execution role (as the ECS agent uses it)")
        out += [f"  allowed {line}" for line in report.execution_role]

    if report.probes:
        out += _section("Least-privilege probes (IAM enforced)")
        out += [f"  {p.line()}" for p in report.probes]

    if report.readiness or report.health:
        out += _section("Health")
        if report.readiness:
            out.append(f"  api GET /readyz: {report.readiness}")
        out += [f"  worker health check: {line}" for line in report.health]

    if report.sync:
        s = report.sync
        out += _section("Batch audit (synthetic HealthKit sync)")
        out.append(f"  samples posted: {s.samples_posted}, then {s.duplicates_posted} again")
        out.append(f"  batches: {len(s.batches)}  chunks: {s.chunks} "
                   f"(succeeded {s.total('chunks_succeeded')}, failed {s.total('chunks_failed')})")
        out.append(f"  records: received {s.total('records_received')}, created {s.total('records_created')}, "
                   f"duplicates {s.total('records_duplicate')}")
        rate = s.total("records_received") / s.seconds if s.seconds else 0
        out.append(f"  duration: {s.seconds:.1f} s ({rate:.0f} samples/s)")
        for name, depth in report.queues_after.items():
            out.append(f"  after: {name}: {depth.get('visible', 0)} visible, {depth.get('in_flight', 0)} in flight")

    if report.export:
        out += _section("Export (export.zip through the presigned POST, read by the worker)")
        out.append(f"  {report.export.line()}")
    if report.rotation:
        r = report.rotation
        out += _section("Database password rotation (under the running api and worker)")
        out.append(f"  secret {r.secret_arn}: version {r.version_before} -> {r.version_after}")
        out.append(f"  user {r.user!r}: new password in PostgreSQL, {r.sessions_ended} sessions ended, old password "
                   + ("refused" if r.old_password_refused else "STILL ACCEPTED"))
        out.append("  secret read again (GetSecretValue after the rotation): "
                   + (", ".join(f"{who} x{n}" for who, n in sorted(r.rereads.items())) or "by nobody"))
        if r.sync:
            out.append(f"  sync after it: {r.sync.samples_posted} new samples, {len(r.sync.batches)} batches, "
                       f"{r.sync.chunks} chunks (succeeded {r.sync.total('chunks_succeeded')}, "
                       f"failed {r.sync.total('chunks_failed')}), created {r.sync.total('records_created')}")

    if report.calls:
        out += _section("AWS calls by principal (from the emulator's audit trail)")
        for principal, counts in report.calls.items():
            allowed = ", ".join(f"{a} x{n}" for a, n in sorted(counts["allowed"].items())) or "none"
            out.append(f"  {principal}: {allowed}")
            if counts["denied"]:
                denied = ", ".join(f"{a} x{n}" for a, n in sorted(counts["denied"].items()))
                out.append(f"  {principal} DENIED: {denied}")

    if report.emf_lines or report.log_events:
        out += _section("Logs and metrics")
        total_emf = sum(report.emf_lines.values())
        detail = ", ".join(f"{k} {v}" for k, v in report.emf_lines.items())
        out.append(f"  EMF metric lines (containing \"_aws\") in the processes' output: {total_emf}"
                   + (f" ({detail})" if detail else "")
                   + ("" if total_emf else " - the app emits none yet"))
        for stream, count in report.log_events.items():
            out.append(f"  shipped {count} log events to {stream}")

    if report.alarms:
        out += _section("Alarms (DescribeAlarms)")
        states = Counter(report.alarms.values())
        out.append("  " + ", ".join(f"{state} {n}" for state, n in sorted(states.items())))
        out += [f"    {name}: {state}" for name, state in sorted(report.alarms.items())]

    out += _steps(report)

    if report.urls:
        out += _section("Endpoints (serving until Ctrl-C)" if report.serving else "Endpoints (stopped on exit)")
        out += [f"  {name}: {url}" for name, url in report.urls.items()]

    if report.logs:
        out += _section("Process logs")
        out += [f"  {name}: {path}" for name, path in report.logs.items()]
    return "\n".join(out)
