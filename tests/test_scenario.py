"""Scenario files: the template validates; every kind of bad file is one exact line and exit 2; fuzzing never
gives a traceback."""

from __future__ import annotations

import tomllib
from importlib.resources import files

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duel.errors import InputError
from duel.scenario import parse_scenario

TEMPLATE = files("duel").joinpath("scenario", "template.toml").read_text(encoding="utf-8")

# (name, old text, new text, expected message after "<file>: ")
BAD = [
    ("unknown table", "[outputs]", "[extra]\nx = 1\n\n[outputs]",
     "extra: unknown key; allowed: scenario, threat, notice, sensors, batteries, doctrine, fixed, uncertain, "
     "dispersion, montecarlo, claims, outputs"),
    ("unknown key", 'trajectory = "min-energy"', 'trajectory = "min-energy"\nspeed = 3',
     "threat.speed: unknown key; allowed: missile, launch, target, trajectory, launch_time_utc, warheads, "
     "submunitions_per_warhead, decoys, p_decoy_engaged, beta_kg_m2, separation_altitude_km, compare"),
    # a typo of a known key says which (and is named before the key it leaves missing)
    ("misspelt key", 'missile = "oreshnik"', 'misile = "oreshnik"', "threat.misile: unknown key; did you mean missile?"),
    ("misspelt table", "[doctrine]", "[doctrin]", "doctrin: unknown key; did you mean doctrine?"),
    ("misspelt key in a list", 'type = "pac-3-mse"', 'tpye = "pac-3-mse"', "batteries[0].tpye: unknown key; did you mean type?"),
    ("misspelt distribution key", '"assumption.rcs_m2" = { dist = "band" }', '"assumption.rcs_m2" = { dsit = "band" }',
     "uncertain.assumption.rcs_m2.dsit: unknown key; did you mean dist?"),
    # a battery position that is not a place, LAT,LON or an offset shows the offset form
    ("offset without km@AZ", 'at = "kyiv"', 'at = "kyiv+15"',
     "batteries[0].at: 'kyiv+15' is not a place id, LAT,LON or [PLACE]+DISTkm@AZ (e.g. kyiv+15km@90, or +15km@90 "
     "from the target)"),
    ("offset without azimuth", 'at = "+20km@90"', 'at = "+20km"',
     "batteries[1].at: '+20km' is not a place id, LAT,LON or [PLACE]+DISTkm@AZ (e.g. kyiv+15km@90, or +15km@90 "
     "from the target)"),
    ("missing key", 'target = "kyiv"\n', "", "threat.target: required key is missing"),
    ("misspelt table header", "[threat]", "[threatx]", "threatx: unknown key; did you mean threat?"),
    ("wrong type", "shots = 2 ", 'shots = "two" ',
     "doctrine.shots: Input should be a valid integer, unable to parse string as an integer (got 'two')"),
    ("negative count", "# decoys = 0", "decoys = -1", "threat.decoys: Input should be greater than or equal to 0 (got -1)"),
    ("probability above 1", "# p_decoy_engaged = 1.0", "p_decoy_engaged = 1.5",
     "threat.p_decoy_engaged: Input should be less than or equal to 1 (got 1.5)"),
    ("bad choice", 'mode = "salvo"', 'mode = "barrage"', "doctrine.mode: Input should be 'salvo' or 'sls' (got 'barrage')"),
    ("bad shape", 'trajectory = "min-energy"', 'trajectory = "loftd"',
     "threat.trajectory: unknown shape 'loftd'; use one of min-energy, lofted, depressed, max-range, apogee:KM, "
     "flight-time:SECONDS"),
    ("negative magazine", "# magazine = 72", "magazine = -5",
     "batteries[0].magazine: Input should be greater than or equal to 0 (got -5)"),
    ("negative notice", "# lead_min = 30 ", "lead_min = -30 ",
     "notice.lead_min: Input should be greater than or equal to 0 (got -30)"),
    ("bad notice content", '# content = "window"', 'content = "everything"',
     "notice.content: Input should be 'window', 'launch-area' or 'impact-area' (got 'everything')"),
    ("bad time", '# launch_time_utc = "2024-11-21T03:00:00Z"', 'launch_time_utc = "yesterday"',
     "threat.launch_time_utc: 'yesterday' is not an ISO 8601 time such as 2024-11-21T03:00:00Z"),
    ("zero trials", '[montecarlo]\ntrials = "auto"', "[montecarlo]\ntrials = 0",
     'montecarlo.trials: must be "auto" or a whole number from 1 to 1,000,000, got 0'),
    ("bad fixed value", '# "interceptor.thaad.simultaneous_engagements" = 8',
     '"interceptor.thaad.simultaneous_engagements" = 2.5',
     "fixed.interceptor.thaad.simultaneous_engagements: a whole number >= 1, got 2.5"),
    ("bad fixed path", '# "interceptor.thaad.simultaneous_engagements" = 8', '"interceptor.thaad.colour" = 8',
     "fixed.interceptor.thaad.colour: unknown input 'interceptor.thaad.colour'; closest: interceptor.thaad.sspk, "
     "interceptor.thaad.decision_delay_s, interceptor.thaad.max_ground_range_km"),
    ("narrow band outside the range", '# "interceptor.pac-3-mse.sspk" = { dist = "band", low = 0.5, high = 0.9 }',
     '"interceptor.pac-3-mse.sspk" = { dist = "band", low = 0.5, high = 1.5 }',
     "uncertain.interceptor.pac-3-mse.sspk.high: a probability within [0, 1], got 1.5"),
    ("bad claim test", 'test = "no-chance"', 'test = "maybe"',
     "claims[0].test: Input should be 'no-chance', 'certain-stop', 'flight-time-at-most', 'flight-time-about' or "
     "'mach-at-least' (got 'maybe')"),
    ("uncertain path", '"assumption.rcs_m2" = { dist = "band" }', '"interceptor.thaad.colour" = { dist = "band" }',
     # [uncertain] keys are checked against the input registry when the scenario is resolved
     "uncertain.interceptor.thaad.colour: unknown input 'interceptor.thaad.colour'; closest: "
     "interceptor.thaad.sspk, interceptor.thaad.decision_delay_s, interceptor.thaad.max_ground_range_km"),
    ("uncertain input not drawable", '"assumption.rcs_m2" = { dist = "band" }', '"threat.decoys" = { dist = "band" }',
     "uncertain.threat.decoys: cannot be drawn per trial (it changes the aimed flight or the raid's structure); "
     "pin it with --set instead"),
    ("distribution parameters", '"assumption.rcs_m2" = { dist = "band" }',
     '"assumption.rcs_m2" = { dist = "uniform", low = 0.1 }', "uncertain.assumption.rcs_m2: dist = 'uniform' needs high"),
    ("distribution order", '"assumption.rcs_m2" = { dist = "band" }',
     '"assumption.rcs_m2" = { dist = "uniform", low = 0.1, high = 0.01 }',
     "uncertain.assumption.rcs_m2: low (0.1) must be below high (0.01)"),
    ("not TOML", "[scenario]", "[scenario", "not valid TOML: Expected ']' at the end of a table declaration (at line 8, column 10)"),
    # catalogue references, checked by 'duel scenario check' without flying
    ("unknown missile", 'missile = "oreshnik"', 'missile = "oreshnk"', "threat.missile: unknown missile 'oreshnk'; did you mean oreshnik?"),
    ("unknown place", 'target = "kyiv"', 'target = "kiev"',
     "threat.target: unknown place 'kiev'; did you mean kyiv, krichev, kharkiv?; or give LAT,LON in decimal degrees (e.g. 50.45,30.52)"),
    ("coordinates out of range", 'target = "kyiv"', 'target = "95,30"', "threat.target: latitude 95 is outside -90..90"),
    ("unknown interceptor", 'type = "pac-3-mse"', 'type = "pac-4"',
     "batteries[0]: unknown interceptor 'pac-4'; did you mean pac-3-mse, pac-3-cri, pac-2-gem-t?"),
    ("uncertain type without battery", '"interceptor.thaad.sspk" = { dist = "band" }',
     '"interceptor.arrow-3.sspk" = { dist = "band" }',
     "uncertain.interceptor.arrow-3.sspk: no battery of type 'arrow-3' in this scenario"),
    ("unknown early warning", '# early_warning = "sbirs"', 'early_warning = "dsp-9"',
     "sensors.early_warning: one of sbirs, none, got 'dsp-9'"),
]


