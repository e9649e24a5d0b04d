"""The data catalogue: shipped files validate, references resolve, lookups and errors behave, CLI listing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from duel import catalog
from duel.catalog import CATALOG_DIR, Catalog, Place, load_catalog
from duel.catalog.loading import read_directory
from duel.errors import InputError
from duel.flight.vehicles import StagedMissile, staged_missile
from duel.scenario.inputs import Inputs
from duel.scenario.registry import Registry

REQUIRED_PLACES = [
    "kapustin-yar", "krichev", "asipovichy", "dnipro", "kyiv", "lviv", "warsaw", "rzeszow", "vilnius",
    "riga", "minsk", "berlin", "helsinki", "london", "kaliningrad", "paris", "brussels", "moscow",
]  # fmt: skip
KNOWN_FILES = {"missiles.toml", "places.toml", "interceptors.toml", "sensors.toml"}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the ``duel`` console-script entry point (duel.cli:main) in a fresh interpreter."""
    code = "import sys; from duel.cli import main; sys.argv[0] = 'duel'; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)


def _missile(name: str) -> StagedMissile:
    """The catalogue missile ``name`` (any case) built from its nominal inputs, as every command builds it."""
    reg = Registry.default()
    return staged_missile(Inputs(reg), reg.missile_id(name, "--missile"))


def _place(spec: str, option: str = "place") -> Place:
    """A place from the shipped catalogue (id, name or LAT,LON)."""
    return load_catalog().place(spec, option)


def _copy_catalog(tmp_path: Path) -> Path:
    for f in CATALOG_DIR.glob("*.toml"):
        shutil.copy(f, tmp_path / f.name)
    return tmp_path


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test fixture out of date: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ---------------------------------------------------------------------------------------------------
# shipped files
# ---------------------------------------------------------------------------------------------------


def test_every_shipped_file_validates() -> None:
    cat = Catalog(read_directory(CATALOG_DIR))  # uncached: a fresh parse of every file
    for kind in ("missiles", "places", "sources"):
        assert cat.entries(kind), f"no {kind} in the shipped catalogue"
    # every TOML file beside the loader is one it reads (nothing sits there unvalidated)
    for f in CATALOG_DIR.glob("*.toml"):
        assert f.name in KNOWN_FILES or f.name.startswith("sources"), f"unexpected catalogue file {f.name}"


def _source_lists(obj: object) -> list[list[str]]:
    """Every 'sources' / '*_sources' list in a raw TOML structure (independent of the loader)."""
    found: list[list[str]] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "sources" or k.endswith("_sources"):
                found.append(v)
            else:
                found.extend(_source_lists(v))
    elif isinstance(obj, list):
        for item in obj:
            found.extend(_source_lists(item))
    return found


def test_every_referenced_source_exists() -> None:
    known: set[str] = set()
    for f in sorted(CATALOG_DIR.glob("sources*.toml")):
        ids = set(tomllib.loads(f.read_text(encoding="utf-8")))
        assert not ids & known, f"duplicate source ids across files: {sorted(ids & known)}"
        known |= ids
    referenced = 0
    for name in KNOWN_FILES:
        path = CATALOG_DIR / name
        if not path.exists():
            continue
        for ids in _source_lists(tomllib.loads(path.read_text(encoding="utf-8"))):
            referenced += len(ids)
            missing = set(ids) - known
            assert not missing, f"{name} cites unknown sources {sorted(missing)}"
    assert referenced > 50


def test_every_source_says_where_to_find_it() -> None:
    for sid, s in catalog.entries("sources").items():
        assert s.get("url") or s.get("citation"), sid
        assert s["title"].strip() and s["author"].strip(), sid


def test_required_places_exist_with_sane_coordinates() -> None:
    places = catalog.entries("places")
    for pid in REQUIRED_PLACES:
        assert pid in places, f"missing place {pid}"
        p = places[pid]
        # everything duel needs lies in Europe west of the Volga: a sign slip or swapped lat/lon fails here
        assert 44.0 < p["lat_deg"] < 62.0, (pid, p["lat_deg"])
        assert -1.0 < p["lon_deg"] < 46.0, (pid, p["lon_deg"])
        assert p["sources"] and p["note"].strip(), pid
    assert places["london"]["lon_deg"] < 0 < places["paris"]["lon_deg"]


