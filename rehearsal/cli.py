"""``python -m rehearsal --stack dev``: rehearse a stack on this machine (docs/rehearsal.md).

No AWS account, Docker or Pulumi CLI: the stack program runs under Pulumi's mock runtime, what it
records is created in moto (IAM enforced), the api and worker task definitions run as local
processes against a local PostgreSQL, and a synthetic HealthKit sync goes through them. Exits 0
with a report, or 1 with ``step '<name>' failed: <cause>`` and the relevant log tail.

    python -m rehearsal --stack dev
    python -m rehearsal --stack prod --config workerConcurrency=4
    python -m rehearsal --stack dev --serve        # keep it running until Ctrl-C
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
from pathlib import Path

from proof.mockrun import REPO_ROOT

#: Logs and state of the last rehearsal of each stack (git-ignored).
STATE_ROOT = REPO_ROOT / ".rehearsal"


def _config_value(text: str):
    """``key=value`` values: JSON when they parse (numbers, booleans, lists), else the string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m rehearsal", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", default="dev", help="stack to rehearse (Pulumi.<stack>.yaml); default dev")
    parser.add_argument("--config", action="append", default=[], metavar="KEY=VALUE",
                        help="a stack setting on top of the stack file (repeatable), e.g. workerConcurrency=4")
    parser.add_argument("--serve", action="store_true", help="keep everything running after the sync, until Ctrl-C")
    parser.add_argument("--samples", type=int, default=20_000, help="samples in the synthetic sync; default 20000")
    parser.add_argument("--duplicates", type=int, default=2_000, help="samples posted again; default 2000")
    parser.add_argument("--state-dir", type=Path, default=None,
                        help="where logs go; default .rehearsal/<stack> (emptied first)")
    args = parser.parse_args(argv)
    for item in args.config:
        if "=" not in item:
            parser.error(f"--config {item!r}: expected KEY=VALUE")
    return args


def _interrupt(_signum, _frame):
    """SIGTERM (CI cancelling a job, ``kill``) cleans up like Ctrl-C does."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from rehearsal.report import render
    from rehearsal.run import rehearse
    from rehearsal.steps import RehearsalFailed
    from rehearsal.sync import SyncPlan

    config = {key: _config_value(value) for key, value in (item.split("=", 1) for item in args.config)}
    state_dir = args.state_dir or STATE_ROOT / args.stack
    shutil.rmtree(state_dir, ignore_errors=True)
    signal.signal(signal.SIGTERM, _interrupt)
    plan = SyncPlan(samples=args.samples, duplicates=min(args.duplicates, args.samples))
    try:
        report = rehearse(args.stack, config=config, plan=plan, serve=args.serve, state_dir=state_dir,
                          say=lambda line: print(line, flush=True))
    except RehearsalFailed as failure:
        if failure.report is not None:
            print("\n" + render(failure.report), flush=True)
        if failure.log_tail:
            print(f"\n--- {failure.log_name or 'log'} (tail) ---\n{failure.log_tail}", flush=True)
        print(f"\n{failure}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; everything started was stopped", file=sys.stderr)
        return 130
    if not args.serve:  # --serve printed it before serving
        print("\n" + render(report), flush=True)
    return 0
