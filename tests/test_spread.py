"""The verdict's two kinds of uncertainty on a case whose draws are known.

One THAAD battery that cannot miss (SSPK 1, P_track 1, one shot per object) with six interceptors in its
magazine, warheads and submunitions of the same radar cross-section (so the radar sees them alike), and one
input drawn: the altitude at which the warheads release their submunitions. The battery's first intercept
is at altitude h* (from its window). Released below h* (separation <= h*), the battery faces six warheads and
stops all 36 submunitions with them: P(all stopped) = 1. Released above it, it faces 36 submunitions with six
interceptors: 30 leak, P(all stopped) = 0. So, exactly, per draw P = [sep <= h*], the value is the share of
draws at or below h*, the 90 % range is [0, 1] (both sides hold more than 5 % of the draws), the expected
leakers are 30 x (1 - value), and the claim "the defence could stop the strike" flips when the separation
altitude is above a threshold halfway between the two draws that straddle h*.
"""

from __future__ import annotations

import numpy as np
import pytest

from duel.pipeline import run_scenario
from duel.scenario import load_scenario
from duel.trials.spread import precise_enough, spread
from setups import THAAD_EAST_OF_KYIV

CASE = """
[scenario]
name = "known-draws"
""" + THAAD_EAST_OF_KYIV + """magazine = 6
sspk = 1.0
[doctrine]
shots = 1
mode = "salvo"
p_track = 1.0
[fixed]
"assumption.rcs_m2" = 0.1
"assumption.rcs_warhead_m2" = 0.1
"interceptor.thaad.simultaneous_engagements" = 64
[uncertain]
"threat.separation_altitude_km" = {{ dist = "uniform", low = {low}, high = {high} }}
[montecarlo]
draw = "listed"
trials = 400
seed = 11
[[claims]]
text = "The defence could stop the strike"
who = "test"
test = "certain-stop"
"""


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    from duel.defence.engagement import assess
    from duel.defence.track import ThreatTrack
    from duel.flight.api import solve_flight
    from duel.pipeline import resolve

    path = tmp_path_factory.mktemp("spread") / "known.toml"
    path.write_text(CASE.format(low=20.0, high=120.0), encoding="utf-8")
    setup = resolve(load_scenario(path))
    flight = solve_flight(setup.flight_request(), setup.inputs)
    a = assess(ThreatTrack.from_trajectory(flight.trajectory), setup.defence, flight.trajectory.earth, 1)
    firsts = {w.object_index: w.alt_first_m for w in a.engagements[0].windows if w.object_index not in ()}
    h = min(firsts.values()) / 1e3  # every object flies the nominal track: one altitude
    assert max(firsts.values()) / 1e3 == pytest.approx(h, abs=1e-6)
    low, high = h - 30.0, h + 10.0  # 75 % of the band releases below the first intercept
    path.write_text(CASE.format(low=low, high=high), encoding="utf-8")
    return run_scenario(load_scenario(path)), h


def test_range_value_and_flip_condition_are_exact(case) -> None:
    res, h = case
    sep = res.trials.draws["threat.separation_altitude_km"]
    stopped = sep <= h
    assert 0.05 < stopped.mean() < 0.95
    v = res.document["verdict"]
    p = v["p_all_stopped"]
    np.testing.assert_array_equal(res.trials.outcomes.p_all_stopped, stopped.astype(float))
    assert p["value"] == pytest.approx(stopped.mean(), abs=1e-12)
    assert p["range90"] == [0.0, 1.0] and p["median"] == 1.0
    lo, hi = p["mc_ci95"]
    half = 1.96 * np.std(stopped, ddof=1) / np.sqrt(sep.size)
    assert (hi - lo) / 2 == pytest.approx(half, rel=1e-3)
    e = v["expected_leakers"]
    assert e["value"] == pytest.approx(30.0 * (1.0 - stopped.mean()), abs=1e-9)
    assert e["range90"] == [0.0, 30.0]
    (claim,) = res.document["claims"]
    assert claim["holds_share"] == pytest.approx(stopped.mean(), abs=1e-12)
    first = claim["flips"][0]
    assert first["verdict"] == "fails"
    (cond,) = first["conditions"]
    boundary = (sep[stopped].max() + sep[~stopped].min()) / 2.0
    assert cond["path"] == "threat.separation_altitude_km" and cond["op"] == ">"
    assert cond["value"] == pytest.approx(boundary, abs=1e-9)
    assert first["purity"] == 1.0 and first["share"] == pytest.approx(1.0 - stopped.mean())
    assert "releases" in first["text"] and "above" in first["text"]


def test_the_result_with_flips_validates_against_the_schema(case) -> None:
    import json
    from importlib.resources import files

    import jsonschema

    schema = json.loads(files("duel.verdict").joinpath("result.schema.json").read_text(encoding="utf-8"))
    doc = json.loads(json.dumps(case[0].document))
    assert doc["claims"][0]["flips"] and doc["sensitivity"]["inputs"]
    jsonschema.validate(doc, schema)


def test_precision_rule_against_the_range() -> None:
    y = np.r_[np.zeros(100), np.ones(300)]
    s = spread(y, 0.0, 1.0)
    assert s.value == 0.75 and s.range90 == (0.0, 1.0) and s.median == 1.0
    assert precise_enough(s, 0.1, 0.005)  # half-width 0.042 <= 0.1 x 1
    assert not precise_enough(spread(y[::20], 0.0, 1.0), 0.1, 0.005)  # 20 draws: half-width 0.2
    flat = spread(np.full(50, 0.3))
    assert flat.range90 == pytest.approx((0.3, 0.3)) and flat.mc_ci95 == pytest.approx((0.3, 0.3))
    assert flat.mc_half_width == pytest.approx(0.0, abs=1e-15) and precise_enough(flat, 0.1, 0.005)
