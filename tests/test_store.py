"""Chunked Parquet output and resumable Monte Carlo runs (duel.trials.store, duel.trials.montecarlo).

Must show (issue 5): a run killed mid-way (SIGKILL) and restarted with the same seed ends with exactly the
rows of an uninterrupted run, no lost or duplicated trials; per-trial seeding makes the chunking irrelevant.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from duel.defence.raid import Layer, simulate_raid
from duel.errors import InputError
from duel.trials.montecarlo import RaidTrials, run_monte_carlo
from duel.trials.store import MANIFEST, ChunkStore, merge_ranges, missing_ranges

RAID = RaidTrials(warheads=6, decoys=4, layers=(Layer(sspk=0.7, shots=2, magazine=14, fire_channels=5),
                                                Layer(sspk=0.5, shots=1, opportunities=2, doctrine="sls")),
                  p_track=0.95, p_decoy_engaged=0.6)
TRIALS, SEED = 6_000, 42


def assert_same_rows(a: dict, b: dict) -> None:
    assert list(a) == list(b)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def test_ranges():
    assert merge_ranges([(5, 8), (0, 3), (3, 5), (10, 12)]) == [(0, 8), (10, 12)]
    assert missing_ranges([(0, 3), (5, 8)], 10) == [(3, 5), (8, 10)]
    assert missing_ranges([], 4) == [(0, 4)]
    assert missing_ranges([(0, 10)], 4) == []


def test_rows_depend_only_on_seed_and_trial_not_on_chunking(tmp_path):
    mem = run_monte_carlo(RAID, TRIALS, SEED, chunk_trials=1_000)
    other = run_monte_carlo(RAID, TRIALS, SEED, chunk_trials=777)
    stored = run_monte_carlo(RAID, TRIALS, SEED, chunk_trials=2_500, out=tmp_path / "run")
    assert_same_rows(mem.columns, other.columns)
    assert_same_rows(mem.columns, stored.store.read())
    assert stored.chunks_run == 3 and len(list((tmp_path / "run").glob("*.parquet"))) == 3
    # trial i is trial i of simulate_raid with the same seed
    ref = simulate_raid(RAID.warheads, RAID.decoys, RAID.layers, RAID.p_track, RAID.p_decoy_engaged,
                        trials=TRIALS, seed=SEED, keep_samples=True)
    np.testing.assert_array_equal(mem.columns["leakers"], ref.samples_leakers)
    np.testing.assert_array_equal(mem.columns["interceptors"], ref.samples_interceptors)
    # the summary computed by DuckDB over Parquet equals the in-memory one; Wilson interval as in raid
    for k, e in mem.summary.items():
        s = stored.summary[k]
        assert (s.n, s.kind) == (e.n, e.kind)
        assert s.mean == pytest.approx(e.mean, rel=1e-12) and s.se == pytest.approx(e.se, rel=1e-9)
    assert mem.summary["no_leaker"].ci95 == pytest.approx(ref.p_zero_leakers_ci95, rel=1e-12)
    assert mem.summary["leakers"].ci95 == pytest.approx(ref.expected_leakers_ci95, rel=1e-9)
    # a different seed changes the rows (the seed reaches the model)
    assert not np.array_equal(run_monte_carlo(RAID, 500, SEED + 1).columns["leakers"], mem.columns["leakers"][:500])


KILLED_RUN = """
import sys, time
from duel.defence.raid import Layer
from duel.trials.montecarlo import RaidTrials, run_monte_carlo
fn = RaidTrials(warheads=6, decoys=4, layers=(Layer(sspk=0.7, shots=2, magazine=14, fire_channels=5),
                Layer(sspk=0.5, shots=1, opportunities=2, doctrine="sls")), p_track=0.95, p_decoy_engaged=0.6)
