"""python -m rehearsal (rehearsal/cli.py): arguments, and the wrapper script."""

import subprocess
from pathlib import Path

from rehearsal.cli import _config_value, parse_args

REPO = Path(__file__).resolve().parents[2]


def test_config_values_are_json_when_they_parse():
    assert _config_value("4") == 4
    assert _config_value("true") is True
    assert _config_value('["10.0.0.0/8"]') == ["10.0.0.0/8"]
    assert _config_value("arn:aws:acm:us-east-1:1:certificate/x") == "arn:aws:acm:us-east-1:1:certificate/x"


def test_arguments_default_to_dev_and_the_full_sync():
    args = parse_args(["--config", "workerConcurrency=4", "--config", "dbSslMode=require"])
    assert (args.stack, args.samples, args.duplicates, args.serve) == ("dev", 20_000, 2_000, False)
    assert args.config == ["workerConcurrency=4", "dbSslMode=require"]


def test_the_wrapper_script_is_executable_and_passes_shellcheck():
    script = REPO / "scripts" / "rehearse"
    assert script.stat().st_mode & 0o111
    result = subprocess.run(["shellcheck", "-x", str(script)], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_serve_keeps_everything_up_until_terminated_then_stops_it(tmp_path):
    import signal
    import sys
    import time

    import requests

    from localservices.ports import port_open

    command = [sys.executable, "-m", "rehearsal", "--stack", "dev", "--serve", "--samples", "300",
               "--duplicates", "50", "--state-dir", str(tmp_path)]
    output = tmp_path.parent / "serve.out"
    with open(output, "w") as out:
        process = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while "Serving until Ctrl-C" not in output.read_text():
                assert process.poll() is None, output.read_text()[-3000:]
                assert time.monotonic() < deadline, output.read_text()[-3000:]
                time.sleep(0.5)
            api = next(line.split()[-1] for line in output.read_text().splitlines() if line.startswith("  api: http"))
            assert requests.get(f"{api}/healthz", timeout=5).status_code == 200
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=60) == 0
        finally:
            if process.poll() is None:
                process.kill()
    assert "stopping" in output.read_text()
    assert not port_open(int(api.rsplit(":", 1)[1]))


def test_a_failing_step_exits_1_and_names_the_step_on_stderr(tmp_path):
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "rehearsal", "--stack", "dev", "--config", "workerConcurrency=0",
         "--state-dir", str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("step 'mock run of the stack program' failed: SettingsError")
    assert "workerConcurrency = 0" in last
