"""Shared test helpers: run the CLI as a user would (a process of its own, so exit codes and stderr are real:
forked from a process that has imported duel once, tests/cli_process.py)."""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from cli_process import run_duel  # first imported here: the zygote starts with the worker's environment
from hypothesis import settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# CI: property tests draw the same examples every run (a failure there is reproducible, never luck)
settings.register_profile("ci", derandomize=True)
if IN_CI:
    settings.load_profile("ci")


_AIMS = pytest.StashKey[str]()

LONGEST_FIRST = (
    "test_web_api.py", "test_sweep.py", "test_engine.py", "test_terminal_width.py", "test_web_page.py",
    "test_stepwise.py", "test_golden.py", "test_backend.py", "test_figure_layout.py", "test_duel_run.py",
    "test_aim_store.py", "test_notebook.py", "test_flight_physics.py", "test_notify_sim.py", "test_fly_cli.py",
    "test_templates.py",
)
"""The test files that take longest (25-105 worker-seconds each on this project's 2-core machine, 3 December
2026, evening: the sums of ``--durations=0`` of one whole run), longest first: they start first, so that the run does not end with one worker on a long file while the
other idles (scripts/test: ``--dist loadfile --no-loadscope-reorder`` hands out whole files in this order)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files of :data:`LONGEST_FIRST` first, in its order; the others after them, in their own order."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def pytest_configure(config: pytest.Config) -> None:
    """One store of solved aims (duel.flight.aim_store) for the whole run, empty at its start (a folder of the
    user's own in ``DUEL_CACHE_DIR`` is not used): every worker and every ``duel`` subprocess inherits
    ``DUEL_CACHE_DIR``, so a target one test aims the next flies once (the same results; tests/test_aim_store.py).
    ``DUEL_CACHE_DIR=off pytest`` runs every aim afresh."""
    from duel.flight.aim_store import ENV, AimStore

    if hasattr(config, "workerinput") or AimStore.from_environment() is None:
        return  # an xdist worker (the controller set it up), or the store turned off
    folder = tempfile.mkdtemp(prefix="duel-test-cache-")
    os.environ[ENV] = folder
    config.stash[_AIMS] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_AIMS, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def optional_module(name: str) -> Any:
    """Import a test extra's module; skipped where it is missing, except in CI (``CI=true``), where a missing
    tool is a failure, never a silent skip."""
    if IN_CI:
        return importlib.import_module(name)
    return pytest.importorskip(name)


def unless_in_ci(missing: bool, reason: str) -> pytest.MarkDecorator:
    """skipif(missing), except in CI, where the test runs (and fails on what is missing)."""
    return pytest.mark.skipif(missing and not IN_CI, reason=reason)


class CliResult:
    """Exit code, stdout and stderr of one ``duel`` run."""

    def __init__(self, proc: subprocess.CompletedProcess[str]):
        self.code, self.out, self.err = proc.returncode, proc.stdout, proc.stderr

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture(scope="session")
def duel():
    """Run ``python -m duel ARGS...`` and return a :class:`CliResult`: a process forked from this worker's duel
    zygote (tests/cli_process.py: a real process, its exit code and output its own, without the interpreter's
    start and duel's imports each time)."""

    def run(*args: str, timeout: float = 300) -> CliResult:
        return CliResult(run_duel(*args, timeout=timeout))

    return run


SMALL_SCENARIO = """
[scenario]
name = "small"
title = "One warhead against one THAAD battery"

[threat]
missile = "oreshnik"
launch = "kapustin-yar"
target = "kyiv"
warheads = 1
submunitions_per_warhead = 1

[[batteries]]
type = "thaad"
at = "+20km@90"

[doctrine]
shots = {shots}
p_track = {p_track}

{uncertain}

{dispersion}

[montecarlo]
trials = {trials}
seed = 5
draw = "{draw}"

[[claims]]
text = "There is no chance of shooting down these missiles"
test = "no-chance"
"""


def small_scenario(shots: int = 2, p_track: float = 0.9, trials: int = 40, uncertain: str = "",
                   dispersion: str = "", draw: str = "listed") -> str:
    """The tests' small scenario (one warhead, one THAAD battery east of Kyiv) as TOML text; ``draw`` "listed"
    draws only ``uncertain`` (the scenario's [uncertain] text), "every" every input with a band."""
    return SMALL_SCENARIO.format(shots=shots, p_track=p_track, trials=trials, uncertain=uncertain,
                                 dispersion=dispersion, draw=draw)


QUICK_COUNTS = {"montecarlo.inner_trials": 20, "montecarlo.tornado_inner_trials": 20,
                "montecarlo.nominal_raid_trials": 2000, "montecarlo.sobol_base": 8, "montecarlo.sobol_inner_trials": 10}
"""Small Monte Carlo counts (raid realisations per draw, per tornado case and of the nominal case; the Sobol'
design's base and realisations per row) for tests whose claim holds at any count."""


def set_in_table(text: str, table: str, key: str, value: str) -> str:
    """A scenario file's text with ``key = value`` in ``[table]``: replaced where the table sets it, else added
    under the table's header (the table added at the end when the file has none). Plain text, for files laid out
    as the shipped ones are (headers and keys at the start of a line, keys written as ``key`` is); other layouts
    give a duplicate key, which the TOML reader refuses."""
    head = re.search(rf"^\[{re.escape(table)}\][^\n]*\n", text, re.M)
    if head is None:
        return text + f"\n[{table}]\n{key} = {value}\n"
    nxt = re.search(r"^\[", text[head.end():], re.M)
    end = head.end() + (nxt.start() if nxt else len(text) - head.end())
    body, n = re.subn(rf"^{re.escape(key)}\s*=[^\n]*$", f"{key} = {value}", text[head.end():end], count=1, flags=re.M)
    return text[:head.end()] + (body if n else f"{key} = {value}\n" + body) + text[end:]


def quick(text: str) -> str:
    """A scenario file's text (e.g. a shipped scenario's) with small Monte Carlo counts, for tests whose claim
    holds at any count (two routes to the same numbers, tables that fit, a figure's layout): :data:`QUICK_COUNTS`
    in its ``[fixed]`` table, 24 dispersion and 9 exchange trials where it has them. The file's draws are the
    caller's (``--trials``). The Kyiv duel at 20 draws: 15 s instead of 22 s on this project's 2-core machine
    (3 December 2026, a slow spell, one run each)."""
    if re.search(r"^\[dispersion\]", text, re.M):
        text = set_in_table(text, "dispersion", "trials", "24")
    if re.search(r"^exchange\s*=\s*true", text, re.M):
        text = set_in_table(text, "notice", "exchange_trials", "9")
    for path, value in QUICK_COUNTS.items():
        text = set_in_table(text, "fixed", f'"{path}"', str(value))
    return text


def quick_file(folder: Path, name: str = "kyiv-duel") -> Path:
    """The shipped scenario ``name`` with :func:`quick`'s counts, written as ``folder/<name>.toml``."""
    path = folder / f"{name}.toml"
    text = (Path(__file__).resolve().parents[1] / "scenarios" / f"{name}.toml").read_text(encoding="utf-8")
    path.write_text(quick(text), encoding="utf-8")
    return path


SHIPPED = ("kyiv-duel", "kyiv-duel-belarus", "dnipro-2024", "lviv-2026")


GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


GOLDEN_RENAMED = {"missile.reentry_beta_kg_m2": "missile.oreshnik.reentry_beta_kg_m2",
                  "assumption.decision_delay_s": "interceptor.*.decision_delay_s"}
"""Inputs of the golden fixtures under their paths now (one decision delay for every interceptor type)."""


GOLDEN_PLACES = {"kyiv": (50.45, 30.52333), "dnipro": (48.46444, 35.04611), "lviv": (49.8425, 24.03222)}
"""Coordinates of the golden fixtures' places that moved since (issue 11: cities now take the GeoNames gazetteer
point instead of a Wikipedia infobox's, 0.5-0.8 km away); the launch sites (kapustin-yar, krichev) did not move."""


def as_before_the_verdict_issue(sc: Any, name: str) -> Any:
    """A shipped scenario with the assumptions of the golden fixtures (tests/golden, made before every input
    was drawn by default, before warheads released submunitions and batteries could fire on remote tracks):
    only the fixtures' uncertain inputs drawn (each over its band, as the shipped scenario draws it where it
    gives a distribution), the fixtures' number of draws, the submunitions separate above every flight (36
    objects throughout), every battery fires on its own track and the launch and target places have the fixtures'
    coordinates (:data:`GOLDEN_PLACES`)."""
    from duel.scenario.schema import Distribution

    golden = json.loads((GOLDEN_DIR / f"{name}.result.json").read_text(encoding="utf-8"))
    paths = [GOLDEN_RENAMED.get(p, p) for p in golden["run"]["uncertain_inputs"]]
    given = {k.replace("missile.reentry", "missile.oreshnik.reentry"): v for k, v in sc.uncertain.items()}
    uncertain = {p: given.get(p, Distribution(dist="band")) for p in paths}
    mc = sc.montecarlo.model_copy(update={"draw": "listed", "trials": golden["run"]["trials"]})
    fixed = {**sc.fixed, "threat.separation_altitude_km": 1.0e5, "doctrine.fire_control": "own-track",
             "montecarlo.inner_trials": 400, "montecarlo.tornado_inner_trials": 2000, "montecarlo.sobol_inputs": 0}
    for pid in {sc.threat.launch, sc.threat.target} & set(GOLDEN_PLACES):  # the places where the fixtures had them
        fixed[f"place.{pid}.lat_deg"], fixed[f"place.{pid}.lon_deg"] = GOLDEN_PLACES[pid]
    return sc.model_copy(update={"montecarlo": mc, "uncertain": uncertain, "fixed": fixed})


@pytest.fixture(scope="session")
def shipped_runs():
    """Each shipped scenario run once as the golden fixtures were made (:func:`as_before_the_verdict_issue`;
    the scenario's seed) while recording every input read: name -> (result document, the paths read). Shared
    by the golden and the registry tests."""
    from duel.pipeline import run_scenario
    from duel.scenario import load_scenario
    from duel.scenario.inputs import recording

    root = Path(__file__).resolve().parents[1] / "scenarios"
    out = {}
    for name in SHIPPED:
        with recording() as reads:
            doc = run_scenario(as_before_the_verdict_issue(load_scenario(root / f"{name}.toml"), name)).document
        out[name] = (doc, frozenset(reads))
    return out


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for tests that start a server)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
