"""The input registry: every number the model reads is an input with a path, unit, band, status and sources;
``duel inputs`` lists them; ``--set`` changes them (in the expected direction) or fails in one line."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import small_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from duel.errors import InputError
from duel.scenario.inputs import Inputs, command_inputs, parse_set
from duel.scenario.registry import Registry

REG = Registry.default()
KEYS = ("path", "label", "unit", "nominal", "low", "high", "status", "sources")


@pytest.fixture(scope="module")
def listed(duel) -> list[dict]:
    r = duel("inputs", "--format", "json")
    assert r.code == 0, r.err
    return r.json()


def test_duel_inputs_lists_every_input_with_its_keys(listed) -> None:
    assert [r["path"] for r in listed] == [s.path for s in REG]
    for r in listed:
        assert set(KEYS) <= set(r), r
        assert r["status"] in ("reported", "estimated", "notional")
        assert r["label"] and r["path"].count(".") >= 1
        if r["status"] in ("reported", "estimated"):
            assert r["sources"], r["path"]  # a reported or estimated number names its source
        if r["low"] is not None and isinstance(r["nominal"], (int, float)):
            assert r["low"] <= r["nominal"] <= r["high"], r["path"]
    prefixes = {r["path"].split(".")[0] for r in listed}
    assert {"missile", "interceptor", "sensor", "place", "assumption", "doctrine", "notice", "verdict",
            "montecarlo"} <= prefixes


def test_duel_inputs_grep_and_scenario(duel, tmp_path) -> None:
    r = duel("inputs", "--grep", "thaad", "--format", "json")
    assert r.code == 0 and r.json() and all("thaad" in (x["path"] + x["label"] + x["note"]).lower() for x in r.json())
    p = tmp_path / "s.toml"
    p.write_text(small_scenario(), encoding="utf-8")
    r = duel("inputs", str(p), "--grep", "doctrine.p_track", "--format", "json")
    row = next(x for x in r.json() if x["path"] == "doctrine.p_track")
    assert (row["value"], row["status"]) == (0.9, "user-set")  # the scenario sets it
    r = duel("inputs", "--grep", "no-such-input-anywhere")
    assert r.code == 0 and "no input matches" in r.out


def test_catalogue_records_are_read_by_the_registry_only(tmp_path, monkeypatch) -> None:
    """While a duel runs, every call into the catalogue's lookups comes from the registry or the inputs."""
    import inspect

    from duel.catalog.lookups import Catalog
    from duel.pipeline import run_scenario
    from duel.scenario import load_scenario

    callers: set[str] = set()
    for name in ("record", "records", "entries", "place", "resolve", "entry_sources", "source"):
        original = getattr(Catalog, name)

        def spy(self, *a, _original=original, **k):
            callers.add(inspect.stack()[1].frame.f_globals["__name__"])
            return _original(self, *a, **k)

        monkeypatch.setattr(Catalog, name, spy)
    p = tmp_path / "s.toml"
    p.write_text(small_scenario(trials=4), encoding="utf-8")
    run_scenario(load_scenario(p))
    assert callers and callers <= {"duel.scenario.registry", "duel.scenario.inputs", "duel.catalog.lookups"}, callers


# ------------------------------------------------------------------------------------------ --set
@pytest.fixture(scope="module")
def raid_file(tmp_path_factory) -> Path:
    """36 objects against one THAAD battery whose 4 fire channels bind."""
    p = tmp_path_factory.mktemp("set") / "raid.toml"
    text = small_scenario(trials=1).replace("warheads = 1\nsubmunitions_per_warhead = 1\n", "")
    p.write_text(text, encoding="utf-8")
    return p


def _leakers(path: Path, *sets: str) -> float:
    from duel.pipeline import run_scenario
    from duel.scenario import load_scenario

    sets = (*sets, "montecarlo.nominal_raid_trials=4000")  # where limits bind: 4,000 realisations (s.e. < 0.06)
    return run_scenario(load_scenario(path), sets=sets).document["nominal"]["expected_leakers"]


def test_more_fire_channels_cannot_raise_the_leakers(raid_file) -> None:
    """36 submunitions released before any intercept (separation at 1,000 km): 4 more channels engage 4 more
    objects; released late (the battery faces the 6 warheads), 4 channels leave 2 warheads unengaged."""
    subs = "threat.separation_altitude_km=1000"
    four = _leakers(raid_file, subs, "interceptor.thaad.simultaneous_engagements=4")
    eight = _leakers(raid_file, subs, "interceptor.thaad.simultaneous_engagements=8")
    assert eight < four - 2.0  # the channels bind: 4 more engaged objects, about 0.8 kills each
    assert four > 30.0
    whole = "threat.separation_altitude_km=0"
    four_w = _leakers(raid_file, whole, "interceptor.thaad.simultaneous_engagements=4")
    eight_w = _leakers(raid_file, whole, "interceptor.thaad.simultaneous_engagements=8")
    assert eight_w < four_w and 12.0 <= four_w < four


