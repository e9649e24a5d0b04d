"""`duel fly` as a user runs it: every form, the JSON contract, tracks, and every bad input (exit 2, one line)."""

from __future__ import annotations

import csv
import re

import pytest

FLY_KEYS = {"ground_range_km", "flight_time_s", "apogee_km", "max_speed_mps", "max_mach", "miss_distance_km",
            "azimuth_deg", "trajectory", "burnout", "impact", "events", "sources"}


def test_missile_form_json_contract_and_physics(duel) -> None:
    r = duel("fly", "--missile", "oreshnik", "--from", "kapustin-yar", "--to", "dnipro", "--format", "json")
    assert r.code == 0, r.err
    s = r.json()
    assert FLY_KEYS <= set(s)
    assert set(s["burnout"]) >= {"time_s", "altitude_km", "speed_mps", "angle_deg"}
    assert set(s["impact"]) >= {"lat_deg", "lon_deg", "speed_mps", "angle_deg", "mach"}
    assert s["miss_distance_km"] < 1.0
    assert s["ground_range_km"] == pytest.approx(788.0, abs=5.0)  # physics.md §2.3: 788-793 km on WGS84
    assert s["impact"]["lat_deg"] == pytest.approx(48.46, abs=0.02)
    # flight time counts from launch: boost + free flight + reentry, longer than the vacuum free flight alone
    assert s["flight_time_s"] > s["burnout"]["time_s"] + 6.9 * 60 * 0.8
    names = [e["name"] for e in s["events"]]
    assert names[0] == "launch" and names[-1] == "impact" and "apogee" in names
    keys = [e["key"] for e in s["events"]]  # each event carries its typed key
    assert keys[0] == "launch" and keys[-1] == "impact" and {"apogee", "down_100km", "down_30km"} <= set(keys)
    assert [e["time_s"] for e in s["events"]] == sorted(e["time_s"] for e in s["events"])
    assert "wiki-kapustin-yar" in s["sources"] or any("kapustin" in x for x in s["sources"])


def test_burnout_free_flight_form(duel) -> None:
    r = duel("fly", "--burnout-speed", "3000", "--burnout-angle", "40", "--from", "50,30", "--azimuth", "45",
             "--format", "json")
    assert r.code == 0, r.err
    s = r.json()
    assert s["miss_distance_km"] is None
    assert s["azimuth_deg"] == pytest.approx(45.0)
    assert s["burnout"]["speed_mps"] == pytest.approx(3000.0, rel=1e-6)
    assert s["burnout"]["angle_deg"] == pytest.approx(40.0, abs=1e-6)
    # the stated default: the notional input flight.burnout_altitude_km (100 km) of the registry
    from duel.scenario.inputs import Inputs
    from duel.scenario.registry import Registry

    default_km = Inputs(Registry.default())["flight.burnout_altitude_km"]
    assert default_km == pytest.approx(100.0)
    assert s["burnout"]["altitude_km"] == pytest.approx(default_km, abs=1e-3)


def test_burnout_speed_solves_angle_lofted_above_depressed(duel) -> None:
    out = {}
    for shape in ("lofted", "depressed"):
        r = duel("fly", "--burnout-speed", "3000", "--from", "kapustin-yar", "--to", "dnipro", "--trajectory", shape,
                 "--format", "json")
        assert r.code == 0, r.err
        out[shape] = r.json()
        assert out[shape]["miss_distance_km"] < 1.0
    assert out["lofted"]["burnout"]["angle_deg"] > out["depressed"]["burnout"]["angle_deg"]
    assert out["lofted"]["flight_time_s"] > out["depressed"]["flight_time_s"]


def test_no_speed_min_energy_vacuum_sphere_matches_closed_form(duel) -> None:
    # physics.md §2.3: Kapustin Yar HQ -> Dnipro centre on the sphere: 785.5 km, 2.695 km/s, 190 km, 6.94 min
    r = duel("fly", "--from", "48.5861,45.72", "--to", "48.4644,35.0461", "--trajectory", "min-energy",
             "--burnout-altitude", "0", "--earth", "sphere", "--no-rotation", "--no-atmosphere", "--no-j2",
             "--format", "json")
    assert r.code == 0, r.err
    s = r.json()
    assert s["ground_range_km"] == pytest.approx(785.5, abs=0.1)
    assert s["burnout"]["speed_mps"] == pytest.approx(2695.0, rel=1e-3)
    assert s["apogee_km"] == pytest.approx(190.0, abs=1.0)
    assert s["flight_time_s"] / 60 == pytest.approx(6.94, abs=0.01)


