"""``duel need``: what it would take, against Wilkening's interceptors-needed and for monotonicity.

One layer: a single THAAD battery with fire channels and magazine that cannot bind, every input pinned (the
draws are all the same), submunitions that stay inside their warheads to the ground (separation at 0 km),
so the layer faces W = 6 warheads with ``opp`` opportunities each. Wilkening's shots per object for a goal
P*: n = ln(1 - P*^(1/W) / P_t) / ln(1 - SSPK); with ``s`` shots per opportunity the barrage is s x opp, so
the smallest s is ceil(n / opp), and the interceptors fired are W x s x opp.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from cli_process import run_duel
from hypothesis import given, settings
from hypothesis import strategies as st
from setups import THAAD_EAST_OF_KYIV

from duel.defence.engagement import assess
from duel.defence.raid import interceptors_for_goal
from duel.defence.track import ThreatTrack
from duel.errors import InputError
from duel.pipeline.need import need_for, parse_goal
from duel.scenario import load_scenario
from duel.trials.need import Goal

P_TRACK = 0.99
PINNED = ("interceptor.thaad.simultaneous_engagements=64", "threat.separation_altitude_km=0")

ONE_LAYER = """
[scenario]
name = "one-layer"
""" + THAAD_EAST_OF_KYIV + """magazine = 5000
[doctrine]
shots = 1
mode = "salvo"
p_track = {p_track}
[montecarlo]
draw = "listed"
trials = 8
seed = 5
"""


@pytest.fixture(scope="module")
def one_layer(tmp_path_factory):
    path = tmp_path_factory.mktemp("need") / "one-layer.toml"
    path.write_text(ONE_LAYER.format(p_track=P_TRACK), encoding="utf-8")
    return load_scenario(path)


@pytest.fixture(scope="module")
def opportunities(one_layer) -> int:
    """The battery's opportunities per warhead in the nominal engagement (the same for every object)."""
    from duel.flight.api import solve_flight
    from duel.pipeline import resolve

    setup = resolve(one_layer, PINNED)
    flight = solve_flight(setup.flight_request(), setup.inputs)
    a = assess(ThreatTrack.from_trajectory(flight.trajectory), setup.defence, flight.trajectory.earth, 1)
    opp = a.engagements[0].opportunities()
    assert opp.min() >= 1 and opp.min() == opp.max()
    return int(opp.min())


@pytest.mark.parametrize("goal", [0.5, 0.8, 0.9])
def test_shots_reproduce_wilkening_interceptors_needed(one_layer, opportunities, goal) -> None:
    sspk = float(load_sspk(one_layer))
    wilkening = interceptors_for_goal(6, sspk, goal, P_TRACK)
    want = math.ceil(wilkening.shots_per_object / opportunities - 1e-9)  # whole shots per opportunity
    ans = need_for(one_layer, ["shots"], Goal("p_all_stopped", goal, 0.5), max_count=8, sets=PINNED)
    curve = ans.curves[0]
    assert curve.count == want
    out = curve.at(want)
    fired = 6 * want * opportunities  # Wilkening's N_I = n W: every engaged warhead gets the whole barrage
    if opportunities == 1:
        assert fired == pytest.approx(wilkening.interceptors_whole)
    k = P_TRACK * (1.0 - (1.0 - sspk) ** (want * opportunities))
    assert out.p_all_stopped == pytest.approx(np.full(8, k ** 6), rel=1e-9)
    # fewer interceptors fired than N_I: a killed warhead is not shot at again in later opportunities
    assert out.interceptors.max() <= fired + 1e-9
    if opportunities == 1:
        assert out.interceptors == pytest.approx(np.full(8, fired), rel=1e-9)
    below = curve.at(want - 1) if want > 1 else None
    if below is not None:
        assert np.all(below.p_all_stopped < goal)


def load_sspk(sc) -> float:
    from duel.pipeline import resolve

    return float(resolve(sc, PINNED).defence.batteries[0].type.sspk)


