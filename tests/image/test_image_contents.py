"""What the image holds and who runs it: docs/runtime-contract.md's "Image" section, checked inside it."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
#: CAs of a TLS-intercepting proxy on the build machine: trusted by the offline build's builder
#: stage only (scripts/lib/image_build.sh), never by the image
MACHINE_CAS = sorted(Path("/usr/local/share/ca-certificates").glob("*.crt"))


def _python_json(container_run, label: str, code: str, env: dict[str, str] | None = None):
    result = container_run(label, ["python", "-c", code], env)
    assert result.returncode == 0, result.stdout
    return json.loads(result.stdout.strip().splitlines()[-1])


def runtime_distributions() -> list[str]:
    """The project's runtime dependencies (pyproject's [project] dependencies), by name."""
    dependencies = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return [re.split(r"[\s<>=!~\[;]", spec, maxsplit=1)[0] for spec in dependencies]


def test_the_image_runs_as_uid_and_gid_10001(container_run):
    result = container_run("id", ["sh", "-c", "id -u; id -g"])

    assert (result.returncode, result.stdout.split()) == (0, ["10001", "10001"]), result.stdout


def test_the_process_cannot_write_its_code_or_its_dependencies(container_run):
    code = """
import json, pathlib, sysconfig
targets = ["/app/manage.py", "/app/backend/settings.py", "/app/staticfiles/admin/css/base.css",
           sysconfig.get_paths()["purelib"] + "/django/__init__.py"]
new = ["/app/new.py", "/app/backend/new.py", sysconfig.get_paths()["purelib"] + "/new.py", "/opt/venv/bin/new"]
refused = {}
for path in targets:
    try:
        open(path, "a").close(); refused[path] = False
    except PermissionError:
        refused[path] = True
for path in new:
    try:
        pathlib.Path(path).touch(); refused[path] = False
    except PermissionError:
        refused[path] = True
print(json.dumps(refused))
"""
    refused = _python_json(container_run, "readonly", code)

    assert refused and all(refused.values()), refused


def test_the_image_has_no_pip_and_no_uv(container_run):
    code = """
import importlib.util, json, shutil, subprocess
base = subprocess.run(["/usr/local/bin/python3", "-c", "import pip"], capture_output=True).returncode
print(json.dumps({"pip in the venv": importlib.util.find_spec("pip") is not None,
                  "pip in the base interpreter": base == 0,
                  **{f"{name} on PATH": shutil.which(name) is not None for name in ("pip", "pip3", "uv", "uvx")}}))
"""
    found = _python_json(container_run, "no-pip", code)

    assert not any(found.values()), found


def test_every_runtime_dependency_imports(container_run):
    distributions = runtime_distributions()
    code = f"""
import importlib, importlib.metadata, json, re
def norm(name): return re.sub(r"[-_.]+", "-", name).lower()
wanted = {{norm(d) for d in {distributions!r}}}
modules = {{}}
for module, dists in importlib.metadata.packages_distributions().items():
    for dist in dists:
        if norm(dist) in wanted and not module.startswith("_"):
            modules.setdefault(norm(dist), []).append(module)
for dist, names in modules.items():
    for name in names:
        importlib.import_module(name)
print(json.dumps(modules))
"""
    imported = _python_json(container_run, "imports", code)

    assert set(imported) == {re.sub(r"[-_.]+", "-", d).lower() for d in distributions}, imported


def test_the_build_machines_proxy_trust_stays_out_of_the_image(container_run):
    bodies = ["".join(path.read_text().split("-----")[2].split()) for path in MACHINE_CAS]
    code = """
import json, os
bundle = "".join(open("/etc/ssl/certs/ca-certificates.crt").read().split())
print(json.dumps({"bundle": bundle, "uv config": os.path.exists("/etc/uv"),
                  "local CAs": os.listdir("/usr/local/share/ca-certificates")}))
"""
    found = _python_json(container_run, "trust", code)

    assert not found["uv config"] and found["local CAs"] == []
    assert not [body for body in bodies if body in found["bundle"]], [p.name for p in MACHINE_CAS]


def test_dev_mode_keeps_its_sqlite_database_in_tmp(container_run):
    result = container_run("dev", ["python", "manage.py", "migrate", "--noinput"], {"DJANGO_ENV": "dev"})

    assert result.returncode == 0, result.stdout
    assert "Applying healthkit" in result.stdout


def test_dev_mode_with_its_database_in_the_read_only_app_folder_fails_with_one_message(container_run):
    result = container_run("dev-readonly", ["python", "manage.py", "check"],
                           {"DJANGO_ENV": "dev", "DB_SQLITE_PATH": "/app/db.sqlite3"})

    assert result.returncode != 0
    assert "DJANGO_ENV=dev without DB_HOST keeps its database in SQLite at /app/db.sqlite3, but /app is not " \
           "writable: set DB_SQLITE_PATH to a writable file, or DB_HOST" in result.stdout, result.stdout