run_monte_carlo(fn, {trials}, {seed}, chunk_trials=250, out=sys.argv[1], on_chunk=lambda a, b: time.sleep(0.05))
print("finished")
"""


def test_killed_run_resumes_to_exactly_the_uninterrupted_rows(tmp_path):
    out = tmp_path / "killed"
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(KILLED_RUN.format(trials=TRIALS, seed=SEED)))
    proc = subprocess.Popen([sys.executable, str(script), str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    done = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                done = len(json.loads((out / MANIFEST).read_text())["chunks"])
            except (OSError, ValueError, KeyError):
                done = 0
            if done >= 4:
                break
            time.sleep(0.01)
        assert proc.poll() is None, f"the run ended before it could be killed: {proc.communicate()}"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    stored_before = len(json.loads((out / MANIFEST).read_text())["chunks"])
    assert 4 <= stored_before < TRIALS // 250  # killed mid-way

    resumed = run_monte_carlo(RAID, TRIALS, SEED, chunk_trials=250, out=out)
    assert resumed.chunks_reused == stored_before
    assert resumed.chunks_reused + resumed.chunks_run == TRIALS // 250
    rows = resumed.store.read()
    assert np.array_equal(rows["trial"], np.arange(TRIALS))  # nothing lost, nothing duplicated
    assert resumed.store.count() == TRIALS
    assert_same_rows(rows, run_monte_carlo(RAID, TRIALS, SEED, chunk_trials=250, out=tmp_path / "clean").store.read())


def test_stray_files_from_a_crash_are_discarded_and_recomputed(tmp_path):
    out = tmp_path / "run"
    first = run_monte_carlo(RAID, 2_000, SEED, chunk_trials=500, out=out)
    clean = first.store.read()
    # a crash after the rename but before the manifest update, and one during a Parquet write
    m = json.loads((out / MANIFEST).read_text())
    last = m["chunks"].pop()
    (out / MANIFEST).write_text(json.dumps(m))
    (out / "trials-000000009999-000000010000.parquet.tmp").write_bytes(b"PAR1 half a file")
    (out / (MANIFEST + ".tmp")).write_text("{")
    again = run_monte_carlo(RAID, 2_000, SEED, chunk_trials=500, out=out)
    assert (again.chunks_reused, again.chunks_run) == (3, 1)
    assert not list(out.glob("*.tmp"))
    assert (out / last["file"]).exists()
    assert_same_rows(again.store.read(), clean)
    # extending the run to more trials computes only the new ones
    more = run_monte_carlo(RAID, 3_000, SEED, chunk_trials=500, out=out)
    assert (more.chunks_reused, more.chunks_run) == (4, 2)
    assert_same_rows(more.store.read(trials=2_000), clean)
    final = more.store.finalize(tmp_path / "all.parquet")
    n = more.store.con.execute(f"SELECT count(*), count(DISTINCT trial) FROM read_parquet('{final}')").fetchone()
    assert n == (3_000, 3_000)


def test_a_different_run_in_the_same_directory_is_refused(tmp_path):
    run_monte_carlo(RAID, 500, SEED, chunk_trials=500, out=tmp_path)
    with pytest.raises(InputError, match="holds a different run"):
        run_monte_carlo(RAID, 500, SEED + 1, chunk_trials=500, out=tmp_path)
    with pytest.raises(InputError, match="holds a different run"):
        run_monte_carlo(RaidTrials(warheads=5, layers=Layer(sspk=0.5, shots=1)), 500, SEED, out=tmp_path)
    fresh = run_monte_carlo(RaidTrials(warheads=5, layers=Layer(sspk=0.5, shots=1)), 500, SEED, out=tmp_path, overwrite=True)
    assert fresh.chunks_run == 1 and fresh.store.count() == 500


def test_store_checks_its_input(tmp_path):
    store = ChunkStore(tmp_path, {"what": "test"})
    store.write_chunk(0, 3, {"x": np.array([1.0, 2.0, 3.0]), "ok": np.array([True, False, True])})
    with pytest.raises(ValueError, match="overlap"):
        store.write_chunk(2, 4, {"x": np.zeros(2), "ok": np.zeros(2, bool)})
    with pytest.raises(ValueError, match="shape"):
        store.write_chunk(3, 5, {"x": np.zeros(3)})
    assert store.columns() == ["trial", "x", "ok"]
    assert store.query("SELECT sum(x) FROM trials WHERE ok").fetchone()[0] == 4.0
    with pytest.raises(InputError, match="trials must be"):
        run_monte_carlo(RAID, 0)
