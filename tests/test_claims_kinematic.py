"""Claims about the flight (issue 11): the flight time and the highest Mach after apogee of each draw's flight,
against oracles (constructed tracks; energy conservation from the 100 km crossing; the nominal summary), the
tests ``flight-time-at-most``, ``flight-time-about`` and ``mach-at-least`` on constructed inputs, and the Dnipro
scenario's two claims (HUR: a 15-minute flight, over Mach 11 at the end), which hold on its 900 s arc and fail
on the minimum-energy arc."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from duel.scenario.schema import Claim
from duel.flight.summary import flight_quantities
from duel.trials.draws import evaluate_draws
from duel.verdict.claims import FlightDraws, check_claim, holds_in_draws

from setups import resolved

ROOT = Path(__file__).resolve().parents[1]
DNIPRO = ROOT / "scenarios" / "dnipro-2024.toml"
BETA = "missile.oreshnik.reentry_beta_kg_m2"
# US76 (NOAA-S/T 76-1562): molecular-scale temperature at the 84.852 km geopotential (86 km geometric) base,
# R* / M0 and gamma: the speed of sound at 86 km, where duel's Mach ends and where it is lowest
A_86_MPS = math.sqrt(1.4 * 8314.32 / 28.9644 * 186.946)
MU_M3_S2 = 3.986004418e14  # WGS84 GM


# ---- flight_quantities on constructed tracks ----------------------------------------------------------------

def _arc(v_descent: float = 3000.0, v_ascent: float = 9000.0, top_m: float = 200e3, impact_s: float = 400.0,
         samples: int = 801, pad: int = 0):
    """A constructed track: altitude a parabola from 0 to ``top_m`` and back to 0 at ``impact_s``; speed
    ``v_ascent`` before the apogee and ``v_descent`` after; ``pad`` NaN samples after impact."""
    t = np.linspace(0.0, impact_s, samples)
    h = top_m * (1.0 - ((t - impact_s / 2) / (impact_s / 2)) ** 2)
    v = np.where(t <= impact_s / 2, v_ascent, v_descent)
    if pad:
        t = np.concatenate([t, impact_s + np.arange(1, pad + 1)])
        h = np.concatenate([h, np.full(pad, np.nan)])
        v = np.concatenate([v, np.full(pad, np.nan)])
    return t, h, v


def test_flight_quantities_on_a_constructed_arc() -> None:
    """At constant descent speed the highest Mach after apogee is that speed over the US76 speed of sound at
    86 km (the lowest below 86 km), at 86 km, whatever the grid; the faster boost is left out; the flight time
    is the last finite sample's time, NaN padding after impact ignored."""
    for samples in (801, 97, 4001):
        t, h, v = _arc(samples=samples, pad=5)
        ft, mach, alt = flight_quantities(t, h, v)
        assert ft == pytest.approx(400.0, abs=1e-12)
        assert mach == pytest.approx(3000.0 / A_86_MPS, rel=2e-4)
        assert alt == pytest.approx(86e3, abs=1e-6)
    # the ascent is 3x faster: had it counted, the Mach would be 3x as high
    t, h, v = _arc()
    assert flight_quantities(t, h, v)[1] < 3000.0 / 250.0


def test_flight_quantities_rows_and_undefined_mach() -> None:
    """Rows are independent (per-row time grids too); a descent that never comes below 86 km has no Mach (NaN),
    and a track whose speed grows on the way down peaks where the speed over the speed of sound is highest."""
    t1, h1, v1 = _arc(v_descent=2000.0)
    t2, h2, v2 = _arc(v_descent=4000.0, impact_s=500.0)
    h3 = np.maximum(h1, 90e3)  # never below 90 km
    ft, mach, alt = flight_quantities(np.stack([t1, t2, t1]), np.stack([h1, h2, h3]), np.stack([v1, v2, v1]))
    assert ft == pytest.approx([400.0, 500.0, 400.0])
    assert mach[:2] == pytest.approx([2000.0 / A_86_MPS, 4000.0 / A_86_MPS], rel=2e-4)
    assert np.isnan(mach[2]) and np.isnan(alt[2])
    # speed growing faster (2.5 % a sample) than the speed of sound (1.1 % a km, 1 km a sample at the end) on
    # the way down: the highest Mach is at impact, over the US76 sea-level speed of sound (340.294 m/s)
    t, h, _ = _arc()
    v = np.where(t <= 200.0, 100.0, 100.0 * np.exp(0.05 * (t - 200.0)))
    _, m, a = flight_quantities(t, h, v)
    assert a == pytest.approx(0.0, abs=1e-6) and m == pytest.approx(v[-1] / 340.294, rel=1e-5)