def test_template_is_valid(duel, tmp_path) -> None:
    path = tmp_path / "new.toml"
    r = duel("scenario", "new", str(path))
    assert r.code == 0, r.err
    r = duel("scenario", "check", str(path))
    assert r.code == 0, r.err
    assert r.out.startswith(f"ok: {path}")


@pytest.mark.parametrize("name,old,new,message", BAD, ids=[b[0] for b in BAD])
def test_bad_scenario_is_one_exact_line(duel, tmp_path, name: str, old: str, new: str, message: str) -> None:
    assert old in TEMPLATE, name
    path = tmp_path / "bad.toml"
    path.write_text(TEMPLATE.replace(old, new, 1), encoding="utf-8")
    r = duel("scenario", "check", str(path))
    assert r.code == 2, (name, r.out, r.err)
    assert "Traceback" not in r.err
    assert r.err == f"error: {path}: {message}\n"


def test_signed_coordinates_and_offsets_are_positions() -> None:
    """The position check refuses only what is none of the forms: signed LAT,LON and offsets pass."""
    doc = tomllib.loads(TEMPLATE)
    for at in ("+50.45,+30.52", "-33.9,18.4", "kyiv+15km@90", "+15.5km@-45", "Kyiv", "50.45,30.52"):
        doc["batteries"][0]["at"] = at
        assert parse_scenario(doc, "t.toml").batteries[0].at == at


