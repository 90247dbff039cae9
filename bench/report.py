"""The benchmarks' figures as one document (`--json`) and as the summary lines: each ratio against its target."""

import os
import platform
from datetime import date
from importlib import metadata

#: the packages whose versions move the figures
PACKAGES = ("django", "psycopg", "psycopg-binary", "orjson", "celery", "kombu", "moto", "gunicorn", "boto3")


def machine(postgres_version: str) -> dict:
    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()),
        "python": platform.python_version(),
        "postgresql": postgres_version,
        "packages": {name: version(name) for name in PACKAGES},
    }


def _ratio(value: float, target: float, *, at_most: bool = False) -> dict:
    return {"value": value, "target": target, "met": value <= target if at_most else value >= target, "at_most": at_most}


def ratios(figures: dict) -> dict:
    """Every ratio and target figure, from the figures (`import`, `api_ingest`, `drain`, `idle`, `export`)."""
    found = {}
    if "export" in figures:  # targets per worker task: a 1.3 GB export.xml in 10 minutes, under 512 MiB
        found["export_task_minutes_1_3_gb_extrapolated"] = _ratio(figures["export"]["extrapolated_read_minutes"], 10, at_most=True)
        found["export_worker_peak_rss_mib"] = _ratio(figures["export"]["peak_rss_mib"], 512, at_most=True)
    if "import" not in figures:
        return found
    imports = figures["import"]
    chunk = imports["chunk_path"]["samples_per_second"]
    found |= {
        "chunk_path_vs_update_or_create_loop": _ratio(chunk / imports["naive_loop"]["samples_per_second"], 20),
        "chunk_path_vs_raw_copy": _ratio(chunk / imports["raw_copy"]["samples_per_second"], 0.5),
    }
    for result in figures.get("api_ingest", []):
        name = f"api_per_core_vs_chunk_path_per_core_{result['samples_per_request']}"
        found[name] = _ratio(result["samples_per_second"] / chunk, 0.5)
    curve = {run["worker_processes"]: run["samples_per_second"] for run in figures.get("end_to_end", [])}
    for processes in sorted(curve)[1:]:  # the shape of the curve: no target
        found[f"end_to_end_{processes}_vs_{min(curve)}_worker_processes"] = {
            "value": curve[processes] / curve[min(curve)],
            "target": None,
            "met": None,
            "at_most": False,
        }
    if "drain" in figures:
        found["drain_project_vs_polling_interval_5"] = _ratio(figures["drain"]["speedup"], 10)
    if "idle" in figures:
        found["idle_receives_per_minute_per_worker"] = _ratio(figures["idle"]["receives_per_minute"], 4, at_most=True)
    return found


def _against(ratio: dict) -> str:
    if ratio["target"] is None:
        return "(no target: the curve's shape)"
    sign = "<=" if ratio["at_most"] else ">="
    return f"(target {sign} {ratio['target']:g}: {'met' if ratio['met'] else 'NOT met'})"


def summary_lines(document: dict) -> list[str]:
    """The summary printed at the end of a run."""
    figures, found, env = document["figures"], document["ratios"], document["machine"]
    lines = [
        f"== bench summary, {document['date']}, {env['machine']}, {env['cpus']} CPUs, Python {env['python']}, "
        f"PostgreSQL {env['postgresql']}, run {document['seconds']:.0f} s ==",
    ]
    if "export" in figures:
        lines += _export_lines(figures["export"])
    if "import" in figures:
        lines += _import_lines(figures["import"])
    for result in figures.get("api_ingest", []):
        rss = result["peak_rss_growth_mib"]
        lines.append(
            f"api ingest, one worker process, {result['samples_per_request']:,}-sample requests: "
            f"{result['samples_per_second']:,.0f} samples/s, p50 {result['latency_p50_s'] * 1000:.0f} ms, "
            f"p95 {result['latency_p95_s'] * 1000:.0f} ms, "
            + (f"peak RSS +{rss:.1f} MiB over idle" if rss is not None else "peak RSS unknown (no /proc)")
        )
    if figures.get("end_to_end"):
        runs = " | ".join(
            f"{run['worker_processes']} worker processes {run['samples_per_second']:,.0f}" for run in figures["end_to_end"]
        )
        lines.append(f"end to end samples/s (POST to committed rows, {figures['end_to_end'][0]['clients']} clients): {runs}")
    if "drain" in figures:
        drain = figures["drain"]
        lines.append(
            f"drain of {drain['messages']} messages: project settings {drain['project_seconds']:.1f} s | "
            f"original polling_interval 5 {drain['original_seconds']:.0f} s ({drain['original_note']})"
        )
    if "idle" in figures:
        idle = figures["idle"]
        lines.append(
            f"idle worker: {idle['receives_per_minute']:.1f} ReceiveMessage/min, {idle['requests_per_minute']:.1f} SQS "
            f"requests/min in all ({idle['requests']} in {idle['seconds']:.0f} s), from its one consumer"
        )
    lines += [f"{name} = {ratio['value']:.2f} {_against(ratio)}" for name, ratio in found.items()]
    return lines


def _import_lines(imports: dict) -> list[str]:
    lines = [
        f"import samples/s (median of {imports['repeat']}): chunk path {imports['chunk_path']['samples_per_second']:,.0f} "
        f"| update_or_create loop {imports['naive_loop']['samples_per_second']:,.0f} "
        f"({imports['naive_loop']['samples']:,} samples: per-sample rate) | raw COPY {imports['raw_copy']['samples_per_second']:,.0f}",
    ]
    if "bytes_per_sample" in imports:
        parts = [
            f"{table} {sizes['table']:.0f} B + indexes {sizes['indexes']:.0f} B"
            for table, sizes in imports["bytes_per_sample"].items()
        ]
        lines.append(f"stored per sample (chunk path, {imports['samples']:,} samples): {' | '.join(parts)}")
    return lines


def _export_lines(export: dict) -> list[str]:
    return [
        f"export backfill: {export['samples']:,} samples, export.xml {export['xml_bytes'] / 1e6:.1f} MB "
        f"(zip {export['zip_bytes'] / 1e6:.1f} MB), one worker process: read + queue {export['read_seconds']:.1f} s "
        f"({export['read_records_per_second']:,.0f} records/s), whole import {export['import_seconds']:.1f} s "
        f"({export['import_records_per_second']:,.0f} records/s), peak RSS {export['peak_rss_mib']:.0f} MiB",
        f"export backfill extrapolated linearly to a {export['extrapolated_to_xml_bytes'] / 1e9:.1f} GB export.xml "
        f"(x{export['extrapolated_to_xml_bytes'] / export['xml_bytes']:.1f}, not measured): export task "
        f"{export['extrapolated_read_minutes']:.1f} min, whole import through that one process "
        f"{export['extrapolated_import_minutes']:.1f} min; peak RSS constant in the export's size",
    ]


def document(figures: dict, *, options: dict, postgres_version: str, seconds: float) -> dict:
    found = ratios(figures)
    return {
        "date": date.today().isoformat(),
        "seconds": seconds,
        "machine": machine(postgres_version),
        "options": options,
        "figures": figures,
        "ratios": found,
    }
