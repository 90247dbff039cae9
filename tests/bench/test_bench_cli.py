"""`python -m bench --quick --json PATH`: every benchmark runs (small) and every figure and ratio is written.

The figures are not checked (benchmarks assert nothing, and no test asserts a time): their
presence, their types, the ratios' targets, and the counts the runs must have stored are.
"""

import json
import subprocess
import sys
from numbers import Real
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
RATIOS = {
    "chunk_path_vs_update_or_create_loop": 20,
    "chunk_path_vs_raw_copy": 0.5,
    "api_per_core_vs_chunk_path_per_core_1000": 0.5,
    "api_per_core_vs_chunk_path_per_core_5000": 0.5,
    "end_to_end_2_vs_1_worker_processes": None,
    "drain_project_vs_polling_interval_5": 10,
    "idle_receives_per_minute_per_worker": 4,
    "export_task_minutes_1_3_gb_extrapolated": 10,
    "export_worker_peak_rss_mib": 512,
}


def test_the_quick_run_exits_0_and_writes_every_figure_and_ratio(tmp_path):
    output = tmp_path / "bench.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(output)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    document = json.loads(output.read_text())

    assert set(document) == {"date", "seconds", "machine", "options", "figures", "ratios"}
    assert {"python", "postgresql", "cpus", "packages"} <= set(document["machine"])
    assert document["machine"]["packages"]["orjson"]
    figures = document["figures"]
    for path in ("chunk_path", "raw_copy", "naive_loop"):
        assert isinstance(figures["import"][path]["samples_per_second"], Real)
    assert figures["import"]["chunk_path"]["samples"] == document["options"]["samples"] == 2000
    assert [result["samples_per_request"] for result in figures["api_ingest"]] == [1000, 5000]
    for result in figures["api_ingest"]:
        assert result["requests"] == 2
        assert all(isinstance(result[name], Real) for name in ("samples_per_second", "latency_p50_s", "latency_p95_s"))
    assert [(run["worker_processes"], run["samples"]) for run in figures["end_to_end"]] == [(1, 1000), (2, 1000)]
    assert figures["export"]["records"] == document["options"]["export_records"] == 5000
    assert figures["export"]["samples"] > 0 and figures["export"]["xml_bytes"] > 0
    assert all(isinstance(figures["export"][name], Real) for name in ("read_seconds", "peak_rss_mib", "extrapolated_read_minutes"))

    assert {name: ratio["target"] for name, ratio in document["ratios"].items()} == RATIOS
    for name, ratio in document["ratios"].items():
        assert isinstance(ratio["value"], Real), name
        assert ratio["met"] in ((None,) if ratio["target"] is None else (True, False)), name
        assert f"{name} = {ratio['value']:.2f}" in run.stdout  # the text summary says the same