# ---- per-draw flight quantities against oracles --------------------------------------------------------------

@pytest.fixture(scope="module")
def dnipro():
    return resolved(DNIPRO)


def test_per_draw_flight_is_the_nominal_flight_when_beta_is_pinned(dnipro) -> None:
    """Beta not drawn: every row flies the nominal track. Its flight time is the summary's; its highest Mach
    after apogee is the one at 86 km, which energy conservation gives from the speed at the 100 km crossing
    (v86^2 = v100^2 + 2 GM (1/r86 - 1/r100): drag and the Earth's rotation change it by < 0.1 m/s there), and
    above the Mach at 30 km on the way down (the summary's), which a flight after apogee passes too."""
    r = dnipro
    out = evaluate_draws(r.flight, r.setup.defence, r.setup.inputs, {}, 3, seed=1)
    s = r.flight.summary
    assert out.flight_time_s == pytest.approx([s.flight_time_s] * 3, abs=1e-6)
    v100 = next(e.speed_mps for e in s.events if e.key == "down_100km")
    r_earth = 6_366e3  # geocentric radius near 49 N (its error moves v86 by < 0.1 m/s)
    v86 = math.sqrt(v100 ** 2 + 2 * MU_M3_S2 * (1 / (r_earth + 86e3) - 1 / (r_earth + 100e3)))
    assert out.descent_max_mach == pytest.approx([v86 / A_86_MPS] * 3, rel=1e-3)
    assert out.descent_max_mach_alt_m == pytest.approx([86e3] * 3)
    assert np.all(out.descent_max_mach > s.mach_30km)


def test_per_draw_flight_changes_with_the_drawn_beta(dnipro) -> None:
    """Each row re-flown with its beta and the nominal aim: less drag (higher beta) lands sooner, strictly
    monotone over a factor 8; the highest Mach after apogee, at 86 km where the air is too thin to slow the
    body, hardly moves; rows with the same beta give the same flight."""
    r = dnipro
    betas = np.array([3000.0, 6000.0, 12000.0, 24000.0, 6000.0])
    out = evaluate_draws(r.flight, r.setup.defence, r.setup.inputs, {BETA: betas}, betas.size, seed=1)
    ft = out.flight_time_s[:4]
    assert np.all(np.diff(ft) < 0) and ft[0] - ft[-1] > 1.0
    assert np.ptp(out.descent_max_mach) < 1e-3 * out.descent_max_mach[0]
    assert out.flight_time_s[4] == out.flight_time_s[1]
    assert out.rows(slice(1, 3)).flight_time_s == pytest.approx(ft[1:3])


# ---- the tests on constructed inputs -------------------------------------------------------------------------

def _flight(ft, mach, comparisons=()) -> FlightDraws:
    ft = np.asarray(ft, float)
    mach = np.broadcast_to(np.asarray(mach, float), ft.shape)
    return FlightDraws("flight-time:900", ft, mach, np.full(ft.shape, 86e3), 11.0, tuple(comparisons))


@pytest.mark.parametrize("test,value,tol,ft,mach,want", [
    ("flight-time-at-most", 900, None, [850, 900, 900.5, 1200], 12, [True, True, False, False]),
    ("flight-time-about", 900, None, [839, 840, 960, 961], 12, [False, True, True, False]),  # default 60 s
    ("flight-time-about", 900, 10, [889, 890, 905, 911], 12, [False, True, True, False]),
    ("mach-at-least", 11, None, [900] * 4, [10.99, 11.0, 12.6, np.nan], [False, True, True, False]),
])
def test_flight_claim_tests_hold_and_fail(test, value, tol, ft, mach, want) -> None:
    claim = Claim(text="c", test=test, value=value, tolerance=tol)
    p = np.zeros(len(ft))
    assert holds_in_draws(claim, p, p, _flight(ft, mach), 0.05).tolist() == want


def test_flight_claim_depends_on_a_drawn_input_and_says_so() -> None:
    """A flight time that exceeds the claim where the drawn input is above 0.5: the claim depends on the
    assumptions, holds in the share of draws at or below it, and the flip names the input and the threshold."""
    x = np.linspace(0.0, 1.0, 200)
    claim = Claim(text="15 minutes", test="flight-time-about", value=900)
    res = check_claim(claim, np.zeros(200), np.zeros(200), _flight(np.where(x > 0.5, 1000.0, 905.0), 12.0),
                      {"a.x": x}, {"a.x": ("input x", "")}, 0.05)
    assert res["verdict"] == "depends" and res["holds_share"] == pytest.approx(0.5)
    assert any(f["verdict"] == "fails" and f["conditions"][0]["path"] == "a.x"
               and f["conditions"][0]["op"] == ">" and abs(f["conditions"][0]["value"] - 0.5) < 0.01
               for f in res["flips"])
    assert "about 900 ± 60 s" in res["explanation"] and "across 90 % of the draws" in res["explanation"]