def test_track_csv_and_parquet(duel, tmp_path) -> None:
    csv_path, pq_path = tmp_path / "t.csv", tmp_path / "t.parquet"
    r = duel("fly", "--burnout-speed", "2500", "--burnout-angle", "45", "--from", "kyiv", "--azimuth", "90",
             "--track", str(csv_path))
    assert r.code == 0, r.err
    rows = list(csv.DictReader(csv_path.open()))
    assert set(rows[0]) == {"time_s", "lat_deg", "lon_deg", "altitude_m", "speed_mps", "mach", "gamma_deg"}
    times = [float(x["time_s"]) for x in rows]
    assert times == sorted(times) and float(rows[-1]["altitude_m"]) == pytest.approx(0.0, abs=1.0)
    r = duel("fly", "--burnout-speed", "2500", "--burnout-angle", "45", "--from", "kyiv", "--azimuth", "90",
             "--track", str(pq_path), "--format", "json")
    assert r.code == 0, r.err
    import duckdb

    n = duckdb.sql(f"select count(*) from '{pq_path}'").fetchall()[0][0]
    assert n == len(rows)


def test_table_output_has_summary_and_timeline(duel) -> None:
    r = duel("fly", "--missile", "scud-b", "--from", "kapustin-yar", "--to", "48.6,42.0")
    assert r.code == 0, r.err
    assert "flight time" in r.out and "timeline" in r.out and "impact" in r.out


UNITLESS = {"trajectory shape", "highest Mach number", "Mach descending through 30 km", "impact Mach number",
            "flyable", "engine cut-off in stage"}


def _table_labels(out: str) -> list[str]:
    """The first column of every table row (box-drawn tables, rows start with a vertical bar)."""
    return [re.split(r"[│┃]", ln)[1].strip() for ln in out.splitlines() if ln.startswith(("│", "┃"))]


@pytest.mark.parametrize("args", [
    ["--missile", "oreshnik", "--from", "kapustin-yar", "--to", "kyiv"],
    ["--burnout-speed", "3000", "--from", "kapustin-yar", "--to", "dnipro", "--trajectory", "lofted"],
    ["--burnout-speed", "3000", "--burnout-angle", "40", "--from", "50,30", "--azimuth", "45"],
])
def test_tables_say_quantities_in_words_with_units(duel, args: list[str]) -> None:
    r = duel("fly", *args, timeout=120)
    assert r.code == 0, r.err
    labels = [x for x in _table_labels(r.out) if x]
    assert len(labels) > 20
    for label in labels:
        assert "_" not in label and not re.search(r"\b(deg|mps|kg m2|s)$", label), f"a code name: {label!r}"
        assert "(" in label or label in UNITLESS or label in ("event", "launch", "apogee", "impact") \
            or label.startswith(("stage ", "thrust", "burnout", "descending")), f"no unit: {label!r}"
    assert {"time (s)", "altitude (km)", "speed (m/s)"} <= {c.strip() for ln in r.out.splitlines()
                                                            for c in re.split(r"[┃│]", ln)}


def test_missile_table_names_the_aim_in_words(duel) -> None:
    r = duel("fly", "--missile", "oreshnik", "--from", "kapustin-yar", "--to", "kyiv")
    assert r.code == 0, r.err
    assert "pitch-over kick angle (deg)" in r.out and "engine cut-off (s after launch)" in r.out
    assert "kick deg" not in r.out and "cutoff s" not in r.out


def test_track_says_where_it_wrote(duel, tmp_path) -> None:
    path = tmp_path / "t.csv"
    r = duel("fly", "--burnout-speed", "2500", "--burnout-angle", "45", "--from", "kyiv", "--azimuth", "90",
             "--track", str(path), "--format", "json")
    assert r.code == 0, r.err
    rows = len(list(csv.DictReader(path.open())))
    assert r.err == f"wrote the track ({rows:,} rows) to {path}\n"
    r.json()  # stdout stays the JSON document alone


