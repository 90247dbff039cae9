"""`uv run python -m bench`: every benchmark in one run; the summary is in the last lines.

Options shrink or grow the run (defaults: the figures bench/README.md reports); `--quick` runs
everything small (a smoke test: the figures mean little); `--json PATH` writes every figure and
ratio, with the machine and versions. Exit 0 whatever the figures: benchmarks assert nothing.
"""

import argparse
import json
import sys
import time
from pathlib import Path

from bench.api_ingest import api_ingest
from bench.backlog_drain import backlog_drain
from bench.end_to_end import end_to_end
from bench.environment import bench_servers
from bench.export_read import export_read
from bench.idle_cost import IdleWorker
from bench.import_throughput import PathResult, bytes_per_sample, chunk_path, naive_loop, raw_copy, raw_samples
from bench.report import document, summary_lines

CHUNK_SIZE = 1000  # HEALTHKIT_IMPORT_CHUNK_SIZE's default
ORIGINAL_SETTINGS = {"CELERY_BROKER_POLLING_INTERVAL": "5"}
#: what --quick sets (each still overridable on the command line after it)
QUICK = {
    "samples": 2000, "naive_samples": 200, "repeat": 1, "messages": 10, "original_messages": 2, "idle_seconds": 5.0,
    "api_requests": 2, "api_sizes": "1000,5000", "e2e_clients": 2, "e2e_requests": 1, "e2e_size": 500,
    "e2e_processes": "1,2", "export_records": 5000,
}  # fmt: skip


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    add = parser.add_argument
    add("--quick", action="store_true", help="everything small (a smoke test of the benchmarks)")
    add("--json", type=Path, metavar="PATH", help="also write every figure and ratio to PATH as JSON")
    add("--samples", type=int, help="samples per import path (default 100000)")
    add("--naive-samples", type=int, help="samples the update_or_create loop stores (default 10000)")
    add("--repeat", type=int, help="runs of the chunk path and of COPY; the median counts (default 3)")
    add("--api-requests", type=int, help="requests per size in the api ingest benchmark (default 20)")
    add("--api-sizes", help="samples per api request, comma-separated (default 1000,5000)")
    add("--e2e-clients", type=int, help="concurrent clients end to end (default 8)")
    add("--e2e-requests", type=int, help="requests per client end to end (default 5)")
    add("--e2e-size", type=int, help="samples per request end to end (default 1000)")
    add("--e2e-processes", help="worker processes end to end, comma-separated (default 1,2,4)")
    add("--messages", type=int, help="backlog drained with the project's settings (default 500)")
    add("--original-messages", type=int, help="backlog drained with polling_interval 5 (default 30)")
    add("--idle-seconds", type=float, help="idle window (default 90 s)")
    add("--export-records", type=int, help="records of the synthetic export one worker reads (default 200000, "
        "~79 MB of XML; 0: skip)")
    add("--only-export", action="store_true", help="run only the export benchmark")
    options = parser.parse_args(argv)
    defaults = {
        "samples": 100_000, "naive_samples": 10_000, "repeat": 3, "api_requests": 20, "api_sizes": "1000,5000",
        "e2e_clients": 8, "e2e_requests": 5, "e2e_size": 1000, "e2e_processes": "1,2,4", "messages": 500,
        "original_messages": 30, "idle_seconds": 90.0, "export_records": 200_000,
    }  # fmt: skip
    for name, value in (defaults | (QUICK if options.quick else {})).items():
        if getattr(options, name) is None:
            setattr(options, name, value)
    return options


def _say(text: str) -> None:
    print(text, flush=True)


