"""Shared test helpers: run the CLI as a user would (a subprocess, so exit codes and stderr are real)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import settings

# CI: property tests draw the same examples every run (a failure there is reproducible, never luck)
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


class CliResult:
    """Exit code, stdout and stderr of one ``duel`` run."""

    def __init__(self, proc: subprocess.CompletedProcess[str]):
        self.code, self.out, self.err = proc.returncode, proc.stdout, proc.stderr

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def duel():
    """Run ``python -m duel ARGS...`` and return a :class:`CliResult`."""

    def run(*args: str, timeout: float = 300) -> CliResult:
        return CliResult(subprocess.run([sys.executable, "-m", "duel", *args], capture_output=True, text=True,
                                        timeout=timeout))

    return run