def test_flight_claims_need_their_numbers() -> None:
    for test in ("flight-time-at-most", "flight-time-about", "mach-at-least"):
        with pytest.raises(ValidationError, match="needs value"):
            Claim(text="c", test=test)
    with pytest.raises(ValidationError, match="tolerance"):
        Claim(text="c", test="mach-at-least", value=11, tolerance=1)
    with pytest.raises(ValidationError):
        Claim(text="c", test="flight-time-about", value=900, tolerance=0)
    assert Claim(text="c", test="flight-time-about", value=900).tolerance_s == 60.0


# ---- the Dnipro scenario's claims ----------------------------------------------------------------------------

def _dnipro_claims(trajectory: str | None = None, nothing_drawn: bool = False) -> dict[str, dict]:
    """The shipped Dnipro scenario's claims, 16 draws, no impact dispersion; on another arc (no comparisons), or
    with nothing drawn (the nominal flight alone)."""
    from duel.pipeline import run_scenario
    from duel.scenario import load_scenario

    sc = load_scenario(DNIPRO)
    update: dict = {"dispersion": sc.dispersion.model_copy(update={"enabled": False})}
    if trajectory is not None:
        update["threat"] = sc.threat.model_copy(update={"trajectory": trajectory, "compare": []})
    if nothing_drawn:
        update["montecarlo"] = sc.montecarlo.model_copy(update={"draw": "listed"})
        update["uncertain"] = {}
    doc = run_scenario(sc.model_copy(update=update), trials=16).document
    assert (doc["run"]["uncertain_inputs"] == []) == nothing_drawn
    return {c["test"]: c for c in doc["claims"]}


def test_dnipro_tests_hurs_two_numbers_as_claims() -> None:
    """HUR's 15-minute flight and "over Mach 11" at the end, sourced, both hold on the 900 s arc in every draw
    of the beta, and the explanations give the draws' numbers and the comparison arcs' (the minimum-energy arc
    is too quick for 15 minutes and too slow for Mach 11)."""
    from duel.scenario.registry import Registry

    claims = _dnipro_claims()
    assert set(claims) == {"flight-time-about", "mach-at-least"}
    for c in claims.values():
        assert "HUR" in c["who"] and Registry.default().source(c["source"])["year"] == 2024
        assert c["verdict"] == "holds" and c["holds_share"] == 1.0
    ft, mach = claims["flight-time-about"]["explanation"], claims["mach-at-least"]["explanation"]
    assert "900 ± 60 s" in ft and "aimed at that flight time" in ft and "min-energy 467 s (fails)" in ft
    assert "at least Mach 11.0" in mach and "reached at 86 km" in mach and "min-energy 8.6" in mach


def test_dnipro_claims_fail_on_the_minimum_energy_arc() -> None:
    """The same claims judged on the minimum-energy arc (about 470 s, reentering at about Mach 9): both fail."""
    claims = _dnipro_claims("min-energy")
    assert claims["flight-time-about"]["verdict"] == "fails"
    assert claims["mach-at-least"]["verdict"] == "fails"
    assert "takes 467 s" in claims["flight-time-about"]["explanation"]


def test_dnipro_claims_with_nothing_drawn_are_judged_on_the_nominal_flight(dnipro) -> None:
    """Nothing drawn: both claims judged once, on the nominal flight (its numbers as the pinned-beta rows give
    them: 900 s, Mach 12.6 at 86 km), said as one value, not a range across draws."""
    r = dnipro
    out = evaluate_draws(r.flight, r.setup.defence, r.setup.inputs, {}, 1, seed=1)
    claims = _dnipro_claims(nothing_drawn=True)
    for c in claims.values():
        assert c["verdict"] == "holds" and c["holds_share"] == 1.0 and c["flips"] == []
        assert "across 90 % of the draws" not in c["explanation"]
    assert f"takes {out.flight_time_s[0]:,.0f} s;" in claims["flight-time-about"]["explanation"]
    assert f"is {out.descent_max_mach[0]:.1f}, reached at 86 km" in claims["mach-at-least"]["explanation"]
