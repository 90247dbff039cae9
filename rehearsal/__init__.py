"""The local rehearsal of a stack: ``python -m rehearsal --stack dev`` (docs/rehearsal.md).

Runs the stack program under Pulumi's mock runtime, creates what it records in moto (with IAM
enforced), runs the api and worker task definitions as local processes with their own task
roles' credentials against a local PostgreSQL, pushes a synthetic HealthKit sync through them
and reports. One concern per module:

- ``cli``: the command line (``python -m rehearsal``); ``run``: the steps, in order (:func:`rehearse`);
  ``live``: what a running rehearsal holds, and what it reads from the recorded stack;
- ``emulator``: moto as a child process, with an audit trail of every signed call; ``audit``: reading it;
- ``deploy``: a translation per resource type token (and what is not emulated, and why);
  ``arns``: mock ARNs to the emulator's; ``trust``: the trust policy adaptation;
  ``credentials``: the rehearsal's IAM user and role sessions;
- ``database``: the local PostgreSQL standing in for RDS;
- ``agent``: what the ECS agent does with the execution role (secrets, logs);
- ``environment``: a container's environment and the local overrides; ``tasks``: containers as processes;
- ``probes``: least-privilege probes; ``sync``: the synthetic sync; ``diagnose``: symptoms to causes;
- ``observe``: queue depths, EMF lines, alarms; ``report``: the report and its text;
- ``mutations``: fault injection helpers for tests; ``steps``: named steps and their failures.

Importing this package is cheap: :func:`rehearse` is loaded on first use (the emulator's child
process imports ``rehearsal.emulator`` without Pulumi).

May import: ``proof`` (the mock run and the AWS request shapes), ``localservices`` (PostgreSQL,
processes, ports, waiting, samples, the API client), third-party packages (Pulumi, boto3, moto,
requests, cryptography) and the standard library;
never ``tests``, and not ``app/`` (the api and worker run as processes).
"""

from __future__ import annotations

from typing import Any

__all__ = ["RehearsalFailed", "SyncPlan", "rehearse"]


def __getattr__(name: str) -> Any:
    if name == "rehearse":
        from rehearsal.run import rehearse

        return rehearse
    if name == "RehearsalFailed":
        from rehearsal.steps import RehearsalFailed

        return RehearsalFailed
    if name == "SyncPlan":
        from rehearsal.sync import SyncPlan

        return SyncPlan
    raise AttributeError(name)