def test_kapustin_yar_to_dnipro_distance_on_wgs84() -> None:
    from pyproj import Geod

    ky, dn = _place("kapustin-yar"), _place("dnipro")
    _, _, dist_m = Geod(ellps="WGS84").inv(ky.lon_deg, ky.lat_deg, dn.lon_deg, dn.lat_deg)
    assert 785.0 <= dist_m / 1000.0 <= 795.0


def test_krichev_is_the_airbase_east_of_krychaw() -> None:
    from pyproj import Geod

    base, town = _place("krichev"), _place("krychaw")
    az, _, dist_m = Geod(ellps="WGS84").inv(town.lon_deg, town.lat_deg, base.lon_deg, base.lat_deg)
    assert 10.0 < dist_m / 1000.0 < 16.0  # "13 km east of the city of Krychaw"
    assert 45.0 < az < 100.0


# ---------------------------------------------------------------------------------------------------
# missiles
# ---------------------------------------------------------------------------------------------------


def test_missile_lookup_is_case_insensitive_and_builds_the_vehicle() -> None:
    m = _missile("OreShnik")
    assert m.id == "oreshnik"
    assert len(m.stages) == 2
    assert m.objects == 36  # 6 warheads x 6 submunitions (HUR)
    assert _missile(" SCUD_B ").id == "scud-b"


def test_unknown_missile_suggests_close_names() -> None:
    with pytest.raises(InputError, match=r"unknown missile 'oreshnk'; did you mean oreshnik"):
        _missile("oreshnk")


def test_missile_uses_the_nominal_values() -> None:
    raw = catalog.entries("missiles")["oreshnik"]
    m = _missile("oreshnik")
    for built, table in zip(m.stages, raw["stages"], strict=True):
        assert built.gross_mass_kg == table["gross_mass_kg"]["nominal"]
        assert built.propellant_mass_kg == table["propellant_mass_kg"]["nominal"]
        assert built.burn_time_s == table["burn_time_s"]["nominal"]
        assert built.isp_vac_s == table["isp_vac_s"]["nominal"]
    assert m.stages[0].nozzle_exit_area_m2 == raw["stages"][0]["nozzle_exit_area_m2"]["nominal"]
    assert m.stages[1].nozzle_exit_area_m2 == 0.0  # absent -> constant thrust
    assert m.payload_mass_kg == raw["payload_mass_kg"]["nominal"]
    assert m.reentry_beta_kg_m2 == raw["reentry_beta_kg_m2"]["nominal"]
    assert m.drag_cd == raw["drag_cd"]


def test_scud_b_follows_forden_table_1_with_payload_on_top() -> None:
    m = _missile("scud-b")
    (stage,) = m.stages
    assert stage.gross_mass_kg == 4897.0  # Forden "fueled mass", payload excluded
    assert stage.gross_mass_kg - stage.propellant_mass_kg == 1198.0  # Forden dry mass
    assert stage.gross_mass_kg + m.payload_mass_kg == 5897.0  # the port's mass_initial
    assert (stage.isp_vac_s, stage.burn_time_s, stage.diameter_m) == (230.0, 75.0, 0.84)
    assert m.drag_mach == [0.0, 0.85, 1.0, 1.2, 2.0, 4.5]
    assert m.drag_cd == [0.20, 0.20, 0.27, 0.27, 0.20, 0.20]


def test_nodong_uses_the_corrected_diameter() -> None:
    m = _missile("nodong")
    assert m.stages[0].propellant_mass_kg == 16000.0
    assert 1.3 <= m.stages[0].diameter_m <= 1.36  # not the transcribed 0.88 m


def test_oreshnik_estimate_matches_the_reporting() -> None:
    raw = catalog.entries("missiles")["oreshnik"]
    m = _missile("oreshnik")
    launch = sum(s.gross_mass_kg for s in m.stages) + m.payload_mass_kg
    assert 35_000 <= launch <= 45_000  # "40-ton solid-fueled"
    assert 120.0 <= m.total_burn_s <= 180.0  # a 2-3 min boost
    assert m.payload_mass_kg == 1500.0  # "up to 1.5 t"
    rng = raw["reported_range_km"]
    assert (rng["low"], rng["nominal"], rng["high"]) == (5000.0, 5500.0, 5800.0)
    assert raw["status"] == "estimated"
    assert raw["reentry_beta_kg_m2"]["status"] == "notional"
    for stage in raw["stages"]:
        assert stage["isp_vac_s"]["status"] in ("estimated", "notional")
        assert 270.0 <= stage["isp_vac_s"]["nominal"] <= 300.0


