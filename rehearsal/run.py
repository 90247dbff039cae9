"""The rehearsal, step by step (docs/rehearsal.md): :func:`rehearse`.

1. mock run: the stack program under Pulumi's mock runtime (``proof.mockrun.run_stack``), then
   the caller's ``mutate`` (fault injection for tests);
2. emulator and database: moto (with an audit trail) and a PostgreSQL, both on 127.0.0.1;
3. deploy: every resource the emulator supports, from the recorded inputs (``deploy.py``);
4. enforce IAM: moto's reset-auth, then one AssumeRole per task role and execution role;
5. least-privilege probes: calls each task role must be refused;
6. start api: the execution role reads the secrets; ``migrate`` runs to success, then ``api``
   answers the load balancer's health check path; ``GET /readyz`` must be 200;
7. start worker: ``worker`` until its health check command passes; the two task definitions
   must share one environment block;
8. sync: a synthetic HealthKit sync through the api, then the queue must be empty; an export
   (a synthetic export.zip) uploaded with the api's presigned POST to the exports bucket, read
   by the worker into a batch and deleted (:mod:`rehearsal.export_step`);
   then the database password rotates under the running api and worker (new password in the
   local PostgreSQL and in the emulator's secret, old one refused, sessions ended) and a second
   sync of new samples must complete, both services having read the secret again
   (:mod:`rehearsal.rotation`);
9. worker health, logs and metrics, alarms: the health check again, the processes' output
   shipped to the log group as the awslogs driver would, EMF lines counted, alarm states.

The first step that fails stops everything with ``step '<name>' failed: <cause>``
(:class:`~rehearsal.steps.RehearsalFailed`); everything started is stopped on the way
out, on success, failure or Ctrl-C.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from localservices.ports import free_port
from proof.mockrun import ACCOUNT_ID, StackRun, run_stack
from rehearsal import observe
from rehearsal.agent import ExecutionRole, SecretReference, task_id
from rehearsal.arns import ArnMap
from rehearsal.audit import calls_by_principal
from rehearsal.credentials import local_user_create, role_session
from rehearsal.database import LocalDatabase
from rehearsal.deploy import DeployContext, deploy
from rehearsal.diagnose import (
    environment_differences,
    parity_failure,
)
from rehearsal.emulator import MOTO_ACCOUNT_ID, Emulator
from rehearsal.environment import local_overrides, plain_environment
from rehearsal.live import API, WORKER, Live, alarm_names, api_address, health_check_path, queue_urls
from rehearsal.probes import run_probes
from rehearsal.report import Report
from rehearsal.runners import image_runner
from rehearsal.steps import RehearsalFailed, StepFailed, Steps, tail
from rehearsal.sync import SyncPlan
from rehearsal.export_step import export_step, exports_bucket
from rehearsal.sync_steps import SYNC_USER, rotation_step, sync_step
from rehearsal.tasks import LocalContainer, LocalTask



# --- Steps ----------------------------------------------------------------------------------------

def _start_servers(live: Live, cleanup: ExitStack, say: Callable[[str], None]) -> None:
    with ThreadPoolExecutor(2) as pool:
        emulator = pool.submit(Emulator.start, state_dir=live.state_dir, region=live.run.region)
        database = pool.submit(LocalDatabase.start)
        errors = []
        for future, name in ((emulator, "emulator"), (database, "database")):
            try:
                value = future.result()
            except Exception as error:  # stop the other one too
                errors.append(f"{name}: {error}")
                continue
            setattr(live, name, value)
            cleanup.callback(value.stop)
    if errors:
        raise StepFailed("; ".join(errors))
    say(f"    moto on {live.emulator.endpoint_url}; PostgreSQL {live.database.version} on "
        f"127.0.0.1:{live.database.port} (TLS {'on' if live.database.ssl else 'off'})")


def _deploy(live: Live, report: Report) -> None:
    user = local_user_create(live.emulator)
    live.credentials["rehearsal"] = user
    live.principals[user.access_key_id] = "rehearsal"
    account = live.emulator.client("sts").get_caller_identity()["Account"]
    ctx = DeployContext(run=live.run, emulator=live.emulator, database=live.database,
                        local_principal=user.principal_arn, arns=ArnMap(ACCOUNT_ID, account))
    report.outcomes = deploy(ctx)
    report.trust = [t.sentence(user.principal_arn) for t in ctx.trust]
    ecs = live.emulator.client("ecs")
    for service in (API, WORKER):
        family = live.run.task_definition(service).inputs["family"]
        live.task_definitions[service] = ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]


def _enforce(live: Live) -> None:
    live.emulator.enforce_iam()
    live.emulator.admin = live.credentials["rehearsal"]
    for service in (API, WORKER):
        definition = live.task_definitions[service]
        task_creds = role_session(live.emulator, definition["taskRoleArn"], f"{service}-task")
        live.credentials[service] = task_creds
        live.principals[task_creds.access_key_id] = service
        execution = role_session(live.emulator, definition["executionRoleArn"], f"{service}-ecs-agent")
        live.credentials[f"{service} execution"] = execution
        live.principals[execution.access_key_id] = "execution role"
        # probes get sessions of their own, so their expected denials are not taken for faults
        live.credentials[f"{service} probe"] = role_session(
            live.emulator, definition["taskRoleArn"], f"{service}-probe")


def _probes(live: Live, report: Report) -> None:
    queue_url, dlq_url = queue_urls(live.run)
    report.probes = run_probes(
        live.emulator, {API: live.credentials[f"{API} probe"], WORKER: live.credentials[f"{WORKER} probe"]},
        queue_url=queue_url, dlq_url=dlq_url, bucket=exports_bucket(live))


def _task(live: Live, service: str, report: Report) -> LocalTask:
    """The service's containers with their secrets and overrides (not started)."""
    definition = live.task_definitions[service]
    agent = ExecutionRole(live.emulator, definition["executionRoleArn"], live.credentials[f"{service} execution"])
    agent.registry_login()
    containers = []
    for container in definition["containerDefinitions"]:
        secrets = {s["name"]: agent.secret_value(SecretReference.parse(s["name"], s["valueFrom"]), container["name"])
                   for s in container.get("secrets", [])}
        port = free_port() if container.get("portMappings") else None
        overrides = local_overrides(container, database=live.database, endpoint_url=live.emulator.endpoint_url,
                                    credentials=live.credentials[service], task=service, local_port=port,
                                    heartbeat_dir=live.state_dir if live.runner.shares_tmp else None)
        report.overrides[f"{service}/{container['name']}"] = overrides
        env = live.runner.environment(container, secrets=secrets, overrides=overrides)
        containers.append(LocalContainer(service, container, env, overrides, local_port=port, runner=live.runner))
    report.execution_role += [a for a in agent.allowed if a not in report.execution_role]
    health_path = health_check_path(live.run, definition["family"])
    return LocalTask(service, definition, containers, health_path=health_path)


