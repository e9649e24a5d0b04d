"""Issue 14.7: no traceback and no hang on input that the checks accept. Each reproduction of the adversarial
pass is one line (exit 2) now; a distribution is checked over its support against the input's physical range;
a pathological flight ends with a clear error within the integrator's step and time budget."""

from __future__ import annotations

import subprocess
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from cli_process import run_duel
from test_backend import burnout_batch
from test_notify_cli import notify_cmd

from duel.errors import FlightBudgetError
from duel.flight.integrate import integrate
from duel.flight.stepping import StepPolicy

ROOT = Path(__file__).parents[2]
KYIV = (ROOT / "scenarios" / "kyiv-duel.toml").read_text()


def _duel(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return run_duel(*args, timeout=timeout)


def _one_line(r: subprocess.CompletedProcess[str]) -> str:
    assert r.returncode == 2, (r.returncode, r.stdout[-500:], r.stderr[-2000:])
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr[-2000:]
    return lines[0]


@pytest.mark.parametrize("dist,field", [
    ('{ dist = "uniform", low = 0.0, high = 5e-324 }', "low"),
    ('{ dist = "normal", mean = 1e300, sd = 1e300 }', "mean"),
    ('{ dist = "triangular", low = 5000.0, mode = 8000.0, high = 1e308 }', "high"),
])
def test_a_distribution_outside_the_physical_range_is_refused_by_scenario_check(tmp_path, dist, field):
    scen = tmp_path / "beta.toml"
    scen.write_text(KYIV.replace("[uncertain]", f'[uncertain]\n"missile.reentry_beta_kg_m2" = {dist}', 1))
    line = _one_line(_duel("scenario", "check", str(scen)))
    assert f"uncertain.missile.reentry_beta_kg_m2.{field}: a number in kg/m^2, within [1000, 1e+06]" in line, line


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_nan_and_infinity_in_a_scenario_are_one_line(tmp_path, value):
    scen = tmp_path / "nan.toml"
    scen.write_text(KYIV.replace("[uncertain]", f'[uncertain]\n"doctrine.p_kill_assessment" = '
                                 f'{{ dist = "uniform", low = 0.5, high = {value} }}', 1))
    line = _one_line(_duel("scenario", "check", str(scen)))
    assert "uncertain" in line and "high" in line, line


def test_deep_nesting_is_one_line(tmp_path):
    scen = tmp_path / "deep.toml"
    scen.write_text("a = " + "[" * 600 + "]" * 600 + "\n")
    assert "nested too deep" in _one_line(_duel("scenario", "check", str(scen)))


def test_a_pathological_flight_ends_with_a_clear_error_within_its_budget():
    state0, lanes, tables, physics = burnout_batch(3)
    lanes = replace(lanes, beta_kg_m2=np.array([8000.0, 1.0, 8000.0]))  # one object floats down like a balloon
    t = time.perf_counter()
    with pytest.raises(FlightBudgetError, match=r"^flight: 1 flight\(s\) still in the air after 2 s of computing "
                                                r"\(.* steps\), one at t = .* s, altitude .* km, speed .* m/s: "
                                                r"its inputs lie outside what the model flies"):
        integrate(state0, np.zeros(3), lanes, tables, physics, StepPolicy(max_wall_s=2.0))
    assert time.perf_counter() - t < 10.0
    with pytest.raises(FlightBudgetError, match=r"after 50 integration steps"):
        integrate(state0, np.zeros(3), lanes, tables, physics, StepPolicy(max_steps=50))
    normal = replace(lanes, beta_kg_m2=np.full(3, 8000.0))  # a normal flight is far inside the budget
    stats: dict = {}
    integrate(state0, np.zeros(3), normal, tables, physics, StepPolicy(max_steps=2_000), stats=stats)
    assert stats["steps"] < 2_000


def test_track_to_a_place_that_cannot_be_written_is_one_line():
    for track in ("/proc/duel-track.csv", "/proc/duel-track.parquet"):
        line = _one_line(_duel("fly", "--missile", "oreshnik", "--from", "kapustin-yar", "--to", "kyiv", "--track",
                               track))
        assert line.startswith("error: --track: cannot write /proc/duel-track"), line


@pytest.mark.parametrize("args,expected", [
    (("--launch-area", "nan,nan,5"), "--launch-area: needs a latitude in [-90, 90]"),
    (("--launch-area", "48.6,45.7,-5"), "--launch-area: needs a latitude in [-90, 90]"),
])
def test_notify_send_refuses_impossible_areas_in_one_line(tmp_path, args, expected):
    home = tmp_path / "h"
    for party in ("RU", "US"):
        assert notify_cmd("keygen", "--home", str(home), "--party", party).returncode == 0
    line = _one_line(notify_cmd("send", "--home", str(home), "--party", "RU", "--to", "US", "--url",
                                "http://127.0.0.1:9", *args))
    assert expected in line, line


@pytest.mark.parametrize("lead", ["1e308", "inf", "nan", "-1"])
def test_notify_chain_refuses_impossible_lead_times_in_one_line(lead):
    line = _one_line(notify_cmd("chain", "--lead-time-s", lead, "--apogee-s", "300", "--reentry-s", "500",
                                "--impact-s", "556"))
    assert "--lead-time-s" in line, line
