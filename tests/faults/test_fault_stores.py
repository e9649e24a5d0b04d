"""Issue 14.8: stores that notice damage and share nothing by accident. A chunk that is truncated, damaged,
missing or replaced by another chunk's file is found by its recorded range and SHA-256 and recomputed (a reader
refuses it in one line); a full disk is one line and leaves no temporary file; two runs cannot write one
folder at once (a lock with stale-lock recovery); a scenario file's outputs.dir stays inside the working
directory."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from duel.errors import InputError
from duel.files import FolderLock, write_atomic
from duel.trials.montecarlo import RaidTrials, run_monte_carlo
from duel.trials.store import MANIFEST, ChunkStore

from duel.defence.raid import Layer  # noqa: I001

RAID = RaidTrials(warheads=6, decoys=0, layers=(Layer(sspk=0.7, shots=2, magazine=14, fire_channels=5),),
                  p_track=0.95)
ROOT = Path(__file__).parents[2]


def _run(out: Path) -> dict[str, np.ndarray]:
    res = run_monte_carlo(RAID, 40, 7, chunk_trials=10, out=out)
    rows = res.store.read()
    repaired = list(res.store.repaired)
    res.store.close()
    rows["repaired"] = np.array(repaired, dtype=object)
    return rows


def _chunk(out: Path, k: int) -> Path:
    return out / json.loads((out / MANIFEST).read_text())["chunks"][k]["file"]


def _same(a: dict, b: dict) -> None:
    for k in a:
        if k != "repaired":
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "replaced by another chunk", "deleted"])
def test_a_damaged_chunk_is_found_and_recomputed_to_the_same_rows(tmp_path, damage):
    out = tmp_path / "run"
    first = _run(out)
    victim = _chunk(out, 1)
    data = victim.read_bytes()
    if damage == "truncated":
        victim.write_bytes(data[: len(data) // 2])
    elif damage == "flipped byte":
        victim.write_bytes(data[:100] + bytes([data[100] ^ 0xFF]) + data[101:])
    elif damage == "replaced by another chunk":  # the same size and format: only the hash and range tell
        victim.write_bytes(_chunk(out, 2).read_bytes())
    else:
        victim.unlink()
    again = _run(out)
    assert list(again["repaired"]) == [victim.name]
    _same(first, again)
    assert np.unique(again["trial"]).size == 40  # 40 distinct trials, no copy of another chunk's rows


def test_a_reader_refuses_a_damaged_store_in_one_line(tmp_path):
    out = tmp_path / "run"
    _run(out)
    victim = _chunk(out, 0)
    victim.write_bytes(victim.read_bytes()[:50])
    fingerprint = json.loads((out / MANIFEST).read_text())["fingerprint"]
    with pytest.raises(InputError, match="is missing or damaged") as exc:
        ChunkStore(out, fingerprint)
    assert "\n" not in str(exc.value)
    assert victim.stat().st_size == 50  # a reader changes nothing


def test_a_full_disk_is_one_line_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    real_write = os.write

    def full(fd, data):
        if len(data) > 10:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(InputError, match=r"^--out: disk full while writing .*manifest.json$"):
        write_atomic(tmp_path / "manifest.json", "x" * 100)
    assert list(tmp_path.iterdir()) == []
    target = tmp_path / "summary.json"
    target.write_text("the old, whole file")
    with pytest.raises(InputError, match="disk full"):
        write_atomic(target, "y" * 100)
    assert target.read_text() == "the old, whole file" and list(tmp_path.iterdir()) == [target]


def test_duel_trials_on_a_full_disk_says_so_in_one_line(tmp_path):
    """`duel trials` with os.write failing as on a full disk (in a child process): exit 2, one line, no temp file."""
    code = (
        "import errno, os, sys\n"
        "real = os.write\n"
        "def full(fd, data):\n"
        "    if len(data) > 3000: raise OSError(errno.ENOSPC, 'No space left on device')\n"
        "    return real(fd, data)\n"
        "os.write = full\n"
        "from duel.cli import main\n"
        "sys.argv = ['duel', 'trials', sys.argv[1], '--trials', '4', '--out', sys.argv[2], '--workers', '1']\n"
        "main()\n")
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-c", code, str(ROOT / "scenarios" / "kyiv-duel.toml"), str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stderr[-2000:]
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert "disk full while writing" in lines[-1] and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_one_trial_gives_standard_json_with_nulls(tmp_path):
    r = subprocess.run([sys.executable, "-m", "duel", "trials", str(ROOT / "scenarios" / "kyiv-duel.toml"),
                        "--trials", "1", "--out", str(tmp_path / "one"), "--format", "json", "--workers", "1"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    doc = json.loads(r.stdout)  # before the fix: ValueError on NaN (a traceback)
    assert doc["trials"] == 1 and None in doc["convergence"]["leakers"]["ci_low"]
    assert json.loads((tmp_path / "one" / "trials.json").read_text()) == doc


def test_two_writers_cannot_share_a_folder_and_a_stale_lock_is_taken_over(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from duel.files import FolderLock; "
                               "FolderLock(sys.argv[1]).acquire(); print('held', flush=True); time.sleep(60)",
                               str(folder)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(InputError, match=r"is in use by another run \(.* \d+\)"):
            FolderLock(folder).acquire()
        with pytest.raises(InputError, match="in use"):
            run_monte_carlo(RAID, 10, 1, chunk_trials=5, out=folder)
    finally:
        holder.kill()
        holder.wait()
    # the holder was killed: the kernel dropped its lock, nothing to clean up
    with FolderLock(folder) as lock:
        assert lock.held and (folder / ".lock").read_text().split()[1] == str(os.getpid())
    assert not lock.held
    res = run_monte_carlo(RAID, 10, 1, chunk_trials=5, out=folder)
    res.store.close()


@pytest.mark.parametrize("where", ["../../../../tmp/x", "/tmp/elsewhere", "out/../../x", "~/x"])
def test_a_scenario_file_keeps_its_outputs_inside_the_working_directory(tmp_path, where):
    text = (ROOT / "scenarios" / "kyiv-duel.toml").read_text()
    scen = tmp_path / "s.toml"
    scen.write_text(text.replace('dir = "out/kyiv-duel"', f'dir = "{where}"'))
    r = subprocess.run([sys.executable, "-m", "duel", "scenario", "check", str(scen)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 2 and "outputs.dir" in r.stderr and "--out" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