def test_missing_file(duel, tmp_path) -> None:
    r = duel("scenario", "check", str(tmp_path / "nope.toml"))
    assert r.code == 2 and r.err == f"error: {tmp_path / 'nope.toml'}: scenario file not found\n"


def test_shipped_scenarios_validate(duel) -> None:
    from pathlib import Path

    shipped = sorted(Path(__file__).resolve().parent.parent.joinpath("scenarios").glob("*.toml"))
    assert {p.stem for p in shipped} >= {"dnipro-2024", "kyiv-duel", "kyiv-duel-belarus", "lviv-2026"}
    for p in shipped:
        r = duel("scenario", "check", str(p))
        assert r.code == 0, (p, r.err)
        text = p.read_text()
        assert text.startswith("#") and "What it models" in text and "What is assumed" in text


# ---------------------------------------------------------------------------------------------- fuzzing
BASE = tomllib.loads(TEMPLATE)
values = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                   st.text(max_size=12), st.lists(st.integers(-3, 3), max_size=3),
                   st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


@st.composite
def mutated(draw):  # a template with one value replaced, one key deleted or one key added
    doc = {k: (dict(v) if isinstance(v, dict) else [dict(x) for x in v] if isinstance(v, list) else v)
           for k, v in BASE.items()}
    table = draw(st.sampled_from(sorted(doc)))
    target = doc[table]
    if isinstance(target, list):
        target = target[draw(st.integers(0, len(target) - 1))] if target else {}
    keys = sorted(target) if isinstance(target, dict) else []
    op = draw(st.sampled_from(["set", "delete", "add"]))
    if op == "set" and keys:
        target[draw(st.sampled_from(keys))] = draw(values)
    elif op == "delete" and keys:
        del target[draw(st.sampled_from(keys))]
    elif isinstance(target, dict):
        target[draw(st.text(min_size=1, max_size=8))] = draw(values)
    return doc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_fuzzed_scenarios_fail_only_with_input_errors(doc) -> None:
    from duel.pipeline import check_scenario

    try:
        sc = parse_scenario(doc, "fuzz.toml")
        check_scenario(sc)
    except InputError as exc:
        msg = str(exc)
        assert msg and "\n" not in msg and "Traceback" not in msg