def _start(live: Live, service: str, report: Report, cleanup: ExitStack, timeout: float) -> LocalTask:
    task = _task(live, service, report)
    live.tasks[service] = task
    cleanup.callback(task.stop)
    task.start(log_dir=live.log_dir, watch=live.watch, timeout=timeout)
    for container in task.containers:
        if container.process:
            report.logs[f"{service}/{container.name}"] = str(container.process.log_path)
    return task


def _readiness(live: Live, report: Report) -> None:
    import requests

    api = live.tasks[API].containers[-1]
    host, scheme = api_address(live.run)
    response = requests.get(f"http://127.0.0.1:{api.local_port}/readyz", timeout=10,
                            headers={"Host": host, "X-Forwarded-Proto": scheme})
    report.readiness = f"{response.status_code} {response.text.strip()[:200]}"
    live.watch()
    if response.status_code != 200:
        raise StepFailed(f"GET /readyz answered {report.readiness}", log_tail=tail(api.log_text()))


def _worker_settled(live: Live, report: Report) -> None:
    worker = live.tasks[WORKER]
    report.health += [f"{r.output} (exit {r.exit_code})" for r in worker.health_results]
    deadline = time.monotonic() + 1.5  # the first receive calls have been made by now
    while time.monotonic() < deadline:
        live.watch()
        time.sleep(0.25)
    failure = parity_failure(live.differences)
    if failure:
        raise failure


