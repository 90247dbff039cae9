"""`uv run python -m bench`: every benchmark in one run; the summary is in the last lines.

Options shrink or grow the run (defaults: the figures bench/README.md reports).
"""

import argparse
import os
import platform
import sys
import time
from datetime import date

from bench.backlog_drain import DrainResult, backlog_drain
from bench.environment import bench_servers
from bench.export_read import export_read, export_summary
from bench.idle_cost import IdleResult, IdleWorker
from bench.import_throughput import PathResult, chunk_path, naive_loop, raw_copy, raw_samples

CHUNK_SIZE = 1000  # HEALTHKIT_IMPORT_CHUNK_SIZE's default
ORIGINAL_SETTINGS = {"CELERY_BROKER_POLLING_INTERVAL": "5"}


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--samples", type=int, default=100_000, help="samples per import path (default 100000)")
    parser.add_argument(
        "--naive-samples", type=int, default=10_000, help="samples the update_or_create loop stores (default 10000)"
    )
    parser.add_argument("--messages", type=int, default=500, help="backlog drained with the project's settings")
    parser.add_argument(
        "--original-messages", type=int, default=30, help="backlog drained with polling_interval 5 (default 30)"
    )
    parser.add_argument("--idle-seconds", type=float, default=90.0, help="idle window (default 90 s)")
    parser.add_argument(
        "--export-records", type=int, default=200_000,
        help="records of the synthetic export read by one worker (default 200000, ~79 MB of XML); 0: skip",
    )
    parser.add_argument("--only-export", action="store_true", help="run only the export benchmark")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of the chunk path and of COPY; the median counts (default 3)"
    )
    return parser.parse_args(argv)


def _say(text: str) -> None:
    print(text, flush=True)


def _median(results: list[PathResult]) -> PathResult:
    """The median run: one busy or lucky moment (the machine is shared) moves neither path."""
    return sorted(results, key=lambda result: result.seconds)[len(results) // 2]


def _imports(options) -> tuple[PathResult, PathResult, PathResult]:
    samples = raw_samples(options.samples)
    _say(f"import throughput: {len(samples):,} samples, chunks of {CHUNK_SIZE}, median of {options.repeat} runs")
    chunked, copied = [], []
    for _ in range(options.repeat):  # alternated, so that a busy moment hurts both alike
        chunked.append(chunk_path(samples, chunk_size=CHUNK_SIZE))
        copied.append(raw_copy(samples))
    for runs in (chunked, copied):
        _say(f"  {runs[0].name}: {', '.join(f'{run.seconds:.2f} s' for run in runs)}")
    chunked, copied = _median(chunked), _median(copied)
    naive = naive_loop(samples[: options.naive_samples])
    _say(f"  {naive.name}: {naive.samples:,} samples in {naive.seconds:.2f} s")
    return chunked, naive, copied


def _drains_and_idle(servers, options) -> tuple[DrainResult, DrainResult, IdleResult]:
    idle = IdleWorker(servers, seconds=options.idle_seconds).start()  # watched while the drains run
    _say(f"idle worker watched for {options.idle_seconds:g} s, meanwhile the backlog drains:")
    project = backlog_drain(servers, messages=options.messages, label="project settings")
    _say(f"  project settings: {project.messages} messages in {project.seconds:.1f} s")
    original = backlog_drain(
        servers, messages=options.original_messages, label="original polling_interval 5", overrides=ORIGINAL_SETTINGS
    )
    _say(f"  polling_interval 5: {original.messages} messages in {original.seconds:.1f} s")
    return project, original, idle.result()


def _summary(options, imports, drains, idle: IdleResult, seconds: float) -> list[str]:
    chunked, naive, copied = imports
    project, original, _ = drains
    naive_note = (
        f" ({naive.samples:,} of {options.samples:,} samples: per-sample rate, extrapolated)"
        if naive.samples < options.samples
        else ""
    )
    original_seconds = options.messages / original.per_second
    original_note = (
        f"{original.messages} of {options.messages} measured at {original.per_second:.2f} msg/s, extrapolated"
        if original.messages < options.messages
        else f"{original.per_second:.2f} msg/s"
    )
    return [
        f"== bench summary, {date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, run {seconds:.0f} s ==",
        f"import samples/s (median of {options.repeat}): chunk path {chunked.per_second:,.0f} "
        f"| update_or_create loop {naive.per_second:,.0f}"
        f"{naive_note} | raw COPY {copied.per_second:,.0f}",
        f"import ratios: chunk path / update_or_create loop = {chunked.per_second / naive.per_second:.1f}x "
        f"(target >= 20x); chunk path / raw COPY = {chunked.per_second / copied.per_second:.2f}x (target >= 0.25x)",
        f"drain of {options.messages} messages: project settings {project.seconds:.1f} s "
        f"({project.per_second:.1f} msg/s) | original polling_interval 5 {original_seconds:.0f} s ({original_note}) "
        f"| ratio {original_seconds / project.seconds:.1f}x faster (target >= 10x)",
        f"idle worker: {idle.receives_per_minute:.1f} ReceiveMessage/min, {idle.requests_per_minute:.1f} SQS "
        f"requests/min in all ({dict(idle.requests)} in {idle.seconds:.0f} s), from its one consumer; "
        f"its {idle.pool_processes} pool processes make none (target <= 4 per worker process)",
    ]


def main(argv: list[str]) -> int:
    options = _arguments(argv)
    started = time.monotonic()
    with bench_servers() as servers:
        exported = export_read(servers, records=options.export_records) if options.export_records else None
        if options.only_export:
            for line in export_summary(exported) if exported else []:
                _say(line)
            return 0
        imports = _imports(options)
        project, original, idle = _drains_and_idle(servers, options)
    for line in _summary(options, imports, (project, original, idle), idle, time.monotonic() - started):
        _say(line)
    for line in export_summary(exported) if exported else []:
        _say(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
