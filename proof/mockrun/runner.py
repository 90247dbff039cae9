"""Running a program function, or the stack program itself, under the recording mocks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pulumi
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from infra.settings import PROJECT, Settings
from proof.mockrun.config import engine_config, load_stack_config, namespaced, secret_config_keys
from proof.mockrun.mocks import MockAws, RecordingMonitor, plain
from proof.mockrun.records import ProgramRun, StackRun


def _region_of(values: Mapping[str, Any]) -> str:
    return str(values.get("aws:region") or "us-east-1")


def ensure_event_loop() -> None:
    """Give this thread a current asyncio loop, which Pulumi's SDK needs to register resources.

    ``asyncio.run()`` (used by libraries such as aws-embedded-metrics) leaves the main thread
    with none, after which ``asyncio.get_event_loop()`` raises instead of creating one.
    """
    try:
        asyncio.get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())


def _run_under_mocks(program: Callable[[], Any], *, stack: str, region: str, values: Mapping[str, Any],
                     preview: bool, secret_keys: Iterable[str] = ()) -> tuple[Any, RecordingMonitor, MockAws]:
    ensure_event_loop()
    mocks = MockAws(region)
    monitor = RecordingMonitor(mocks)
    pulumi_settings.ROOT.set(None)  # a fresh root stack resource for this run
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=preview, monitor=monitor)
    pulumi.runtime.set_all_config(engine_config(values), list(secret_keys))
    result: dict[str, Any] = {}

    def body() -> None:
        returned = program()
        result["value"] = _sync_await(pulumi.Output.from_input(returned).future()) if returned is not None else None

    _forget_pending_work()
    _quiet_orphaned_failures()
    try:
        _sync_await(run_pulumi_func(body))
    except BaseException as error:
        _FAILED_RUN_ERRORS.add(str(_root_cause(error)))
        raise
    finally:
        _forget_pending_work()  # a failed run must not leak its pending outputs into the next one
        pulumi.runtime.set_all_config({}, [])
    return plain(result.get("value")), monitor, mocks


#: Root-cause messages of failed runs: the futures such a run leaves behind fail with them.
_FAILED_RUN_ERRORS: set[str] = set()


def _root_cause(error: BaseException) -> BaseException:
    seen = {id(error)}
    while error.__cause__ is not None and id(error.__cause__) not in seen:  # Pulumi may chain an error to itself
        error = error.__cause__
        seen.add(id(error))
    return error


def _quiet_orphaned_failures() -> None:
    """Keep asyncio from logging "exception was never retrieved" for the outputs of a failed run
    (the run already raised that error); every other report goes to the previous handler."""
    from pulumi.runtime.sync_await import _ensure_event_loop

    loop = _ensure_event_loop()
    if getattr(loop, "_mockrun_quiet", False):
        return
    previous = loop.get_exception_handler()

    def handler(loop, context):
        error = context.get("exception")
        if ("never retrieved" in context.get("message", "") and error is not None
                and any(message in str(error) for message in _FAILED_RUN_ERRORS)):
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
    loop._mockrun_quiet = True


def _forget_pending_work() -> None:
    """Drop outstanding RPCs and output tasks of an earlier run (as ``pulumi.runtime.test`` does)."""
    pulumi_settings.SETTINGS.rpc_manager.clear()
    with pulumi_settings.SETTINGS.lock:
        pulumi_settings.SETTINGS.outputs.clear()


def run_program(
    program: Callable[[], Any], *, stack: str = "test", region: str = "us-east-1",
    config: Mapping[str, Any] | None = None, preview: bool = False,
) -> ProgramRun:
    """Run any program function (e.g. one component) under the recording mocks.

    ``config`` holds plain values keyed ``namespace:key`` (bare keys are this project's).
    """
    values = {namespaced(k): v for k, v in (config or {}).items()}
    values.setdefault("aws:region", region)
    value, monitor, mocks = _run_under_mocks(program, stack=stack, region=region, values=values, preview=preview)
    return ProgramRun(resources=list(monitor.records), result=value, calls=list(mocks.calls),
                      output_registrations=list(monitor.output_registrations))


def run_stack(
    stack: str, overrides: Mapping[str, Any] | None = None, *, secret_keys: Iterable[str] = (),
    preview: bool = False,
) -> StackRun:
    """Run the stack program for ``stack`` under mocks and return what it registered.

    ``overrides`` (bare keys are this project's settings, e.g. ``{"taskTimeLimitSeconds": 600}``;
    ``"aws:region"`` works too; ``None`` removes a key) go on top of the stack file.
    ``secret_keys`` are flagged secret like ``pulumi config set --secret`` values (the stack
    file's encrypted values always are). Raises :class:`infra.settings.SettingsError` for invalid
    config, like ``pulumi preview`` would.
    """
    from stacks import program as stack_program
    from stacks.config import read_settings

    values = load_stack_config(stack, overrides)
    region = _region_of(values)
    settings: dict[str, Settings] = {}

    def program() -> Any:
        outputs = stack_program.main()  # what __main__.py runs: read config, validate, deploy, export
        settings["value"] = read_settings()
        return outputs

    outputs, monitor, mocks = _run_under_mocks(
        program, stack=stack, region=region, values=values, preview=preview,
        secret_keys=secret_config_keys(stack, secret_keys))
    return StackRun(
        stack=stack,
        region=region,
        config=dict(values),
        settings=settings["value"],
        resources=list(monitor.records),
        outputs=outputs,
        calls=list(mocks.calls),
        output_registrations=list(monitor.output_registrations),
    )