BAD = [
    (["--missile", "orehsnik", "--from", "kapustin-yar", "--to", "kyiv"], "oreshnik"),  # suggestion
    (["--missile", "oreshnik", "--from", "kapustin-yar", "--to", "kiev"], "--to"),
    (["--missile", "oreshnik", "--from", "95,10", "--to", "kyiv"], "--from: latitude 95"),
    (["--missile", "oreshnik", "--from", "50,200", "--to", "kyiv"], "--from: longitude 200"),
    (["--missile", "oreshnik", "--from", "50;30", "--to", "kyiv"], "--from"),
    (["--missile", "oreshnik", "--from", "kapustin-yar", "--to", "10,-70"], "beyond oreshnik's maximum range"),
    (["--missile", "oreshnik", "--from", "kapustin-yar", "--to", "kyiv", "--trajectory", "apogee:5000"],
     "--trajectory apogee:5000: unreachable"),
    (["--missile", "oreshnik", "--from", "kapustin-yar", "--to", "kyiv", "--trajectory", "apogee:-3"],
     "--trajectory"),
    (["--missile", "oreshnik", "--from", "kapustin-yar", "--to", "kyiv", "--trajectory", "zigzag"],
     "--trajectory: unknown shape"),
    (["--missile", "ore\nshnik", "--from", "kapustin-yar", "--to", "kyiv"], "unknown missile 'ore\\nshnik'"),
    (["--burnout-speed", "0", "--from", "kyiv", "--to", "dnipro", "--trajectory", "lofted"], "--burnout-speed"),
    (["--burnout-speed", "-300", "--from", "kyiv", "--to", "dnipro", "--trajectory", "lofted"], "--burnout-speed"),
    (["--burnout-speed", "1000", "--from", "kapustin-yar", "--to", "london", "--trajectory", "lofted"],
     "beyond the reach"),
    (["--burnout-speed", "3000", "--burnout-angle", "40", "--from", "kyiv"], "--to"),
    (["--missile", "oreshnik", "--from", "kyiv"], "--to"),
    (["--from", "kyiv", "--to", "kyiv"], "--to"),
    (["--burnout-speed", "3000", "--burnout-angle", "120", "--from", "kyiv", "--azimuth", "0"], "--burnout-angle"),
    (["--burnout-speed", "3000", "--burnout-angle", "40", "--from", "kyiv", "--azimuth", "0", "--beta", "-1"],
     "--beta"),
    (["--burnout-speed", "3000", "--burnout-angle", "40", "--from", "kyiv", "--azimuth", "0", "--track", "x.txt"],
     "--track"),
    (["--missile", "oreshnik", "--from", "kapustin-yar", "--to", "dnipro", "--backend", "gpu"], "--backend gpu"),
    (["--missile", "oreshnik", "--from", "kapustin-yar", "--to", "dnipro", "--backend", "cuda"], "--backend"),
    # numbers in a stated unit: a unit written after the number is refused, naming the unit expected
    (["--burnout-speed", "3km/s", "--from", "kyiv", "--to", "dnipro"], "--burnout-speed: a number in m/s, got '3km/s'"),
    (["--burnout-speed", "3000", "--burnout-angle", "40deg", "--from", "kyiv", "--azimuth", "0"],
     "--burnout-angle: a number in deg, got '40deg'"),
    (["--burnout-speed", "3000", "--burnout-altitude", "100 km", "--from", "kyiv", "--to", "dnipro"],
     "--burnout-altitude: a number in km, got '100 km'"),
    (["--burnout-speed", "3000", "--burnout-angle", "40", "--from", "kyiv", "--azimuth", "east"],
     "--azimuth: a number in deg, got 'east'"),
    (["--burnout-speed", "3000", "--burnout-angle", "40", "--from", "kyiv", "--azimuth", "0", "--beta", "5e3kg/m2"],
     "--beta: a number in kg/m^2, got '5e3kg/m2'"),
    (["--burnout-speed", "nan", "--from", "kyiv", "--to", "dnipro"], "--burnout-speed: a number in m/s, got 'nan'"),
    (["--from", "kapustin-yar", "--to", "kyiv", "--missile", "oreshnik", "--set", "flight.burnout_altitude_km=3km"],
     "--set flight.burnout_altitude_km: a number in km, >= 0, got '3km'"),
]


