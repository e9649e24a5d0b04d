"""The package's shape: the layers contract holds (and would catch an upward import), no import cycles, and the
model reads every number through the input registry."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "duel"
ROOT_MODULES = {"__init__", "__main__", "cli", "errors", "backend", "files"}


def _lint_imports(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([exe, "--no-cache"], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def test_the_layer_contracts_hold() -> None:
    r = _lint_imports(ROOT)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "0 broken" in r.stdout and "4 kept" in r.stdout


@pytest.mark.parametrize("module, imports", [
    ("duel/flight/_upward.py", "import duel.verdict.document"),  # a lower floor importing a higher one
    ("duel/verdict/_flies.py", "from duel.flight.integrate import integrate"),  # the verdict computing a flight
    ("duel/defence/_reads.py", "from duel.catalog import load_catalog"),  # a number read around the registry
])
def test_the_contracts_catch_a_violation(tmp_path: Path, module: str, imports: str) -> None:
    """A copy of the package with one offending module makes lint-imports fail, naming that module."""
    shutil.copytree(SRC, tmp_path / "duel", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / module).write_text(f'"""A deliberate violation."""\n\n{imports}\n', encoding="utf-8")
    r = _lint_imports(tmp_path, pythonpath=tmp_path)
    assert r.returncode != 0, r.stdout[-2000:]
    assert "BROKEN" in r.stdout and Path(module).stem in r.stdout


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every duel module imported anywhere in a file (top level and inside functions)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for a in node.names:
                target = f"{base}.{a.name}"
                out.add(target if target in modules else base)
    return {m for m in out if m in modules and m != name}


def test_no_import_cycle_between_modules() -> None:
    files = sorted(SRC.rglob("*.py"))
    modules = {_module_name(p) for p in files}
    graph = {_module_name(p): _imports(p, modules) for p in files}
    # Tarjan's strongly connected components: a component of two or more modules is a cycle
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, cycles
    assert sum(len(v) for v in graph.values()) > 200  # the parser sees the imports (not vacuous)


def test_only_the_allowed_modules_sit_at_the_root() -> None:
    root = {p.stem for p in SRC.glob("*.py")}
    assert root == ROOT_MODULES, root - ROOT_MODULES


def test_data_files_are_read_by_their_owners_only() -> None:
    """TOML is parsed in four places: the catalogue's loader, the input registry (the model's data files), the
    scenario loader (also for sweep specs) and the notification regimes; no model code reads a data file around
    the registry."""
    def reads_toml(p: Path) -> bool:
        tree = ast.parse(p.read_text(encoding="utf-8"))
        return any(isinstance(n, ast.Import) and any(a.name == "tomllib" for a in n.names)
                   or isinstance(n, ast.ImportFrom) and n.module == "tomllib" for n in ast.walk(tree))

    readers = {str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if reads_toml(p)}
    assert readers == {"catalog/loading.py", "scenario/registry.py", "scenario/loading.py", "notify/regime.py"}
