"""The tests' ``duel`` runner (tests/cli_process.py: a fork of a process that has imported duel) gives what a new
``python -m duel`` process gives: the same exit code, standard output and standard error, in the test's working
folder and environment."""

from __future__ import annotations

import subprocess
import sys

import pytest
from cli_process import run_duel

CASES = [
    ("--version",),
    ("--help",),
    ("fly", "--help"),
    ("catalog", "missiles"),
    ("fly", "--from", "nowhere", "--to", "kyiv"),  # an input error: one line, exit 2
    ("fly", "--trajectory", "apogee:-5", "--from", "kapustin-yar", "--to", "kyiv"),
    ("run", "--no-such-option"),  # a usage error of the command-line parser: exit 2, the usage on stderr
    ("scenario", "check", "no-such-file.toml"),
    ("inputs", "--grep", "thaad", "--format", "json"),
]


def _fresh(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "duel", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args", CASES, ids=lambda a: " ".join(a))
def test_a_forked_duel_is_a_new_duel_process(args: tuple[str, ...]) -> None:
    forked, fresh = run_duel(*args, timeout=120), _fresh(*args)
    assert (forked.returncode, forked.stdout, forked.stderr) == (fresh.returncode, fresh.stdout, fresh.stderr)
    assert forked.stdout or forked.stderr  # each case prints something


def test_the_test_s_folder_and_environment_reach_the_command(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "60")
    (tmp_path / "s.toml").write_text("[scenario]\nname = 'x'\n", encoding="utf-8")
    forked, fresh = run_duel("scenario", "check", "s.toml"), _fresh("scenario", "check", "s.toml")
    assert forked.returncode == fresh.returncode == 2 and forked.stderr == fresh.stderr
    assert "s.toml" in forked.stderr
    narrow = run_duel("catalog", "missiles")
    monkeypatch.setenv("COLUMNS", "200")
    assert run_duel("catalog", "missiles").stdout != narrow.stdout  # the table follows the width it is given


def test_a_command_past_its_timeout_is_stopped_and_raises(tmp_path) -> None:
    """As ``subprocess.run(timeout=...)``: TimeoutExpired, and the runner takes the next command."""
    with pytest.raises(subprocess.TimeoutExpired):
        run_duel("run", "scenarios/kyiv-duel.toml", "--out", str(tmp_path / "out"), timeout=1)
    assert run_duel("--version").returncode == 0