def test_a_better_sspk_cannot_raise_the_leakers(tmp_path) -> None:
    p = tmp_path / "one.toml"
    p.write_text(small_scenario(trials=1), encoding="utf-8")
    low, high = (_leakers(p, f"interceptor.thaad.sspk={x}") for x in (0.5, 0.9))
    assert high < low
    # one warhead, two shots, P_track 0.9, closed form: leakers = 1 - 0.9 (1 - (1 - SSPK)^2)
    assert low == pytest.approx(1 - 0.9 * (1 - 0.5**2), abs=1e-12)
    assert high == pytest.approx(1 - 0.9 * (1 - 0.1**2), abs=1e-12)


def test_set_overrides_the_scenario_and_is_user_set(tmp_path) -> None:
    from duel.pipeline import resolve
    from duel.scenario import load_scenario

    p = tmp_path / "s.toml"
    p.write_text(small_scenario(p_track=0.9), encoding="utf-8")
    s = resolve(load_scenario(p), ("doctrine.p_track=0.7", "assumption.rcs_m2=0.1"))
    assert s.defence.p_track == 0.7 and s.defence.params.rcs_m2 == 0.1
    assert s.inputs.status("assumption.rcs_m2") == "user-set"
    assert s.inputs.status("interceptor.thaad.track_formation_s") == "notional"


BAD_SETS = [
    ("interceptor.thad.sspk=0.5", ["--set", "interceptor.thaad.sspk"]),  # typo: the closest paths
    ("interceptor.thaad.sspk=1.5", ["--set interceptor.thaad.sspk", "probability", "[0, 1]"]),
    ("assumption.rcs_m2=3km", ["--set assumption.rcs_m2", "m^2", "3km"]),  # a unit written after the number
    ("interceptor.thaad.simultaneous_engagements=4.5", ["whole number"]),
    ("doctrine.mode=volley", ["one of salvo, sls"]),
    ("no-equals-sign", ["PATH=VALUE"]),
]


@pytest.mark.parametrize("arg, names", BAD_SETS)
def test_bad_set_is_one_line_naming_the_input(arg, names) -> None:
    with pytest.raises(InputError) as exc:
        parse_set(REG, arg)
    for n in names:
        assert n in str(exc.value), (n, str(exc.value))


@pytest.mark.parametrize("command", ["run", "trials", "engage"])
def test_bad_set_exits_2_with_one_line(duel, tmp_path, command) -> None:
    p = tmp_path / "s.toml"
    p.write_text(small_scenario(trials=1), encoding="utf-8")
    where = (["--missile", "oreshnik", "--from", "kapustin-yar", "--to", "kyiv", "--battery", "thaad@kyiv"]
             if command == "engage" else [str(p), "--out", str(tmp_path / "o")])
    r = duel(command, *where, "--set", "interceptor.thaad.sspk=1.5")
    assert r.code == 2, r.err
    assert r.err.count("\n") == 1 and "Traceback" not in r.err
    assert "--set interceptor.thaad.sspk: a probability within [0, 1], got 1.5" in r.err


@settings(max_examples=60, deadline=None)
@given(spec=st.sampled_from([s for s in REG if s.numeric]), x=st.floats(allow_nan=True, allow_infinity=True))
def test_parse_accepts_exactly_the_physical_range(spec, x) -> None:
    """A number inside the input's physical range is accepted (whole kinds: whole numbers); outside, NaN or
    infinite is refused naming the input, its unit and range."""
    lo, hi = spec.bounds()
    inside = math.isfinite(x) and lo <= x <= hi and (spec.kind not in ("count", "whole") or float(x).is_integer())
    if inside:
        assert parse_set(REG, f"{spec.path}={x!r}")[1] == pytest.approx(x)
    else:
        with pytest.raises(InputError, match=f"--set {spec.path}"):
            parse_set(REG, f"{spec.path}={x!r}")


def test_shorthand_and_user_missile_paths(tmp_path) -> None:
    i = command_inputs(("missile.reentry_beta_kg_m2=9000",), "oreshnik")
    assert i["missile.oreshnik.reentry_beta_kg_m2"] == 9000.0
    assert isinstance(Inputs(REG)["missile.oreshnik.reentry_beta_kg_m2"], float)
    with pytest.raises(InputError, match="unknown input"):
        command_inputs(("missile.reentry_beta_kg_m2=9000",))  # no missile: no shorthand