def test_oreshnik_notes_quote_the_numbers_the_entry_holds() -> None:
    """Every note states the values the entry uses: the Isp, the launch mass and the ideal delta-v computed from
    the stages (a stale note quoting an earlier estimate fails here), and that the Isp values are tuned."""
    import math
    import re

    raw = catalog.entries("missiles")["oreshnik"]
    m = _missile("oreshnik")
    note = " ".join(raw["note"].split())
    isp = [s["isp_vac_s"]["nominal"] for s in raw["stages"]]
    assert f"Isp {isp[0]:.0f} and {isp[1]:.0f} s" in note
    launch = sum(s.gross_mass_kg for s in m.stages) + m.payload_mass_kg
    assert f"{launch:,.0f} kg" in note
    g0, above, dv = 9.80665, launch, 0.0
    for st in m.stages:
        dv += st.isp_vac_s * g0 * math.log(above / (above - st.propellant_mass_kg))
        above -= st.gross_mass_kg
    quoted = float(re.search(r"Ideal delta-v is ([0-9.]+) km/s", note).group(1))
    assert quoted == pytest.approx(dv / 1e3, abs=0.005)
    assert "TUNED" in raw["stages"][0]["isp_vac_s"]["note"] and "TUNED" in raw["stages"][1]["isp_vac_s"]["note"]
    assert "not a validation" in note and "DEPENDS ON THE DIRECTION" in note
    # a sea-level Isp quoted for the nozzle matches T = mdot g0 Isp_vac - p Ae at 101,325 Pa
    s1 = m.stages[0]
    mdot = s1.propellant_mass_kg / s1.burn_time_s
    isp_sl = s1.isp_vac_s - 101_325.0 * s1.nozzle_exit_area_m2 / (mdot * g0)
    quoted_sl = float(re.search(r"Isp about ([0-9]+) s at sea level", raw["stages"][0]["nozzle_exit_area_m2"]["note"]).group(1))
    assert quoted_sl == pytest.approx(isp_sl, abs=0.5)


def test_missile_sources_cover_entry_drag_and_every_value() -> None:
    cat = load_catalog()
    ids = cat.entry_sources(cat.record("missiles", "oreshnik"))
    assert len(ids) == len(set(ids))
    for expected in ("hur-2024-11-22-reuters", "rbc-2025-10-07", "mandiner-2025-12-30", "wright-port-missile-py"):
        assert expected in ids
    assert [s.id for s in cat.sources(ids)] == ids
    assert cat.source("rbc-2025-10-07").url.startswith("https://www.rbc.ru/")


def test_unknown_source_and_kind_suggest() -> None:
    with pytest.raises(InputError, match="unknown source 'rbc-2025'"):
        load_catalog().source("rbc-2025")
    with pytest.raises(InputError, match="unknown catalogue kind 'missile'; did you mean missiles"):
        catalog.entries("missile")


# ---------------------------------------------------------------------------------------------------
# places
# ---------------------------------------------------------------------------------------------------


def test_place_from_coordinates_and_ids() -> None:
    p = _place("50.45,30.52")
    assert (p.id, p.lat_deg, p.lon_deg, p.sources) == (None, 50.45, 30.52, [])
    assert _place(" -33.9 , 151.2 ").lon_deg == 151.2
    k = _place("KYIV")
    assert k.id == "kyiv" and k.sources
    assert _place("Rzeszów").id == "rzeszow"  # accents and case do not matter
    assert _place("Kapustin Yar").id == "kapustin-yar"


@pytest.mark.parametrize(
    ("spec", "pattern"),
    [
        ("abc", r"^--from: unknown place 'abc'"),
        ("dnipr", r"^--from: unknown place 'dnipr'; did you mean dnipro"),
        ("95,10", r"^--from: latitude 95 is outside -90\.\.90$"),
        ("10,200", r"^--from: longitude 200 is outside -180\.\.180$"),
        ("10", r"^--from: '10' is not a place id or LAT,LON"),
        ("10,20,30", r"^--from: '10,20,30' is not a place id or LAT,LON"),
        ("north,east", r"^--from: 'north,east' is not a place id or LAT,LON"),
        ("nan,10", r"^--from: 'nan,10' is not a place id or LAT,LON"),
        ("  ", r"^--from: empty"),
    ],
)
def test_bad_place_specs_name_the_option(spec: str, pattern: str) -> None:
    with pytest.raises(InputError, match=pattern):
        _place(spec, option="--from")


