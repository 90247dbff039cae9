"""The rehearsal's tests: one full dev rehearsal shared by every assertion on a success, and small
fault rehearsals (a short synthetic sync, short timeouts) each failing at the first step that can
see its fault. Building blocks (trust, ARNs, audit, environment) are tested without processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.report import Report
from rehearsal.run import rehearse
from rehearsal.sync import SyncPlan

#: Fault rehearsals: 1500 samples (2 chunks), and a stall is a stall after 8 s.
FAULT_PLAN = SyncPlan(samples=1500, duplicates=100, stall_seconds=8.0, timeout=60.0)
FAULT_START_TIMEOUT = 30.0


def pytest_configure(config):
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:pulumi_aws.*")
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:pulumi_awsx.*")


@pytest.fixture(scope="session")
def dev_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """ONE full rehearsal of dev (the default sync: 20,000 samples, 2,000 again)."""
    return rehearse("dev", state_dir=tmp_path_factory.mktemp("rehearsal-dev"), say=lambda line: None)


@pytest.fixture
def all_stopped():
    """Check that nothing listens any more on the URLs a report names (api, emulator, database)."""
    from localservices.ports import port_open

    def check(report: Report) -> None:
        for name in ("api", "emulator (moto)", "database"):
            port = int(report.urls[name].rsplit(":", 1)[1].split("/")[0])
            assert not port_open(port), f"{name} still listens on {port}"

    return check


@pytest.fixture
def fault_rehearsal(tmp_path: Path):
    """Run a small rehearsal with a mutation; it must fail (the RehearsalFailed is returned)."""
    from rehearsal.steps import RehearsalFailed

    def run(mutate, stack: str = "dev"):
        with pytest.raises(RehearsalFailed) as failed:
            rehearse(stack, mutate=mutate, plan=FAULT_PLAN, start_timeout=FAULT_START_TIMEOUT,
                     state_dir=tmp_path, say=lambda line: None)
        return failed.value

    return run