def _median(results: list[PathResult]) -> PathResult:
    """The median run: one busy or lucky moment (the machine is shared) moves neither path."""
    return sorted(results, key=lambda result: result.seconds)[len(results) // 2]


def _path(runs: list[PathResult]) -> dict:
    median = _median(runs)
    return {
        "samples": median.samples,
        "runs_s": [run.seconds for run in runs],
        "median_s": median.seconds,
        "samples_per_second": median.per_second,
    }


def _imports(options) -> dict:
    samples = raw_samples(options.samples)
    _say(f"import throughput: {len(samples):,} samples, chunks of {CHUNK_SIZE}, median of {options.repeat} runs")
    chunked, copied = [], []
    for _ in range(options.repeat):  # alternated, so that a busy moment hurts both alike
        chunked.append(chunk_path(samples, chunk_size=CHUNK_SIZE))
        storage = bytes_per_sample()  # as the chunk path left the tables
        copied.append(raw_copy(samples))
    for runs in (chunked, copied):
        _say(f"  {runs[0].name}: {', '.join(f'{run.seconds:.2f} s' for run in runs)}")
    naive = naive_loop(samples[: options.naive_samples])
    _say(f"  {naive.name}: {naive.samples:,} samples in {naive.seconds:.2f} s")
    return {
        "samples": len(samples),
        "chunk_size": CHUNK_SIZE,
        "repeat": options.repeat,
        "chunk_path": _path(chunked),
        "raw_copy": _path(copied),
        "naive_loop": _path([naive]),
        "bytes_per_sample": storage,
    }


def _api(servers, options) -> list[dict]:
    sizes = tuple(int(size) for size in options.api_sizes.split(","))
    _say(f"api ingest: one gunicorn worker process, {options.api_requests} requests of each of {sizes} samples")
    results = [result.as_dict() for result in api_ingest(servers, sizes=sizes, requests_per_size=options.api_requests)]
    for result in results:
        _say(f"  {result['samples_per_request']}: {result['seconds']:.2f} s")
    return results


def _end_to_end(servers, options, *, first: int) -> list[dict]:
    _say(f"end to end: {options.e2e_clients} clients x {options.e2e_requests} requests of {options.e2e_size} samples")
    results = []
    for processes in (int(count) for count in options.e2e_processes.split(",")):
        run = end_to_end(
            servers,
            processes=processes,
            clients=options.e2e_clients,
            requests_per_client=options.e2e_requests,
            size=options.e2e_size,
            first=first,
        )
        first += run.samples
        _say(f"  {processes} worker processes: {run.samples:,} samples in {run.seconds:.2f} s")
        results.append(run.as_dict())
    return results


def _drains_and_idle(servers, options) -> tuple[dict, dict]:
    idle = IdleWorker(servers, seconds=options.idle_seconds).start()  # watched while the drains run
    _say(f"idle worker watched for {options.idle_seconds:g} s, meanwhile the backlog drains:")
    project = backlog_drain(servers, messages=options.messages, label="project settings")
    _say(f"  project settings: {project.messages} messages in {project.seconds:.1f} s")
    original = backlog_drain(
        servers, messages=options.original_messages, label="original polling_interval 5", overrides=ORIGINAL_SETTINGS
    )
    _say(f"  polling_interval 5: {original.messages} messages in {original.seconds:.1f} s")
    watched = idle.result()
    original_seconds = options.messages / original.per_second
    drain = {
        "messages": options.messages,
        "project_seconds": project.seconds,
        "project_per_second": project.per_second,
        "original_measured_messages": original.messages,
        "original_per_second": original.per_second,
        "original_seconds": original_seconds,
        "original_note": f"{original.messages} of {options.messages} measured at {original.per_second:.2f} msg/s, extrapolated"
        if original.messages < options.messages
        else f"{original.per_second:.2f} msg/s",
        "speedup": original_seconds / project.seconds,
    }
    idle_figures = {
        "seconds": watched.seconds,
        "requests": dict(watched.requests),
        "receives_per_minute": watched.receives_per_minute,
        "requests_per_minute": watched.requests_per_minute,
        "pool_processes": watched.pool_processes,
    }
    return drain, idle_figures


def _postgres_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def main(argv: list[str]) -> int:
    options = _arguments(argv)
    started = time.monotonic()
    with bench_servers() as servers:
        figures = {}
        if options.export_records:
            _say(f"export backfill: {options.export_records:,} records through one worker process")
            figures["export"] = export_read(servers, records=options.export_records).as_dict()
        if not options.only_export:
            figures["import"] = _imports(options)
            figures["api_ingest"] = _api(servers, options)
            figures["end_to_end"] = _end_to_end(servers, options, first=options.samples)
            figures["drain"], figures["idle"] = _drains_and_idle(servers, options)
        postgres_version = _postgres_version()
    settings = {name: value for name, value in vars(options).items() if name != "json"}
    result = document(figures, options=settings, postgres_version=postgres_version, seconds=time.monotonic() - started)
    for line in summary_lines(result):
        _say(line)
    if options.json:
        options.json.write_text(json.dumps(result, indent=2) + "\n")
        _say(f"figures written to {options.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