def _worker_health(live: Live, report: Report) -> None:
    worker = live.tasks[WORKER].containers[-1]
    if not worker.definition.get("healthCheck"):
        return
    result = worker.health_check()
    report.health.append(f"{result.output} (exit {result.exit_code}, after the sync)")
    if not result.healthy:
        raise worker.failure(f"the worker's health check fails after the sync ({result.output})")


def _logs_and_metrics(live: Live, report: Report) -> None:
    for service, task in live.tasks.items():
        definition = live.task_definitions[service]
        agent = ExecutionRole(live.emulator, definition["executionRoleArn"], live.credentials[f"{service} execution"])
        ident = task_id()
        for container in task.containers:
            log = container.log_text()
            report.emf_lines[f"{service}/{container.name}"] = observe.emf_line_count(log)
            options = (container.definition.get("logConfiguration") or {}).get("options") or {}
            group = options.get("awslogs-group")
            if not group:
                continue
            stream = f"{options.get('awslogs-stream-prefix', service)}/{container.name}/{ident}"
            report.log_events[f"{group}:{stream}"] = agent.ship_logs(
                group=group, stream=stream, lines=log.splitlines(), region=live.run.region, account=MOTO_ACCOUNT_ID)
        report.execution_role += [a for a in agent.allowed if a not in report.execution_role]


def _serve(live: Live, report: Report, say: Callable[[str], None]) -> None:
    host, scheme = api_address(live.run)
    base = report.urls["api"]
    say("\nServing until Ctrl-C. The api only answers its stack's host names, so send the ALB's:")
    say(f"  curl -H 'Host: {host}' -H 'X-Forwarded-Proto: {scheme}' -H 'Authorization: Token {live.token}' "
        f"{base}/api/v1/imports/<id>")
    for name, url in report.urls.items():
        say(f"  {name}: {url}")
    say(f"  token (user {SYNC_USER!r}): {live.token}")
    user = live.credentials["rehearsal"]
    say(f"  emulator credentials (the rehearsal's IAM user, valid only there): "
        f"AWS_ACCESS_KEY_ID={user.access_key_id} AWS_SECRET_ACCESS_KEY={user.secret_access_key}")
    say(f"  logs: {live.log_dir}")
    try:
        while True:
            live.watch()
            time.sleep(1)
    except KeyboardInterrupt:
        say("\nstopping")


# --- The entry ---------------------------------------------------------------------------------

