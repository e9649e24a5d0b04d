"""Flyable arcs: the dynamic pressure and nose heating of the boosting and coasting missile against the flight
limits (duel.flight.flyability), on every arc duel flies, in ``duel basing`` and on the altitude chart.

References: q = rho v^2 / 2 with the U.S. Standard Atmosphere 1976 densities (NOAA-S/T 76-1562, Table I:
0.41351 kg/m^3 at 10 km, 1.8410e-2 kg/m^3 at 30 km geometric); Sutton-Graves q_s = k sqrt(rho / r_n) v^3 with
k = 1.7415e-4 kg^0.5/m for air (NASA TR R-376), computed by hand below.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from duel.flight.api import FlightRequest, fly_with_comparisons, solve_flight, solve_flights
from duel.flight.solved import Comparison
from duel.flight.summary import thin_track
from duel.flight.flyability import (
    LIMIT_PATHS,
    FlightLimits,
    boost_coast_mask,
    check_flyability,
    check_series,
    dynamic_pressure_pa,
    stagnation_heat_flux_w_m2,
)
from duel.physics.atmosphere import atmosphere_xp
from duel.scenario.inputs import Inputs, command_inputs
from duel.scenario.registry import Registry

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))
LIMITS = FlightLimits(max_dynamic_pressure_kpa=150.0, max_heat_flux_mw_m2=2.0, nose_radius_m=0.1,
                      reentry_interface_km=60.0, sutton_graves_k=1.7415e-4)


# --- closed forms ---------------------------------------------------------------------------------------

def test_dynamic_pressure_against_us76_by_hand() -> None:
    # US76 Table I: rho(10 km) = 0.41351 kg/m^3, rho(30 km) = 1.8410e-2 kg/m^3
    rho = atmosphere_xp(np.array([10_000.0, 30_000.0]))[0]
    assert rho == pytest.approx([0.41351, 1.8410e-2], rel=2e-4)
    q = dynamic_pressure_pa(rho, np.array([1_000.0, 3_000.0]))
    # 0.5 x 0.41351 x 1000^2 = 206,755 Pa; 0.5 x 0.018410 x 3000^2 = 82,845 Pa
    assert q == pytest.approx([206_755.0, 82_845.0], rel=3e-4)


def test_sutton_graves_by_hand() -> None:
    # k sqrt(rho / r_n) v^3 = 1.7415e-4 x sqrt(0.018410 / 0.1) x 3000^3 = 1.7415e-4 x 0.429069 x 2.7e10
    # = 2.01751e6 W/m^2; halving the nose radius multiplies it by sqrt(2)
    s = stagnation_heat_flux_w_m2(1.8410e-2, 3_000.0, 0.1, 1.7415e-4)
    assert float(s) == pytest.approx(2.01751e6, rel=1e-5)
    assert float(stagnation_heat_flux_w_m2(1.8410e-2, 3_000.0, 0.05, 1.7415e-4)) == pytest.approx(
        2.01751e6 * np.sqrt(2.0), rel=1e-5)
    assert float(stagnation_heat_flux_w_m2(0.0, 7_000.0, 0.1, 1.7415e-4)) == 0.0  # vacuum: no heating


# --- the segment rule -------------------------------------------------------------------------------

def _arc(apogee_m: float, n: int = 401, speed: float = 2_000.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A synthetic symmetric arc: height a parabola in time, constant speed."""
    t = np.linspace(0.0, 400.0, n)
    h = apogee_m * (1.0 - ((t - 200.0) / 200.0) ** 2)
    return t, h, np.full(n, speed)


def test_an_arc_that_never_climbs_above_the_interface_counts_whole() -> None:
    t, h, v = _arc(40_000.0)
    assert boost_coast_mask(h, 60_000.0).all()
    f = check_series(t, h, v, LIMITS)
    assert f.whole_flight and f.segment_end_s == 400.0
    # the largest q is at the lowest height flown at full speed: the ground at both ends
    assert f.max_dynamic_pressure_altitude_km == pytest.approx(0.0, abs=1e-9)
    assert f.max_dynamic_pressure_kpa == pytest.approx(0.5 * 1.2250 * 2_000.0 ** 2 / 1e3, rel=1e-4)
    assert not f.flyable and "whole flight counts" in f.limit_broken
    assert "dynamic pressure 2,450 kPa at 0 km" in f.limit_broken and "above the 150 kPa limit" in f.limit_broken


