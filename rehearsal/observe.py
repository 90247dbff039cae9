"""What an operator would look at afterwards: queue depths, EMF lines, alarm states."""

from __future__ import annotations

from rehearsal.emulator import Emulator

#: Every CloudWatch embedded-metric-format record carries this key.
EMF_MARKER = '"_aws"'


def queue_depth(emulator: Emulator, url: str) -> dict[str, int]:
    """Visible and in-flight messages of a queue (as the rehearsal's user)."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = emulator.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return {"visible": int(attributes.get(names[0], 0)), "in_flight": int(attributes.get(names[1], 0))}


def emf_line_count(log: str) -> int:
    """Lines of a process's output that are EMF records (zero before the app emits any)."""
    return sum(1 for line in log.splitlines() if EMF_MARKER in line)


def alarm_states(emulator: Emulator, names: list[str]) -> dict[str, str]:
    """State of each of the stack's alarms."""
    if not names:
        return {}
    cloudwatch = emulator.client("cloudwatch")
    states: dict[str, str] = {}
    for start in range(0, len(names), 100):
        answer = cloudwatch.describe_alarms(AlarmNames=names[start:start + 100])
        states.update({a["AlarmName"]: a["StateValue"] for a in answer.get("MetricAlarms", [])})
        states.update({a["AlarmName"]: a["StateValue"] for a in answer.get("CompositeAlarms", [])})
    return states