def rehearse(
    stack: str = "dev",
    *,
    config: Mapping[str, Any] | None = None,
    mutate: Callable[[StackRun], StackRun | None] | None = None,
    plan: SyncPlan | None = None,
    serve: bool = False,
    state_dir: Path | None = None,
    start_timeout: float = 60.0,
    image: bool | None = False,
    say: Callable[[str], None] = print,
) -> Report:
    """Rehearse ``stack`` on this machine; the report, or :class:`RehearsalFailed`.

    ``config``: stack settings on top of the stack file (bare keys are this project's, as for
    ``pulumi config set``). ``mutate``: called with the recorded :class:`StackRun` before anything
    is deployed; change its resources' inputs in place (or return a new run) to inject a fault
    (see :mod:`rehearsal.mutations`). ``plan``: the synthetic sync's size and patience.
    ``state_dir``: where logs and state go (default: a temporary directory, removed after a
    success and kept after a failure). ``start_timeout``: seconds each task may take to start.
    ``image``: run the containers in the built image (True: or fail), in it when it can be built
    and else from the working tree (None, the command's default), or from the working tree (False).
    """
    plan = plan or SyncPlan()
    started = time.monotonic()
    report = Report(stack=stack)
    steps = Steps(say)
    own_dir = state_dir is None
    state = Path(tempfile.mkdtemp(prefix=f"rehearsal-{stack}-")) if own_dir else Path(state_dir)
    state.mkdir(parents=True, exist_ok=True)
    failed = True
    live: Live | None = None
    try:
        with ExitStack() as cleanup:
            try:
                with steps.step("mock run of the stack program"):
                    run = run_stack(stack, config)
                    if mutate is not None:
                        run = mutate(run) or run
                    report.region = run.region
                    report.recorded = Counter(r.type for r in run.resources if r.custom or r.remote)
                live = Live(run=run, state_dir=state)
                if image is not False:
                    with steps.step("build the image"):
                        live.runner = image_runner(required=image is True, say=say)
                        cleanup.callback(live.runner.close)
                report.runtime = live.runner.describe()
                with steps.step("start the emulator and the database"):
                    _start_servers(live, cleanup, say)
                    report.urls["emulator (moto)"] = live.emulator.endpoint_url
                    report.urls["database"] = f"postgresql://127.0.0.1:{live.database.port}"
                    report.logs["emulator"] = str(live.emulator.process.log_path)
                    report.logs["emulator audit trail"] = str(live.emulator.audit_path)
                with steps.step("deploy to the emulator"):
                    _deploy(live, report)
                    live.differences = environment_differences(
                        plain_environment(live.task_definitions[API]["containerDefinitions"][-1]),
                        plain_environment(live.task_definitions[WORKER]["containerDefinitions"][-1]))
                    say(f"    created {sum(report.created().values())} resources, "
                        f"{sum(report.not_emulated().values())} not emulated")
                with steps.step("enforce IAM and assume the task roles"):
                    _enforce(live)
                with steps.step("least-privilege probes"):
                    _probes(live, report)
                with steps.step("start api"):
                    _start(live, API, report, cleanup, start_timeout)
                    report.urls["api"] = f"http://127.0.0.1:{live.tasks[API].containers[-1].local_port}"
                    _readiness(live, report)
                with steps.step("start worker"):
                    _start(live, WORKER, report, cleanup, start_timeout)
                    _worker_settled(live, report)
                with steps.step("sync"):
                    sync_step(live, report, plan, say)
                with steps.step("export: upload an export.zip, the worker reads it"):
                    export_step(live, report, say)
                with steps.step("rotate the database password, then sync again"):
                    rotation_step(live, report, plan, say)
                with steps.step("worker health"):
                    _worker_health(live, report)
                with steps.step("logs and metrics"):
                    _logs_and_metrics(live, report)
                with steps.step("alarms"):
                    report.alarms = observe.alarm_states(live.emulator, alarm_names(run))
                report.calls = calls_by_principal(live.emulator.audit(), live.principals)
                report.seconds = time.monotonic() - started
                report.steps = steps.timings
                failed = False
                if serve:
                    from rehearsal.report import render

                    report.serving = True
                    say("\n" + render(report))
                    _serve(live, report, say)
                return report
            except StepFailed as failure:
                report.failure = f"step '{failure.step}' failed: {failure.cause}"
                report.steps = steps.timings
                report.seconds = time.monotonic() - started
                if live is not None and live.emulator is not None:
                    report.calls = calls_by_principal(live.emulator.audit(), live.principals)
                raise RehearsalFailed(failure.step, failure.cause, log_tail=failure.log_tail,
                                      log_name=failure.log_name, report=report) from failure
    finally:
        if own_dir and not failed:
            shutil.rmtree(state, ignore_errors=True)

