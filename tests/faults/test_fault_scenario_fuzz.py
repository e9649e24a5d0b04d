"""Issue 14, must show: the scenario fuzzer as a hypothesis test. Mutations of the Kyiv duel's file (nesting
depth, extreme and non-finite numbers, unicode, huge arrays) go through what `duel scenario check` runs; each
either passes or is refused with a one-line InputError, in bounded time. The far ends of the accepted ranges also run a
short `duel run` in process: no traceback, bounded time."""

from __future__ import annotations

import json
import math
import re
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duel.errors import InputError
from duel.pipeline import check_scenario, run_scenario
from duel.scenario import load_scenario

KYIV = (Path(__file__).parents[2] / "scenarios" / "kyiv-duel.toml").read_text()
TABLE_OF = {"lead_min": "notice", "shots": "doctrine", "separation_altitude_km": "threat", "seed": "montecarlo",
            "kill_assessment_s": "doctrine", "trials": "montecarlo", "title": "scenario", "compare": "threat"}
NUMBER_KEYS = ["lead_min", "shots", "separation_altitude_km", "seed", "kill_assessment_s", "trials"]


def _toml_number(x: float | int) -> str:
    if isinstance(x, float) and math.isnan(x):
        return "nan"
    if isinstance(x, float) and math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(x)


def _set_key(text: str, key: str, value: str) -> str:
    """The file with ``key = ...`` set to ``value`` where it is, or added to its table (:data:`TABLE_OF`)."""
    line = re.compile(rf"^{key}\s*=.*$", re.M)
    if line.search(text):
        return line.sub(lambda _: f"{key} = {value}", text, count=1)
    table = re.compile(rf"^\[{TABLE_OF[key]}\][^\n]*\n", re.M)
    if table.search(text):
        return table.sub(lambda m: m.group(0) + f"{key} = {value}\n", text, count=1)
    return text + f"\n[{TABLE_OF[key]}]\n{key} = {value}\n"


mutations = st.one_of(
    st.builds(lambda d: ("nesting", "x = " + "[" * d + "]" * d + "\n" + KYIV), st.integers(1, 3000)),
    st.builds(lambda k, x: ("number", _set_key(KYIV, k, _toml_number(x))), st.sampled_from(NUMBER_KEYS),
              st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**70), 2**70))),
    st.builds(lambda s: ("unicode", _set_key(KYIV, "title", json.dumps(s))), st.text(max_size=300)),
    st.builds(lambda s: ("unicode", KYIV.replace('target = "kyiv"', f"target = {json.dumps(s)}", 1)),
              st.text(min_size=1, max_size=60)),
    st.builds(lambda n: ("array", _set_key(KYIV, "compare", json.dumps(["lofted"] * n))), st.integers(0, 20_000)),
    st.builds(lambda n: ("array", KYIV + '\n[[batteries]]\ntype = "pac-3-mse"\nat = "kyiv"\n' * n), st.integers(0, 300)),
    st.builds(lambda lo, hi: ("band", KYIV.replace("[uncertain]", '[uncertain]\n"interceptor.thaad.sspk" = '
                                                  f'{{ dist = "uniform", low = {_toml_number(lo)}, high = '
                                                  f'{_toml_number(hi)} }}', 1)),
              st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True)),
)


def _check(path: Path) -> object | None:
    """What `duel scenario check` runs: the scenario if accepted, None if refused in one line."""
    try:
        sc = load_scenario(path)
        check_scenario(sc, ())
        return sc
    except InputError as exc:
        assert str(exc).strip() and "\n" not in str(exc).strip(), str(exc)
        return None


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(mutation=mutations)
def test_scenario_check_refuses_in_one_line_or_accepts_in_bounded_time(mutation, tmp_path):
    kind, text = mutation
    path = tmp_path / "fuzz.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    t = time.perf_counter()
    _check(path)  # any exception other than InputError fails the test (a traceback for a user)
    assert time.perf_counter() - t < 20.0, kind


def test_an_accepted_extreme_scenario_runs_without_a_traceback_in_bounded_time(tmp_path):
    """The far ends of what the checks accept (a week of notice, 16 shots, separation at 2,000 km): a short run,
    no traceback, bounded time."""
    text = _set_key(_set_key(_set_key(KYIV, "lead_min", "10080.0"), "shots", "16"), "separation_altitude_km", "2000.0")
    path = tmp_path / "edge.toml"
    path.write_text(text, encoding="utf-8")
    sc = _check(path)
    assert sc is not None  # every value here lies in its documented range
    t = time.perf_counter()
    try:
        run_scenario(sc, trials=8, seed=1, workers=1)
    except InputError as exc:  # refused as a user error: one line
        assert "\n" not in str(exc).strip()
    assert time.perf_counter() - t < 120.0
