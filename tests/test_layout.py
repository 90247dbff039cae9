"""The repository's layout rules (README "Repository layout"), read from the source with ``ast``:
no product module imports ``tests``, no import cycle between modules (lazy imports included), and
no source file over 400 lines (migrations aside)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400
#: folders on sys.path of their own: the app (the image's WORKDIR), the bootstrap project (Pulumi
#: runs it from there) and scripts/ (scripts/rollout adds it); every other module is named from the root
IMPORT_ROOTS = ("app", "bootstrap", "scripts")
SKIPPED_DIRS = {"__pycache__", "node_modules", "migrations"}


def python_files(under: Path = REPO_ROOT) -> Iterator[Path]:
    """Every .py file of the repository (hidden folders, the virtualenv and migrations aside)."""
    for path in sorted(under.rglob("*.py")):
        parts = path.relative_to(REPO_ROOT).parts
        if any(part.startswith(".") or part in SKIPPED_DIRS for part in parts[:-1]):
            continue
        yield path


def product_files() -> list[Path]:
    return [path for path in python_files() if path.relative_to(REPO_ROOT).parts[0] != "tests"]


def module_name(path: Path) -> str:
    """``app/healthkit/tasks.py`` -> ``healthkit.tasks``; ``proof/__init__.py`` -> ``proof``."""
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[0] in IMPORT_ROOTS and len(parts) > 1 and parts[1] != "__main__":
        parts = parts[1:]
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def imported_names(path: Path) -> Iterator[tuple[str, int]]:
    """``(dotted name, line)`` of every import anywhere in the file (``from a import b`` gives
    ``a.b``; relative imports are resolved against the file's package)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                yield f"{base}.{alias.name}" if alias.name != "*" else base, node.lineno


def import_graph() -> dict[str, set[str]]:
    """Product module -> the product modules it imports (the most specific module each name names)."""
    modules = {module_name(path): path for path in product_files()}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for imported, _line in imported_names(path):
            parts = imported.split(".")
            target = next((".".join(parts[:n]) for n in range(len(parts), 0, -1) if ".".join(parts[:n]) in modules),
                          None)
            if target is not None and target != name:
                graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_walk_sees_every_product_package():
    names = {module_name(path) for path in product_files()}
    for expected in ("healthkit.tasks", "backend.celery", "infra.queue", "stacks.program", "proof",
                     "rehearsal.run", "localservices.postgres", "bench.workers", "policy.rules",
                     "healthkit_bootstrap.policies", "rollout_lib.cli"):
        assert expected in names


def test_no_product_module_imports_tests():
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{line} imports {name}"
        for path in product_files()
        for name, line in imported_names(path)
        if name.split(".")[0] == "tests"
    ]
    assert offenders == []


def test_no_two_modules_import_each_other_directly_or_through_others():
    assert cycles(import_graph()) == []


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_source_file_is_over_400_lines_outside_migrations():
    long_files = {
        str(path.relative_to(REPO_ROOT)): count
        for path in python_files()
        if (count := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long_files == {}