def test_an_arc_above_the_interface_ends_at_its_last_apogee() -> None:
    t, h, v = _arc(300_000.0)
    mask = boost_coast_mask(h, 60_000.0)
    assert mask[:201].all() and not mask[201:].any()  # up to the apogee (t = 200 s), the descent left out
    f = check_series(t, h, v, LIMITS)
    assert not f.whole_flight and f.segment_end_s == pytest.approx(200.0)
    # the ascent still passes the ground at 2 km/s: the same largest q, found at launch, not in the descent
    assert f.max_dynamic_pressure_time_s == 0.0
    # a flight from burnout at 100 km that only descends: nothing before the final descent but its first sample
    t2 = np.linspace(0.0, 100.0, 51)
    h2 = 100_000.0 - 1_000.0 * t2
    assert boost_coast_mask(h2, 60_000.0).tolist() == [True] + [False] * 50


def test_a_lower_interface_makes_a_low_arc_a_reentering_one() -> None:
    t, h, v = _arc(55_000.0, speed=5_000.0)
    high = check_series(t, h, v, LIMITS)
    low = check_series(t, h, v, FlightLimits(**{**LIMITS.__dict__, "reentry_interface_km": 50.0}))
    assert high.whole_flight and not low.whole_flight
    assert low.segment_end_s == pytest.approx(200.0) and high.segment_end_s == 400.0


# --- inputs ------------------------------------------------------------------------------------------

def test_limits_are_registry_inputs_with_bands_status_and_sources() -> None:
    reg = Registry.default()
    for field, path in LIMIT_PATHS.items():
        spec = reg.spec(path)
        assert spec.unit and spec.note, path
        for sid in spec.sources:
            assert reg.source(sid)["title"], sid  # every source is in the catalogue
        if path == "flight.sutton_graves_k":
            assert spec.status == "reported" and "sutton-graves-1971" in spec.sources
        else:
            assert spec.status == "notional" and spec.low < spec.nominal < spec.high, path
    nominal = FlightLimits.from_inputs(Inputs(reg))
    assert nominal == LIMITS  # the values this file's synthetic checks use
    # the data file states them (and nothing reads it but the registry: tests/test_architecture.py)
    raw = tomllib.loads((ROOT / "src/duel/scenario/inputs/flight.toml").read_text(encoding="utf-8"))
    assert raw["max_dynamic_pressure_kpa"]["nominal"] == 150.0


def test_a_changed_limit_reaches_the_check() -> None:
    t, h, v = _arc(40_000.0, speed=500.0)  # q at the ground 153 kPa, heat flux 0.08 MW/m^2
    assert not check_series(t, h, v, LIMITS).flyable
    raised = FlightLimits.from_inputs(command_inputs(["flight.max_dynamic_pressure_kpa=160"], None))
    assert raised.max_dynamic_pressure_kpa == 160.0
    assert check_series(t, h, v, raised).flyable


# --- the shipped scenarios' arcs --------------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped_flights() -> dict[str, dict[str, object]]:
    """Every shipped scenario's own arc, its comparison arcs, and its min-energy and depressed arcs (Flight),
    aimed together in shared batches (each the flight aimed alone: tests/test_aim_matrix.py)."""
    from duel.scenario import load_scenario

    keys: list[tuple[str, str]] = []
    reqs: list[FlightRequest] = []
    for name in SHIPPED:
        th = load_scenario(ROOT / "scenarios" / f"{name}.toml").threat
        for shape in dict.fromkeys([th.trajectory, *th.compare, "min-energy", "depressed"]):
            keys.append((name, shape))
            reqs.append(FlightRequest(launch=th.launch, target=th.target, missile=th.missile, shape=shape))
    out: dict[str, dict[str, object]] = {name: {} for name in SHIPPED}
    for (name, shape), flight in zip(keys, solve_flights(reqs, Inputs(Registry.default()))):
        assert not isinstance(flight, Exception), (name, shape, flight)
        out[name][shape] = flight
    return out


@pytest.fixture(scope="module")
def shipped_arcs(shipped_flights) -> dict[str, dict[str, Comparison]]:
    """The same arcs as comparison arcs (what fly_with_comparisons makes of them)."""
    return {name: {shape: Comparison(shape, f.summary, track=thin_track(f.trajectory, 0, 200))
                   for shape, f in flights.items()} for name, flights in shipped_flights.items()}