def test_a_goal_beyond_the_tracking_ceiling_is_unreachable(one_layer) -> None:
    # P_t^6 = 0.941: no number of shots reaches P(all stopped) = 0.95 (Wilkening's minimum P_track)
    ceiling = P_TRACK ** 6
    ans = need_for(one_layer, ["shots"], Goal("p_all_stopped", 0.95, 0.5), max_count=4, sets=PINNED)
    assert ceiling < 0.95
    assert ans.curves[0].count is None
    assert np.all(ans.curves[0].at(None).p_all_stopped <= ceiling + 1e-12)


@pytest.fixture(scope="module")
def kyiv_batteries():
    """The Kyiv duel with the assumption draws (every band), THAAD batteries 0-5 added at Kyiv."""
    sc = load_scenario("scenarios/kyiv-duel.toml")
    return need_for(sc, ["thaad@kyiv"], Goal("p_all_stopped", 0.9, 0.5), max_count=5, trials=48, seed=3,
                    sets=("montecarlo.need_inner_trials=50",))


def test_more_batteries_never_reach_the_goal_less_often(kyiv_batteries) -> None:
    curve = kyiv_batteries.curves[0]
    assert curve.counts == (0, 1, 2, 3, 4, 5)
    per_draw = np.stack([o.p_all_stopped for o in curve.outcomes])  # (counts, draws)
    closed = ~np.stack([o.limits_bind for o in curve.outcomes])
    # where the closed form answers for both counts, another battery never lowers P(all stopped)
    both = closed[1:] & closed[:-1]
    assert np.all(per_draw[1:][both] >= per_draw[:-1][both] - 1e-12)
    # the share reaching the goal grows with the count (realisations' noise aside: 100 per row)
    assert np.all(np.diff(curve.shares) >= -0.05)
    if curve.count is not None:
        assert np.all(curve.shares[curve.counts.index(curve.count):] >= 0.5 - 0.05)


@settings(max_examples=20, deadline=None)
@given(g=st.floats(0.0, 1.0), s=st.floats(0.05, 1.0))
def test_the_answer_is_the_first_count_that_reaches(kyiv_batteries, g, s) -> None:
    from duel.trials.need import NeedCurve

    c = kyiv_batteries.curves[0]
    goal = Goal("p_all_stopped", g, s)
    shares = np.array([np.mean(goal.reached(o)) for o in c.outcomes])
    first = next((k for k, sh in zip(c.counts, shares) if sh >= s), None)
    again = NeedCurve(c.counts, shares, c.outcomes, first)
    assert again.count == first
    if first is not None:
        assert all(sh < s for k, sh in zip(c.counts, shares) if k < first)


@pytest.mark.parametrize("text, share, msg", [
    ("p_all_stopped", 0.5, "QUANTITY=VALUE"),
    ("leakers=1", 0.5, "unknown quantity 'leakers'"),
    ("p_all_stopped=1.5", 0.5, "probability in [0, 1]"),
    ("p_all_stopped=x", 0.5, "'x' is not a number"),
    ("p_all_stopped=0.9", 0.0, "--share"),
])
def test_bad_goals_name_the_option(text, share, msg) -> None:
    with pytest.raises(InputError, match=msg.replace("[", r"\[").replace("]", r"\]")):
        parse_goal(text, share)


def test_cli_json_contract_and_one_line_errors() -> None:
    p = run_duel("need", "scenarios/kyiv-duel.toml", "--add", "shots", "--goal", "expected_leakers=2", "--max", "3",
                 "--trials", "16", "--format", "json", "--set", "montecarlo.need_inner_trials=50", timeout=600)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["goal"] == {"quantity": "expected_leakers", "value": 2.0, "op": "<="} and doc["share"] == 0.5
    (o,) = doc["options"]
    assert o["add"] == "shots" and (o["count"] is None or 1 <= o["count"] <= 3)
    assert set(o["p_all_stopped"]) == {"value", "range90"} and len(o["expected_leakers"]["range90"]) == 2
    assert o["interceptors_fired"] > 0 and [r["count"] for r in o["share_reached"]] == [1, 2, 3]
    bad = run_duel("need", "scenarios/kyiv-duel.toml", "--add", "nosuch@kyiv", "--goal", "p_all_stopped=0.9",
                   timeout=600)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "--add nosuch@kyiv" in bad.stderr and len(bad.stderr.strip().splitlines()) <= 2
