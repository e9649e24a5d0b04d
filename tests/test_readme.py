"""The README's examples work as written: its Python block runs, prints the verdict and writes the figure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.S)


def test_the_readme_has_a_python_example() -> None:
    (block,) = python_blocks()
    for needed in ("load_scenario", "run_scenario", "sets=", "verdict", "savefig"):
        assert needed in block


def test_the_python_example_runs(tmp_path, monkeypatch, capsys) -> None:
    (block,) = python_blocks()
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md", "exec"), {"__name__": "readme"})  # noqa: S102 - our own README
    out = capsys.readouterr().out.splitlines()
    assert re.match(r"P\(all 36 objects stopped\): \d+% to \d+% across 90 % of the assumption draws", out[1])
    assert any(line.startswith("'There is no chance of shooting down these missiles': ") for line in out)
    assert any(line.startswith("from the infrared launch report to impact: ") for line in out)
    png = tmp_path / "timeline.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


@pytest.mark.parametrize("command", ["python -m pip install . && duel run scenarios/kyiv-duel.toml",
                                     "bash scripts/test"])
def test_the_two_setup_commands_are_in_the_readme(command: str) -> None:
    assert f"```\n{command}\n```" in (ROOT / "README.md").read_text(encoding="utf-8")
