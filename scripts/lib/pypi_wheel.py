"""Download one wheel from PyPI and check it against the index's sha256; print its path.

    python3 scripts/lib/pypi_wheel.py NAME VERSION TAG_PART DEST_DIR
    python3 scripts/lib/pypi_wheel.py uv 0.13.9 manylinux_2_17_x86_64 /tmp/wheels

TAG_PART picks the file among the release's wheels (``py3-none-any`` for pure Python ones).
Standard library only: it runs before any virtualenv exists, with the machine's CA store.
"""

from __future__ import annotations

import hashlib
import json
import sys
import urllib.request
from pathlib import Path

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"  # PEP 691


def wheel_entry(name: str, version: str, tag_part: str) -> dict:
    """The index's entry (filename, url, hashes) for the one matching wheel."""
    request = urllib.request.Request(f"https://pypi.org/simple/{name}/", headers={"Accept": SIMPLE_JSON})
    with urllib.request.urlopen(request, timeout=60) as response:
        files = json.load(response)["files"]
    prefix = f"{name.replace('-', '_')}-{version}-"
    matches = [f for f in files if f["filename"].startswith(prefix) and f["filename"].endswith(".whl")
               and tag_part in f["filename"]]
    if len(matches) != 1:
        raise SystemExit(f"error: {len(matches)} wheels of {name} {version} match {tag_part!r} on PyPI")
    return matches[0]


def download(entry: dict, dest: Path) -> Path:
    """Fetch the wheel into dest (kept when its hash already matches)."""
    path = dest / entry["filename"]
    expected = entry["hashes"]["sha256"]
    if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == expected:
        return path
    with urllib.request.urlopen(entry["url"], timeout=300) as response:
        data = response.read()
    if hashlib.sha256(data).hexdigest() != expected:
        raise SystemExit(f"error: {entry['filename']}: sha256 differs from PyPI's")
    dest.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(path)
    return path


def main(argv: list[str]) -> None:
    name, version, tag_part, dest = argv
    print(download(wheel_entry(name, version, tag_part), Path(dest)))


if __name__ == "__main__":
    main(sys.argv[1:])