GEONAMES = {  # place id -> (GeoNames id, lat, lon) as published by GeoNames (cities dump, Nov 2026)
    "kyiv": (703448, 50.45466, 30.5238), "dnipro": (709930, 48.46664, 35.04066), "lviv": (702550, 49.83826, 24.02324),
    "warsaw": (756135, 52.22977, 21.01178), "rzeszow": (759734, 50.04132, 21.99901),
    "vilnius": (593116, 54.68916, 25.2798), "riga": (456172, 56.946, 24.10589), "minsk": (625144, 53.90019, 27.56653),
    "berlin": (2950159, 52.52437, 13.41053), "helsinki": (658225, 60.16952, 24.93545),
    "london": (2643743, 51.50853, -0.12574), "paris": (2988507, 48.85341, 2.3488),
    "brussels": (2800866, 50.85045, 4.34878), "lisbon": (2267057, 38.72509, -9.1498),
    "kaliningrad": (554234, 54.70639, 20.51102), "moscow": (524901, 55.75204, 37.61781),
    "krychaw": (626450, 53.71924, 31.71356), "asipovichy": (624034, 53.30588, 28.62872),
    "prague": (3067696, 50.08804, 14.42076), "vienna": (2761369, 48.20849, 16.37208),
    "budapest": (3054643, 47.49835, 19.04045), "bratislava": (3060972, 48.14816, 17.10674),
    "bucharest": (683506, 44.43225, 26.10626), "sofia": (727011, 42.69751, 23.32415),
    "belgrade": (792680, 44.80401, 20.46513), "zagreb": (3186886, 45.81444, 15.97798),
    "ljubljana": (3196359, 46.05108, 14.50513), "athens": (264371, 37.98376, 23.72784),
    "rome": (3169070, 41.89193, 12.51133), "madrid": (3117735, 40.4165, -3.70256),
    "dublin": (2964574, 53.33306, -6.24889), "amsterdam": (2759794, 52.37403, 4.88969),
    "copenhagen": (2618425, 55.67594, 12.56553), "oslo": (3143244, 59.91273, 10.74609),
    "stockholm": (2673730, 59.32938, 18.06871), "tallinn": (588409, 59.43696, 24.75353),
    "chisinau": (618426, 47.00556, 28.8575), "odesa": (698740, 46.47747, 30.73262),
    "kharkiv": (706483, 49.98081, 36.25272),
}  # fmt: skip
MILITARY_SITES = {"kapustin-yar", "krichev"}  # not populated places: in no gazetteer as such


def test_cities_take_the_gazetteer_point() -> None:
    """Every city and town is the GeoNames point, cites the 'geonames' source and names its GeoNames id; none
    cites Wikipedia. The military sites say where their point comes from and compare it with the gazetteer."""
    places = catalog.entries("places")
    assert set(places) == set(GEONAMES) | MILITARY_SITES, "a new place needs its gazetteer point (or a reason)"
    assert load_catalog().source("geonames").url == "https://www.geonames.org/"
    for pid, (gid, lat, lon) in GEONAMES.items():
        p = places[pid]
        assert (p["lat_deg"], p["lon_deg"]) == (lat, lon), pid
        assert p["sources"] == ["geonames"] and p["status"] == "reported", pid
        assert f"https://www.geonames.org/{gid}" in p["note"], pid
    for pid in MILITARY_SITES:
        note = places[pid]["note"]
        assert "not a populated place" in note and "GeoNames" in note, pid
    assert "geonames" in places["kapustin-yar"]["sources"]


