"""What a running rehearsal holds (:class:`Live`: emulator, database, credentials, local tasks),
and what the steps read from the recorded stack (queue URLs, the api's address, health paths,
alarm names)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from proof.mockrun import StackRun
from rehearsal.audit import denials
from rehearsal.database import LocalDatabase
from rehearsal.diagnose import QUEUE_VARIABLE, EnvironmentDifferences, denial_failure
from rehearsal.emulator import MOTO_ACCOUNT_ID, Credentials, Emulator
from rehearsal.tasks import LocalContainer, LocalTask

#: The two services, as the stack program names them (task definition families end with these).
API, WORKER = "api", "worker"


@dataclass
class Live:
    """Everything a rehearsal has running (what ``--serve`` keeps up)."""

    run: StackRun
    state_dir: Path
    emulator: Emulator | None = None
    database: LocalDatabase | None = None
    principals: dict[str, str] = field(default_factory=dict)
    """access key id -> label (``api``, ``worker``, ``execution role``)."""
    credentials: dict[str, Credentials] = field(default_factory=dict)
    task_definitions: dict[str, dict] = field(default_factory=dict)
    tasks: dict[str, LocalTask] = field(default_factory=dict)
    differences: EnvironmentDifferences | None = None
    audit_offset: int = 0
    token: str = ""

    @property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"

    def containers_by_label(self) -> dict[str, LocalContainer]:
        """The process to show when a principal fails: the service's main container."""
        return {service: task.containers[-1] for service, task in self.tasks.items()}

    def watch(self) -> None:
        """Raise on a refused call by a task, or on a dead essential container."""
        records, self.audit_offset = self.emulator.audit_since(self.audit_offset)
        watched = {k: v for k, v in self.principals.items() if v in (API, WORKER)}
        for record in denials(records, watched):
            hint = ""
            if self.differences and any(d[0] == QUEUE_VARIABLE for d in self.differences.different):
                hint = self.differences.sentence()
            raise denial_failure(record, principals=self.principals, account=MOTO_ACCOUNT_ID,
                                 containers=self.containers_by_label(), hint=hint)
        for task in self.tasks.values():
            task.check_running()


# --- What the rehearsal reads from the recorded stack ------------------------------------------

def queue_urls(run: StackRun) -> tuple[str, str]:
    """(main queue URL, dead-letter queue URL) as the mock recorded them."""
    queues = run.of_type("aws:sqs/queue:Queue")
    main = next(q for q in queues if q.inputs.get("redrivePolicy"))
    dlq = next(q for q in queues if q is not main)
    return main.outputs["url"], dlq.outputs["url"]


def api_address(run: StackRun) -> tuple[str, str]:
    """(Host, scheme) clients use to reach the api: the apiUrl output, else the ALB's DNS name."""
    url = run.outputs.get("apiUrl")
    if url:
        parsed = urlparse(url)
        return parsed.netloc, parsed.scheme
    return run.one("aws:lb/loadBalancer:LoadBalancer").outputs["dnsName"], "http"


def health_check_path(run: StackRun, family: str) -> str:
    """The load balancer's health check path for the service running ``family``."""
    for service in run.of_type("aws:ecs/service:Service"):
        if f"task-definition/{family}:" not in str(service.inputs.get("taskDefinition")):
            continue
        for target in service.inputs.get("loadBalancers") or []:
            for group in run.of_type("aws:lb/targetGroup:TargetGroup"):
                if group.outputs.get("arn") == target.get("targetGroupArn"):
                    return (group.inputs.get("healthCheck") or {}).get("path") or "/"
    return "/"


def alarm_names(run: StackRun) -> list[str]:
    alarms = run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    return [str(r.outputs.get("name") or r.inputs.get("name")) for r in alarms]
