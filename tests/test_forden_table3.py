"""The staged-missile model against ANOTHER MODEL on the same inputs: Forden's GUI_Missile_Flyout and its open
Python port, not only against published real-world ranges.

Reference outputs (both are model outputs, not measurements):

* Forden (2007), Science & Global Security 15:1-28, Table 3: the maximum ranges his program computes with his
  Table 1 inputs, azimuth 40 deg east of north: Scud-B 288 km, No-dong 973 km (source ``forden-2007``; the
  paper was not retrieved, Table 3 is known through the port's validation notes).
* The open Python port armscontrolwonk/GUI-Flyout-Implementation at commit 63ab7b0 (source
  ``gui-flyout-port-validation-2026``), same inputs, Forden's pitch-over programme (Eq. 8) at the Table 1 loft
  parameters, run by duel at azimuth 40 deg: Scud-B 301.8 km from 0 N 0 E and 300.2 km from 40 N 0 E; No-dong
  978.0 km and 972.4 km. (The commit message itself reports 301 km and 973 km.)

The inputs are the catalogue's ``scud-b`` and ``nodong`` entries, which hold Forden's Table 1 values (asserted
below, so the entries cannot be tuned to make this pass), with one exception: the No-dong's diameter. Table 1, as
transcribed, gives 0.88 m, and Table 3 was computed with it; the catalogue entry uses the real missile's 1.35 m.
This test flies 0.88 m, Forden's input. The catalogue's 1.35 m does NOT reproduce Table 3 (checked below): that
gap is a deliberate difference of inputs, not of models.

Launch point: Forden's is not known (the paper was not retrieved). On a rotating Earth an azimuth-40 flight
gains range from the ground's eastward speed, which depends on latitude; duel flies from 0 N and from 40 N, and
the two differ by 0.6 % (Scud-B) and 0.7 % (No-dong). The tolerances include that.

Tolerances, and what duel measured (max-range shape, kick angle optimised, rotating WGS84 with J2, US76):

* No-dong (0.88 m) against Forden's 973 km: 980.8 km from 0 N (+0.8 %), 974.0 km from 40 N (+0.1 %).
  Tolerance 2 %: the launch-point spread (0.7 %) plus the difference between pitch programmes (Forden: a
  constant-rate pitch-over to a held elevation; duel: vertical rise, kick, gravity turn), which the Scud-B
  comparison with the port bounds at about 1 %.
* Scud-B against the port's 301.8 / 300.2 km: 299.0 km (-0.9 %) and 297.3 km (-1.0 %). Tolerance 2 %, as above.
* No-dong against the port's 978.0 / 972.4 km: +0.3 % and +0.2 %. Tolerance 2 %.
* Scud-B against Forden's 288 km: 299.0 km (+3.8 %) and 297.3 km (+3.2 %). Tolerance 5 %, one-sided (duel
  above). The cause is known and is not duel's: the independent port, flying Forden's own pitch programme, is
  4-5 % above Table 3 as well (301.8 / 300.2 km), so the difference lies in Forden's program, not in the
  physics the two Python models share. The port attributes its gap to Forden's point-mass gravity and
  forward-Euler integration against its J2 gravity and adaptive RK45 (the port's attribution: Forden's MATLAB
  program ships compiled and was not rerun). duel does not reproduce that difference, so the Scud-B row is a
  bound, not a match. The No-dong agrees within 1 %.

Each flight takes about 0.3 s; the whole file a few seconds.
"""

from __future__ import annotations

import pytest

from duel.catalog import load_catalog
from duel.flight.api import FlightRequest, solve_flight
from duel.physics.earth import earth_model, geodesic_forward
from duel.scenario.inputs import Inputs
from duel.scenario.registry import Registry

AZIMUTH_DEG = 40.0  # Forden Table 3: azimuth 40 deg east of north
LAUNCH_POINTS = ((0.0, 0.0), (40.0, 0.0))  # Forden's launch point is not known: two latitudes bracket it

FORDEN_TABLE3_KM = {"scud-b": 288.0, "nodong": 973.0}
# the port (commit 63ab7b0) run by duel at azimuth 40 deg, Forden's Table 1 loft parameters, from LAUNCH_POINTS
PORT_KM = {"scud-b": (301.8, 300.2), "nodong": (978.0, 972.4)}
FORDEN_NODONG_DIAMETER_M = 0.88  # Forden Table 1 as transcribed; the catalogue uses the real missile's 1.35 m
TABLE3_INPUTS = {"scud-b": {}, "nodong": {"missile.nodong.stage1.diameter_m": FORDEN_NODONG_DIAMETER_M}}