def test_no_reported_ceiling_or_floor_is_one_test_s_altitude() -> None:
    """'reported' only where a source states that very figure for that very quantity: SAMP/T NG's 25 km is one
    test target's altitude and Arrow 3's 100 km a typical intercept altitude, so both are estimated, and say so."""
    ints = catalog.entries("interceptors")
    for iid, field in (("samp-t-b1nt", "max_intercept_altitude_km"), ("arrow-3", "min_intercept_altitude_km")):
        v = ints[iid][field]
        assert v["status"] == "estimated" and v["sources"], (iid, field)
        assert v["note"].startswith("Estimated, not a reported"), (iid, field)
    # every remaining reported envelope figure is one its source states (the source's note quotes it)
    reported = {(iid, k) for iid, e in ints.items() for k, v in e.items()
                if isinstance(v, dict) and v.get("status") == "reported" and k.endswith(("_altitude_km", "_range_km"))}
    assert reported == {("thaad", "max_intercept_altitude_km"), ("thaad", "max_ground_range_km"),
                        ("sm-3-iia", "max_intercept_altitude_km"), ("sm-3-iia", "max_ground_range_km")}
    cat = load_catalog()
    for iid, field in reported:
        v = ints[iid][field]
        figure = f"{v['nominal']:,.0f} km"
        assert any(figure in (cat.source(sid).note or "") or f"{v['nominal']:.0f} km" in (cat.source(sid).note or "")
                   for sid in v["sources"]), (iid, field, figure)
    assert not [k for e in catalog.entries("sensors").values() for k, v in e.items()
                if isinstance(v, dict) and v.get("status") == "reported"]


# ---------------------------------------------------------------------------------------------------
# broken catalogues: file, entry and field in the message
# ---------------------------------------------------------------------------------------------------


