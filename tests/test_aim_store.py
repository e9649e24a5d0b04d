"""The store of solved aims (duel.flight.aim_store): the same flights and results with and without it; an entry
is used only where its flight replays to the same impact; any change of what an aim depends on is a new key."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import set_in_table, small_scenario
from duel.errors import InputError
from duel.flight import aim_store
from duel.flight.aim import AimResult, Target, parse_shape
from duel.flight.aim_store import AimStore, StoredAim, aim_key, aim_staged_stored
from duel.flight.dynamics import Physics
from duel.flight.stepping import StepPolicy
from duel.flight.vehicles import staged_missile
from duel.physics.earth import earth_model
from duel.scenario.inputs import Inputs
from duel.scenario.registry import Registry

PHYSICS = Physics(earth_model("wgs84"))
INPUTS = Inputs(Registry.default())
ORESHNIK = staged_missile(INPUTS, "oreshnik")
KYIV = INPUTS.place("kyiv", "--to")
KRICHEV, KAPUSTIN = INPUTS.place("krichev", "--from"), INPUTS.place("kapustin-yar", "--from")
# min-energy (cut-off free), lofted (kick free), apogee (both free), max-range (full burn) and a refusal
CASES = [(KRICHEV, "min-energy"), (KRICHEV, "lofted"), (KAPUSTIN, "apogee:400"), (KAPUSTIN, "max-range"),
         (KRICHEV, "flight-time:5000")]
TARGETS = [Target.between(p.lat_deg, p.lon_deg, KYIV.lat_deg, KYIV.lon_deg, PHYSICS) for p, _ in CASES]
SHAPES = [parse_shape(s) for _, s in CASES]


def _same(a: AimResult | InputError, b: AimResult | InputError) -> None:
    """Bit for bit: the answer and the recorded flight (times, states, events)."""
    if isinstance(a, InputError) or isinstance(b, InputError):
        assert str(a) == str(b)
        return
    assert (a.azimuth_deg, a.params, a.miss_m, a.iterations, a.shape) == (
        b.azimuth_deg, b.params, b.miss_m, b.iterations, b.shape)
    ta, tb = a.trajectory, b.trajectory
    n = int(np.isfinite(ta.t).sum())  # recorded steps (a flight aimed in a batch may carry padding after them)
    assert n > 100 and n == np.isfinite(tb.t).sum()
    assert np.array_equal(ta.t[:, :n], tb.t[:, :n]) and np.array_equal(ta.state[:, :n], tb.state[:, :n])
    for field in dataclasses.fields(ta.log):
        la, lb = getattr(ta.log, field.name), getattr(tb.log, field.name)
        if isinstance(la, dict):
            assert la.keys() == lb.keys() and all(np.array_equal(la[k], lb[k], equal_nan=True) for k in la)
        else:
            assert np.array_equal(la, lb, equal_nan=np.asarray(la).dtype.kind == "f"), field.name


@pytest.fixture(scope="module")
def fresh() -> list[AimResult | InputError]:
    return aim_staged_stored(ORESHNIK, TARGETS, SHAPES, PHYSICS, store=None)


def test_stored_aims_are_flown_once_to_the_same_flights(fresh, tmp_path, monkeypatch) -> None:
    store = AimStore(tmp_path)
    first = aim_staged_stored(ORESHNIK, TARGETS, SHAPES, PHYSICS, store=store)
    assert len(list(tmp_path.glob("*.json"))) == 4  # every answer, no refusal
    searched: list[int] = []
    real = aim_store.aim_staged_many

    def counting(missile, targets, *args, **kwargs):
        searched.append(len(targets))
        return real(missile, targets, *args, **kwargs)

    monkeypatch.setattr(aim_store, "aim_staged_many", counting)
    again = aim_staged_stored(ORESHNIK, TARGETS, SHAPES, PHYSICS, store=store)
    assert searched == [1]  # only the refusal is searched for again
    assert isinstance(fresh[-1], InputError) and "flight-time:5000" in str(fresh[-1])
    for a, b, c in zip(fresh, first, again):
        _same(a, b)
        _same(a, c)


def test_an_entry_whose_flight_lands_elsewhere_is_aimed_afresh_and_replaced(fresh, tmp_path) -> None:
    store = AimStore(tmp_path)
    key = aim_key(ORESHNIK, TARGETS[0], SHAPES[0], PHYSICS, None, StepPolicy())
    right = fresh[0]
    assert isinstance(right, AimResult)
    # another azimuth under the right miss (a stale or edited entry): it no longer lands there, so it is not used
    store.save(key, StoredAim(right.azimuth_deg + 0.01, dict(right.params), right.miss_m, right.iterations))
    got = aim_staged_stored(ORESHNIK, TARGETS[:1], SHAPES[:1], PHYSICS, store=store)[0]
    _same(right, got)
    assert store.load(key) == StoredAim(right.azimuth_deg, dict(right.params), right.miss_m, right.iterations)


@pytest.mark.parametrize("text", [
    "", "{", "[]", '{"azimuth_deg": 1}', '{"azimuth_deg": "x", "params": {}, "miss_m": 0, "iterations": 1}',
    '{"azimuth_deg": 1, "params": {"kick_deg": "a"}, "miss_m": 0, "iterations": 1}',
    '{"azimuth_deg": 1, "params": {}, "miss_m": 0, "iterations": 1}',
    '{"azimuth_deg": 1, "params": {"kick_deg": 1, "cutoff_s": NaN, "cutoff_stage": 2}, "miss_m": 0, "iterations": 1}',
    '{"azimuth_deg": true, "params": {"kick_deg": 1, "cutoff_s": 9, "cutoff_stage": 2}, "miss_m": 0, "iterations": 1}',
    '{"azimuth_deg": 1, "params": {"kick_deg": 1, "cutoff_s": 9, "cutoff_stage": 2}, "miss_m": 0, "iterations": 1.5}'])
def test_an_unreadable_entry_is_no_entry(tmp_path, text: str) -> None:
    (tmp_path / "k.json").write_text(text, encoding="utf-8")
    assert AimStore(tmp_path).load("k") is None


def test_an_entry_that_cannot_be_flown_is_aimed_afresh(fresh, tmp_path, monkeypatch) -> None:
    store = AimStore(tmp_path)
    key = aim_key(ORESHNIK, TARGETS[0], SHAPES[0], PHYSICS, None, StepPolicy())
    right = fresh[0]
    store.save(key, StoredAim(right.azimuth_deg, dict(right.params), right.miss_m, right.iterations))

    def broken(*args, **kwargs):
        raise RuntimeError("a flight that fails")

    monkeypatch.setattr(aim_store, "fly_staged", broken)
    _same(right, aim_staged_stored(ORESHNIK, TARGETS[:1], SHAPES[:1], PHYSICS, store=store)[0])


def test_a_store_that_cannot_be_written_is_passed_over(fresh, tmp_path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    got = aim_staged_stored(ORESHNIK, TARGETS[:1], SHAPES[:1], PHYSICS, store=AimStore(blocked / "aims"))[0]
    _same(fresh[0], got)


def test_whatever_an_aim_depends_on_changes_its_key(monkeypatch) -> None:
    base = (ORESHNIK, TARGETS[0], SHAPES[0], PHYSICS, None, StepPolicy())
    heavier = ORESHNIK.model_copy(update={"payload_mass_kg": ORESHNIK.payload_mass_kg * (1 + 1e-12)})
    stage = ORESHNIK.model_copy(update={"stages": [ORESHNIK.stages[0].model_copy(
        update={"burn_time_s": ORESHNIK.stages[0].burn_time_s + 1e-9}), *ORESHNIK.stages[1:]]})
    other = Target.between(KRICHEV.lat_deg, KRICHEV.lon_deg, KYIV.lat_deg + 1e-9, KYIV.lon_deg, PHYSICS)
    variants = [
        (heavier, *base[1:]), (stage, *base[1:]), (ORESHNIK, other, *base[2:]),
        (*base[:2], parse_shape("depressed"), *base[3:]),
        (*base[:3], Physics(earth_model("wgs84", j2=False)), *base[4:]),
        (*base[:3], Physics(PHYSICS.earth, atmosphere=False), *base[4:]),
        (*base[:4], 50_000.0, base[5]), (*base[:5], StepPolicy(high_s=9.0)),
    ]
    keys = {aim_key(*base)} | {aim_key(*v) for v in variants}
    assert len(keys) == 1 + len(variants)
    assert aim_key(*base) == aim_key(*base)
    monkeypatch.setattr(aim_store, "CODE", "another version of the flight code")
    assert aim_key(*base) not in keys


def test_the_code_part_of_the_key_hashes_the_files_that_aim_and_fly() -> None:
    names = {f.relative_to(f.parents[1]).as_posix() for f in aim_store.code_files()}
    for name in ("flight/aim.py", "flight/integrate.py", "flight/stepping.py", "flight/dynamics.py",
                 "flight/events.py", "physics/earth.py", "physics/atmosphere.py", "physics/us76_upper.csv",
                 "duel/backend.py"):
        assert name in names, name
    assert all(f.is_file() for f in aim_store.code_files()) and len(aim_store.CODE) == 64


def test_aims_on_another_backend_are_neither_looked_up_nor_stored(fresh, tmp_path) -> None:
    from duel.backend import get_backend

    got = aim_staged_stored(ORESHNIK, TARGETS[:1], SHAPES[:1], PHYSICS, backend=get_backend("numpy-xp"),
                            store=AimStore(tmp_path))[0]
    assert isinstance(got, AimResult) and abs(got.azimuth_deg - fresh[0].azimuth_deg) < 1e-6
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_the_environment_names_the_folder_or_turns_the_store_off(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("DUEL_CACHE_DIR", str(tmp_path))
    assert AimStore.from_environment().folder == tmp_path / "aims"
    for off in ("off", "OFF", "0"):
        monkeypatch.setenv("DUEL_CACHE_DIR", off)
        assert AimStore.from_environment() is None
    monkeypatch.delenv("DUEL_CACHE_DIR")
    import platformdirs

    assert AimStore.from_environment().folder == Path(platformdirs.user_cache_dir("duel")) / "aims"


def test_a_run_from_a_cold_a_warm_and_no_store_writes_the_same_files(tmp_path) -> None:
    scen = tmp_path / "small.toml"
    scen.write_text(set_in_table(small_scenario(trials=8), "threat", "compare", '["lofted", "depressed"]'),
                    encoding="utf-8")
    store = tmp_path / "store"
    texts = []
    stamps = []
    for i, where in enumerate([str(store), str(store), "off"]):
        out = tmp_path / f"run{i}"
        proc = subprocess.run([sys.executable, "-m", "duel", "run", str(scen), "--out", str(out)],
                              capture_output=True, text=True, timeout=300, env={**os.environ, "DUEL_CACHE_DIR": where})
        assert proc.returncode == 0, proc.stderr
        texts.append(((out / "result.json").read_bytes(), (out / "report.html").read_bytes()))
        entries = sorted((store / "aims").glob("*.json"))
        assert len(entries) == 3  # the arc and its two comparison shapes
        stamps.append([(e.name, e.stat().st_ino, e.stat().st_mtime_ns) for e in entries])
    assert stamps[0] == stamps[1] == stamps[2]  # the warm run took the entries (none was aimed and written again)
    assert texts[0] == texts[1] == texts[2]
    assert json.loads(texts[0][0])["threat"]