def test_comparison_arcs_get_their_flyability_and_track(shipped_arcs) -> None:
    req = FlightRequest(launch="krichev", target="kyiv", missile="oreshnik")
    flight, got = fly_with_comparisons(req, ["depressed", "apogee:9000"], Inputs(Registry.default()),
                                       track_points=50)
    alone = solve_flight(req)
    assert flight.summary.flight_time_s == alone.summary.flight_time_s and flight.aim.params == alone.aim.params
    dep, far = got
    assert far.summary is None and far.error  # not flown: why, no track
    want = shipped_arcs["kyiv-duel-belarus"]["depressed"]
    assert dep.summary.flyability == want.summary.flyability
    assert len(dep.track["time_s"]) == 50 and dep.track["time_s"][-1] == want.track["time_s"][-1]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_depressed_arcs_are_not_flyable_and_the_others_are(shipped_arcs, name) -> None:
    arcs = shipped_arcs[name]
    dep = arcs["depressed"]
    assert dep.summary is not None, dep.error
    f = dep.summary.flyability
    assert f is not None and not f.flyable
    assert f.limit_broken.startswith("dynamic pressure") and "above the 150 kPa limit" in f.limit_broken
    assert "above the 2 MW/m^2 limit" in f.limit_broken  # heating breaks its limit too
    assert f.max_dynamic_pressure_kpa > 300.0 and f.max_heat_flux_mw_m2 > 5.0  # beyond both bands' high ends
    assert f.whole_flight  # it never leaves the atmosphere (apogee 20-59 km)
    for shape, c in arcs.items():
        if shape == "depressed":
            continue
        assert c.summary is not None, (shape, c.error)
        g = c.summary.flyability
        assert g.flyable and g.limit_broken is None, (name, shape, g.limit_broken)
        assert 85.0 < g.max_dynamic_pressure_kpa < 130.0  # the first stage's max-q, at 10-11 km
        assert 9.0 < g.max_dynamic_pressure_altitude_km < 12.0
        assert g.max_heat_flux_mw_m2 < 1.0 and not g.whole_flight
        assert c.track is not None and len(c.track["time_s"]) <= 200
        assert c.track["altitude_km"][0] == pytest.approx(0.0, abs=1e-3)
        assert max(c.track["altitude_km"]) == pytest.approx(c.summary.apogee_km, rel=0.01)
        assert c.track["downrange_km"][-1] == pytest.approx(c.summary.ground_range_km, rel=1e-3)


def test_no_single_limit_moved_within_its_band_changes_a_shipped_label(shipped_flights) -> None:
    reg = Registry.default()
    for field, path in LIMIT_PATHS.items():
        spec = reg.spec(path)
        for end in (spec.low, spec.high):
            if end is None:
                continue
            limits = FlightLimits(**{**LIMITS.__dict__, field: end})
            for name, flights in shipped_flights.items():
                for shape, f in flights.items():
                    assert check_flyability(f.trajectory, limits).flyable == (shape != "depressed"), \
                        (path, end, name, shape)


def test_speeds_come_with_their_heights(shipped_arcs) -> None:
    me = shipped_arcs["kyiv-duel-belarus"]["min-energy"].summary
    assert me.max_mach is not None and 0.0 < me.max_mach_altitude_km < 86.0
    # Mach at the descending 30 km crossing: the event's speed over the US76 speed of sound at 30 km (301.71 m/s)
    assert me.mach_30km == pytest.approx(me.speed_at("down_30km") / 301.71, rel=1e-4)
    low = shipped_arcs["kyiv-duel-belarus"]["depressed"].summary
    assert low.apogee_km < 30.0 and low.mach_30km is None  # it never descends through 30 km
    d = me.to_dict()
    assert {"max_mach_altitude_km", "mach_30km", "flyability"} <= set(d)
    assert d["flyability"]["flyable"] is True and d["flyability"]["limits"]["max_dynamic_pressure_kpa"] == 150.0


def test_comparison_entries_of_the_result(shipped_arcs) -> None:
    from duel.verdict.document import _comparison

    row = _comparison(shipped_arcs["dnipro-2024"]["depressed"])
    assert row["flyable"] is False and "dynamic pressure" in row["limit_broken"]
    assert row["max_dynamic_pressure_kpa"] > 300.0 and row["max_heat_flux_mw_m2"] > 5.0
    assert {"max_mach_altitude_km", "mach_30km", "track"} <= set(row)
    assert set(row["track"]) == {"time_s", "altitude_km", "downrange_km"}
    ok = _comparison(shipped_arcs["dnipro-2024"]["min-energy"])
    assert ok["flyable"] is True and ok["limit_broken"] is None


def test_raised_limits_make_the_depressed_arc_flyable() -> None:
    req = FlightRequest(launch="krichev", target="kyiv", missile="oreshnik", shape="depressed")
    tight = solve_flight(req)
    assert not tight.summary.flyability.flyable
    loose = command_inputs(["flight.max_dynamic_pressure_kpa=2000", "flight.max_heat_flux_mw_m2=20"], "oreshnik")
    f = check_flyability(tight.trajectory, FlightLimits.from_inputs(loose))
    assert f.flyable and f.limit_broken is None
    only_heat = command_inputs(["flight.max_dynamic_pressure_kpa=2000"], "oreshnik")
    g = check_flyability(tight.trajectory, FlightLimits.from_inputs(only_heat))
    assert not g.flyable and g.limit_broken.startswith("heat flux")