def _max_range_km(missile: str, lat0: float, lon0: float, values: dict[str, float]) -> float:
    """duel's maximum range (km) of ``missile`` fired at AZIMUTH_DEG from (lat0, lon0), with ``values`` over the
    catalogue nominals."""
    lat, lon = (float(x) for x in geodesic_forward(lat0, lon0, AZIMUTH_DEG, 3.0e6, earth_model("wgs84"))[:2])
    req = FlightRequest(launch=f"{lat0},{lon0}", target=f"{lat},{lon}", missile=missile, shape="max-range")
    flight = solve_flight(req, Inputs(Registry.default(), values))
    assert flight.summary.azimuth_deg == pytest.approx(AZIMUTH_DEG, abs=1e-6)
    return float(flight.summary.ground_range_km)


@pytest.fixture(scope="module")
def ranges() -> dict[str, tuple[float, float]]:
    """missile -> duel's maximum range (km) from each of LAUNCH_POINTS, with Forden's Table 3 inputs."""
    return {m: tuple(_max_range_km(m, lat, lon, TABLE3_INPUTS[m]) for lat, lon in LAUNCH_POINTS)
            for m in FORDEN_TABLE3_KM}


def test_the_catalogue_entries_hold_fordens_table_1_inputs() -> None:
    """The comparison means something only if the entries are Forden's inputs, untuned."""
    cat = load_catalog()
    expected = {  # gross (fueled, without payload), propellant (fueled - dry), Isp, burn, payload
        "scud-b": (4897.0, 3699.0, 230.0, 75.0, 1000.0),
        "nodong": (19900.0, 16000.0, 240.0, 70.0, 1000.0),
    }
    for mid, (gross, prop, isp, burn, payload) in expected.items():
        e = cat.record("missiles", mid)
        (stage,) = e.stages
        assert (stage.gross_mass_kg.nominal, stage.propellant_mass_kg.nominal, stage.isp_vac_s.nominal,
                stage.burn_time_s.nominal, e.payload_mass_kg.nominal) == (gross, prop, isp, burn, payload), mid
        assert stage.nozzle_exit_area_m2 is None  # constant thrust, as Forden
        assert e.drag_mach == [0.0, 0.85, 1.0, 1.2, 2.0, 4.5] and e.drag_cd == [0.20, 0.20, 0.27, 0.27, 0.20, 0.20]
    assert cat.record("missiles", "scud-b").stages[0].diameter_m.nominal == 0.84


@pytest.mark.parametrize("i", range(len(LAUNCH_POINTS)))
def test_nodong_matches_fordens_table_3(ranges, i: int) -> None:
    ours = ranges["nodong"][i]
    assert ours == pytest.approx(FORDEN_TABLE3_KM["nodong"], rel=0.02), ours


@pytest.mark.parametrize("i", range(len(LAUNCH_POINTS)))
def test_scud_b_is_within_5_percent_above_fordens_table_3(ranges, i: int) -> None:
    """One-sided: duel, like the independent port, flies further than Forden's program (see the docstring)."""
    ours = ranges["scud-b"][i]
    assert FORDEN_TABLE3_KM["scud-b"] <= ours <= 1.05 * FORDEN_TABLE3_KM["scud-b"], ours


@pytest.mark.parametrize("missile", sorted(PORT_KM))
@pytest.mark.parametrize("i", range(len(LAUNCH_POINTS)))
def test_matches_the_gui_flyout_port_on_the_same_inputs(ranges, missile: str, i: int) -> None:
    ours, port = ranges[missile][i], PORT_KM[missile][i]
    assert ours == pytest.approx(port, rel=0.02), (missile, ours, port)


def test_the_port_shares_the_scud_b_gap_so_it_is_fordens_program() -> None:
    """Both Python models are above Table 3 for the Scud-B by more than the launch point explains, and agree
    with each other far better than either agrees with Table 3."""
    for port in PORT_KM["scud-b"]:
        assert port / FORDEN_TABLE3_KM["scud-b"] - 1.0 > 0.03


def test_the_catalogue_nodong_diameter_is_not_the_one_table_3_used() -> None:
    """With the catalogue's 1.35 m the No-dong falls 3-5 % short of Forden's 973 km: Table 3 was computed with
    Table 1's 0.88 m (a difference of inputs, documented in the entry's note)."""
    lat, lon = LAUNCH_POINTS[1]
    ours = _max_range_km("nodong", lat, lon, {})
    assert 0.95 * FORDEN_TABLE3_KM["nodong"] < ours < 0.97 * FORDEN_TABLE3_KM["nodong"], ours