def test_broken_stage_names_file_entry_and_field(tmp_path: Path) -> None:
    d = _copy_catalog(tmp_path)
    _replace(
        d / "missiles.toml",
        'gross_mass_kg = { nominal = 11500.0, low = 10000.0,',
        'gross_mass_kg = { nominal = 10000.0, low = 9000.0,',
    )
    with pytest.raises(InputError) as exc:
        load_catalog(d)
    assert str(exc.value).startswith(
        "catalog missiles.toml: oreshnik.stages[1].propellant_mass_kg: must be below gross_mass_kg"
    )


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "missiles.toml",
            "payload_mass_kg = { nominal = 1000.0, status",
            "payload_mass_kg = { nominal = -1000.0, status",
            "catalog missiles.toml: scud-b.payload_mass_kg.nominal: must be > 0",
        ),
        (
            "missiles.toml",
            'sources = ["mandiner-2025-12-30"], note = "\'About 1.9 m\'',
            'sources = ["mandiner-2025"], note = "\'About 1.9 m\'',
            "catalog missiles.toml: oreshnik.stages[0].diameter_m.sources: unknown source 'mandiner-2025'; "
            "did you mean mandiner-2025-12-30",
        ),
        (
            "missiles.toml",
            "pitch_vertical_s = { nominal = 10.0, low = 5.0, high = 15.0, status = \"estimated\"",
            "pitch_vertical_s = { nominal = 10.0, low = 12.0, high = 15.0, status = \"estimated\"",
            "catalog missiles.toml: scud-b.pitch_vertical_s.low: low (12) must not exceed nominal (10)",
        ),
        (
            "missiles.toml",
            'warheads = { nominal = 6, status = "reported", sources = ["hur-2024-11-22-reuters"]',
            'warheads = { nominal = 6, status = "reported", sources = []',
            "catalog missiles.toml: oreshnik.warheads.sources: a reported value needs at least one source",
        ),
        (
            "missiles.toml",
            "[[oreshnik.stages]]\nnote",
            "[[oreshnik.stages]]\nthrust_n = 1e6\nnote",
            "catalog missiles.toml: oreshnik.stages[0].thrust_n: unknown key",
        ),
        (
            "places.toml",
            "lat_deg = 48.46664",
            "lat_deg = 148.46664",
            "catalog places.toml: dnipro.lat_deg: must be less than or equal to 90",
        ),
        (
            "places.toml",
            'lon_deg = 30.5238\nstatus = "reported"',
            'lon_deg = "30.5238"\nstatus = "reported"',
            "catalog places.toml: kyiv.lon_deg: must be a number (got '30.5238')",
        ),
        (
            "sources.toml",
            'url = "https://www.rbc.ru/politics/07/10/2025/68e516e69a7947cd3c95a018"',
            'url = "www.rbc.ru/politics"',
            "catalog sources.toml: rbc-2025-10-07.url: must be an http(s) address",
        ),
    ],
)
def test_broken_values_name_file_entry_and_field(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    d = _copy_catalog(tmp_path)
    _replace(d / file, old, new)
    with pytest.raises(InputError) as exc:
        load_catalog(d)
    assert str(exc.value).startswith(message), str(exc.value)


def test_value_table_required_for_numbers(tmp_path: Path) -> None:
    d = _copy_catalog(tmp_path)
    _replace(d / "missiles.toml", 'reported_range_km = { nominal = 300.0, status = "reported", sources = ["levinger-2005-presets"], note = "The widely published Scud-B range with a 1,000 kg payload." }', "reported_range_km = 300")
    with pytest.raises(InputError, match=r"^catalog missiles\.toml: scud-b\.reported_range_km: must be a value table"):
        load_catalog(d)


def test_duplicate_source_ids_across_files_are_rejected(tmp_path: Path) -> None:
    d = _copy_catalog(tmp_path)
    (d / "sources-extra.toml").write_text(
        '[rbc-2025-10-07]\ntitle = "t"\nauthor = "a"\nyear = 2025\nurl = "https://example.org/"\n', encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"catalog sources\.toml: rbc-2025-10-07: duplicate source id \(also in sources-extra\.toml\)"):
        load_catalog(d)


def test_invalid_toml_and_bad_ids_are_reported_per_file(tmp_path: Path) -> None:
    d = _copy_catalog(tmp_path)
    (d / "places.toml").write_text("[dnipro\nname = 'x'\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^catalog places\.toml: not valid TOML"):
        load_catalog(d)
    (d / "places.toml").write_text('[Dnipro_City]\nname = "x"\n', encoding="utf-8")
    catalog.clear_cache()
    with pytest.raises(InputError, match=r"^catalog places\.toml: Dnipro_City: ids must be lowercase"):
        load_catalog(d)


def test_sensor_kind_selects_its_fields(tmp_path: Path) -> None:
    d = tmp_path
    shutil.copy(CATALOG_DIR / "sources.toml", d / "sources.toml")
    (d / "sensors.toml").write_text(
        '[eye]\nname = "x"\nkind = "space-ir"\nstatus = "notional"\nsources = []\nnote = "n"\n'
        'detection_delay_s = { nominal = 20.0, status = "notional" }\n'
        'track_latency_s = { nominal = 60.0, status = "notional" }\n'
        'max_range_km = { nominal = 1000.0, status = "notional" }\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"^catalog sensors\.toml: eye\.max_range_km: unknown key"):
        load_catalog(d)


def test_load_catalog_is_cached_per_directory(tmp_path: Path) -> None:
    assert load_catalog() is load_catalog(CATALOG_DIR)
    other = load_catalog(_copy_catalog(tmp_path))
    assert other is not load_catalog()
    assert other.entries("places") == load_catalog().entries("places")


def test_import_is_light() -> None:
    code = "import sys, duel.catalog, duel.commands.catalog; assert 'numpy' not in sys.modules, 'numpy imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# ---------------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------------


def test_cli_catalog_missiles_json() -> None:
    res = _cli("catalog", "missiles", "--format", "json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert {"scud-b", "nodong", "oreshnik"} <= set(data)
    assert data["oreshnik"]["reported_range_km"]["sources"]


@pytest.mark.parametrize("kind", ["missiles", "places", "sources", "interceptors", "sensors"])
def test_cli_catalog_tables(kind: str) -> None:
    res = _cli("catalog", kind)
    assert res.returncode == 0, res.stderr
    if catalog.entries(kind):
        first = next(iter(catalog.entries(kind)))
        assert first in res.stdout


def test_cli_unknown_kind_is_a_usage_error() -> None:
    res = _cli("catalog", "rockets")
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert "rockets" in res.stderr


def test_nothing_points_to_files_outside_the_repository() -> None:
    """A reader can follow every reference: no note, source or doc cites a file that is not in the repository
    (the team's research notes, design notes or ../shared); each cites the public source instead."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    outside = re.compile(r"research/[a-z_-]+\.md|\bdesign\.md|\.\./shared|shared/research")
    files = [*root.glob("src/duel/**/*.toml"), *root.glob("src/duel/**/*.py"), *root.glob("docs/*.md"),
             root / "README.md", *root.glob("scenarios/*.toml"), *root.glob("tests/golden/*.json")]
    hits = [f"{p.relative_to(root)}:{i}" for p in files
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if outside.search(line)]
    assert len(files) > 40 and hits == []