@pytest.mark.parametrize("args,needle", BAD)
def test_bad_input_exits_2_with_one_line(duel, args: list[str], needle: str) -> None:
    r = duel("fly", *args)
    assert r.code == 2, (r.code, r.out, r.err)
    assert "Traceback" not in r.err
    lines = [ln for ln in r.err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, r.err
    assert needle in lines[0]


def test_help_lists_forms(duel) -> None:
    r = duel("fly", "--help")
    assert r.code == 0
    assert "--burnout-speed" in r.out and "min-energy" in r.out


def _user_missile(tmp_path, old: str, new: str):
    """A copy of the catalogue's Scud-B entry as a user's missile file, with one text replacement."""
    from duel.catalog import CATALOG_DIR

    text = (CATALOG_DIR / "missiles.toml").read_text()
    block = text[text.index("[scud-b]"): text.index("[nodong]")]
    block = block.replace("[scud-b]", "[my-scud]").replace("[[scud-b.stages]]", "[[my-scud.stages]]")
    assert old in block
    path = tmp_path / "my.toml"
    path.write_text(block.replace(old, new))
    return path


def test_user_missile_file_flies_like_the_catalogue_entry(duel, tmp_path) -> None:
    path = _user_missile(tmp_path, "burn_time_s = { nominal = 75.0", "burn_time_s = { nominal = 75.0")
    mine = duel("fly", "--missile", str(path), "--from", "kapustin-yar", "--to", "48.6,42", "--format", "json")
    cat = duel("fly", "--missile", "scud-b", "--from", "kapustin-yar", "--to", "48.6,42", "--format", "json")
    assert mine.code == 0 and cat.code == 0, mine.err + cat.err
    assert mine.json()["flight_time_s"] == pytest.approx(cat.json()["flight_time_s"], rel=1e-9)


@pytest.mark.parametrize("old,new,needle", [
    ("gross_mass_kg = { nominal = 4897.0", "gross_mass_kg = { nominal = -4897.0", "my-scud.stages[0].gross_mass_kg"),
    ("propellant_mass_kg = { nominal = 3699.0", "propellant_mass_kg = { nominal = 5000.0",
     "propellant_mass_kg: must be below gross_mass_kg"),
    ("burn_time_s = { nominal = 75.0", "burn_time_s = { nominal = 0.0", "burn_time_s"),
])
def test_user_missile_non_physical_parameters_exit_2(duel, tmp_path, old: str, new: str, needle: str) -> None:
    path = _user_missile(tmp_path, old, new)
    r = duel("fly", "--missile", str(path), "--from", "kapustin-yar", "--to", "48.6,42")
    assert r.code == 2 and "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1 and needle in r.err and "my.toml" in r.err


# numeric options of the other commands take a number in a stated unit too (one line, exit 2)
UNIT_OPTIONS = [
    (["engage", "--missile", "oreshnik", "--from", "kapustin-yar", "--to", "kyiv", "--battery", "thaad@kyiv",
      "--rcs", "0.1m2"], "--rcs: a number in m^2, got '0.1m2'"),
    (["engage", "--missile", "oreshnik", "--from", "kapustin-yar", "--to", "kyiv", "--battery", "thaad@kyiv",
      "--decision-delay", "5s"], "--decision-delay: a number in s, got '5s'"),
    (["engage", "--missile", "oreshnik", "--from", "kapustin-yar", "--to", "kyiv", "--battery", "thaad@kyiv",
      "--notice-recipient", "third-party", "--relay-delay", "15min"], "--relay-delay: a number in min, got '15min'"),
    (["notify", "chain", "--lead-time-s", "30min", "--apogee-s", "300", "--reentry-s", "500", "--impact-s", "556"],
     "--lead-time-s: a number in s, got '30min'"),
    (["notify", "simulate", "--retries", "3", "--trials", "50"], None),  # whole numbers still parse
]


@pytest.mark.parametrize("args,message", UNIT_OPTIONS)
def test_unit_suffixes_are_refused_naming_the_unit(duel, args: list[str], message: str | None) -> None:
    r = duel(*args, "--format", "json") if message is None else duel(*args)
    if message is None:
        assert r.code == 0, r.err
        return
    assert r.code == 2 and "Traceback" not in r.err
    assert r.err == f"error: {message}\n"