# --- duel basing ---------------------------------------------------------------------------------------

def test_basing_leaves_the_depressed_arc_out_of_the_fastest(duel, tmp_path) -> None:
    r = duel("basing", "--sites", "krichev", "--targets", "kyiv", "--claim", "kyiv=4min", "--claim", "kyiv=111s",
             "--out", str(tmp_path / "a"), "--format", "json")
    assert r.code == 0, r.err
    res = r.json()
    (row,) = res["rows"]
    assert row["fastest_arc"] == "min-energy" and row["fastest_time_s"] == row["flight_time_s"]
    assert row["flyable"] is True and row["limit_broken"] is None
    (excl,) = row["fastest_excluded"]
    assert excl["trajectory"] == "depressed" and "dynamic pressure" in excl["limit_broken"]
    dep = next(a for a in row["arcs"] if a["trajectory"] == "depressed")
    assert dep["flyable"] is False and dep["flight_time_s"] < row["flight_time_s"]
    four, fast = res["claims"]
    # 240 s: faster than min-energy (329 s), slower than the unflyable depressed arc (201 s): rests on the limits
    assert four["physically_impossible"] and four["depends_on_flight_limits"]
    assert four["excluded_arcs"] == ["depressed"] and "depressed arc (201 s, not flyable" in four["verdict"]
    assert fast["physically_impossible"] and not fast["depends_on_flight_limits"]

    r = duel("basing", "--sites", "krichev", "--targets", "kyiv", "--claim", "kyiv=4min", "--allow-unflyable",
             "--out", str(tmp_path / "b"), "--format", "json")
    assert r.code == 0, r.err
    res = r.json()
    (row,) = res["rows"]
    assert res["allow_unflyable"] and row["fastest_arc"] == "depressed" and row["fastest_flyable"] is False
    assert row["fastest_excluded"] == []
    (four,) = res["claims"]
    assert four["physically_impossible"] is False and "--allow-unflyable" in four["verdict"]


def test_basing_table_labels_unflyable_arcs(duel, tmp_path) -> None:
    r = duel("basing", "--sites", "krichev", "--targets", "kyiv", "--out", str(tmp_path))
    assert r.code == 0, r.err
    text = " ".join(r.out.split())
    assert "depressed arc" in text and "not flyable" in text and "left out of the fastest arc" in text


def test_basing_with_a_tighter_limit_flips_the_min_energy_label(duel, tmp_path) -> None:
    r = duel("basing", "--sites", "krichev", "--targets", "kyiv", "--claim", "kyiv=9min",
             "--set", "flight.max_dynamic_pressure_kpa=100", "--out", str(tmp_path), "--format", "json")
    assert r.code == 0, r.err
    res = r.json()
    (row,) = res["rows"]
    assert res["flight_limits"]["max_dynamic_pressure_kpa"] == 100.0
    assert row["flyable"] is False and "above the 100 kPa limit" in row["limit_broken"]  # min-energy: 120 kPa
    assert row["fastest_arc"] is None and row["fastest_time_s"] is None
    (claim,) = res["claims"]
    assert claim["physically_impossible"] is None and claim["verdict"].startswith("undecided")


# --- the altitude chart ------------------------------------------------------------------------------

def test_altitude_chart_draws_the_comparison_arcs() -> None:
    from duel.report import plots

    x = np.linspace(0, 800, 100)
    nominal = 700 * (1 - ((x - 400) / 400) ** 2)
    comps = [
        {"trajectory": "lofted", "flyable": True, "limit_broken_short": None,
         "track": {"downrange_km": list(x), "altitude_km": list(2500 * (1 - ((x - 400) / 400) ** 2))}},
        {"trajectory": "depressed", "flyable": False, "limit_broken_short": "dynamic pressure 720 kPa > 150 kPa",
         "track": {"downrange_km": list(x), "altitude_km": list(33 * (1 - ((x - 400) / 400) ** 2))}},
        {"trajectory": "max-range", "error": "beyond range"},  # not flown: skipped
    ]
    fig = plots.altitude_downrange(x, nominal, [], comparisons=comps)
    ax = fig.axes[0]
    lines = {ln.get_gid(): ln for ln in ax.get_lines()}
    assert {"trajectory", "comparison-0", "comparison-1"} <= set(lines) and "comparison-2" not in lines
    assert lines["comparison-1"].get_linestyle() not in ("-", "solid")
    assert ax.get_ylim()[1] < 1000  # the lofted arc runs off the top instead of squashing the chart
    texts = [t.get_text() for t in ax.texts]
    assert any("lofted" in t and "2,500 km" in t for t in texts)
    assert any("depressed (not flyable)" in t for t in texts)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any("not flyable" in t and "720 kPa" in t for t in legend)
