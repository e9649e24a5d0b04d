"""`duel sweep`: the same rows whatever the workers (1, 2 local, a real Dask scheduler with 2 workers), a
SIGKILLed sweep resumes to exactly the rows of an uninterrupted one, kinematics rows equal `duel fly`, a duel
row equals `duel run`, and bad specs are one line with exit code 2."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_process import run_duel
from conftest import quick_file

ROOT = Path(__file__).resolve().parents[1]

GRID = """
[sweep]
name = "small-grid"
mode = "kinematics"
chunk = {chunk}

[axes]
launch = ["krichev"]
target = {{ lat = [50.0, 51.0], lon = [30.0, 31.0], step = 0.5 }}
trajectory = ["min-energy"]
"""


def _spec(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _rows(duel, out: Path) -> list[dict]:
    r = duel("sweep", "query", str(out), "select * from rows order by point", "--format", "json")
    assert r.code == 0, r.err
    return r.json()


@pytest.fixture(scope="module")
def grid_out(tmp_path_factory) -> Path:
    """The small grid swept by one local worker: the reference of the other runs (its directory)."""
    tmp = tmp_path_factory.mktemp("grid1")
    spec = _spec(tmp, GRID.format(chunk=2))
    proc = run_duel("sweep", str(spec), "--out", str(tmp / "out"), "--workers", "1", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["points"] == 9 and summary["points_not_flown"] == 0 and summary["chunks_run"] == 5
    return tmp / "out"


@pytest.fixture(scope="module")
def grid_rows(grid_out) -> list[dict]:
    """The reference rows."""
    q = run_duel("sweep", "query", str(grid_out), "select * from rows order by point", "--format", "json")
    assert q.returncode == 0, q.stderr
    return json.loads(q.stdout)


def test_the_grid_is_its_cell_centres_in_order(grid_rows) -> None:
    assert [r["point"] for r in grid_rows] == list(range(9))
    assert [r["target"] for r in grid_rows] == [f"{a:g},{b:g}" for a in (50, 50.5, 51) for b in (30, 30.5, 31)]
    assert [(r["target_lat_deg"], r["target_lon_deg"]) for r in grid_rows] == \
        [(a, b) for a in (50, 50.5, 51) for b in (30, 30.5, 31)]
    # farther south is farther from Krichev (53.7 N): longer flights
    times = {r["target"]: r["flight_time_s"] for r in grid_rows}
    assert times["50,30.5"] > times["50.5,30.5"] > times["51,30.5"]


def test_two_local_workers_and_other_chunks_give_the_same_rows(duel, tmp_path, grid_rows) -> None:
    spec = _spec(tmp_path, GRID.format(chunk=3))
    r = duel("sweep", str(spec), "--out", str(tmp_path / "out"), "--workers", "2")
    assert r.code == 0, r.err
    assert _rows(duel, tmp_path / "out") == grid_rows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_real_scheduler_with_two_workers_gives_the_same_rows(duel, tmp_path, grid_rows) -> None:
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    bin_dir = Path(sys.executable).parent
    dask = [str(bin_dir / "dask")] if (bin_dir / "dask").exists() else [shutil.which("dask") or "dask"]
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    procs = [subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", ":0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=env, start_new_session=True)]
    try:
        for _ in range(2):
            procs.append(subprocess.Popen([*dask, "worker", address, "--nthreads", "1", "--nworkers", "1",
                                           "--dashboard-address", ":0"], stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, env=env, start_new_session=True, cwd=tmp_path))
        from dask.distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=60)
        spec = _spec(tmp_path, GRID.format(chunk=2))
        r = duel("sweep", str(spec), "--out", str(tmp_path / "out"), "--scheduler", address)
        assert r.code == 0, r.err
        assert _rows(duel, tmp_path / "out") == grid_rows
        runs = json.loads((tmp_path / "out" / "run.json").read_text())["runs"]
        assert runs[-1]["scheduler"] == address and len({c["pid"] for c in runs[-1]["chunks"]}) >= 1
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def test_a_killed_sweep_resumes_to_exactly_the_uninterrupted_rows(duel, tmp_path, grid_rows) -> None:
    spec = _spec(tmp_path, GRID.format(chunk=1))
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "duel", "sweep", str(spec), "--out", str(out), "--workers", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    manifest = out / "rows" / "manifest.json"
    deadline = time.monotonic() + 240
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if manifest.is_file():
            try:
                done = len(json.loads(manifest.read_text())["chunks"])
            except (json.JSONDecodeError, KeyError):
                done = 0
            if done >= 3:
                break
        time.sleep(0.05)
    assert proc.poll() is None, "the sweep ended before it could be killed half-way"
    os.killpg(proc.pid, signal.SIGKILL)  # the client and its local workers, at once
    proc.wait()
    kept = len(json.loads(manifest.read_text())["chunks"])
    assert 3 <= kept < 9
    r = duel("sweep", str(spec), "--out", str(out), "--workers", "1", "--format", "json")
    assert r.code == 0, r.err
    assert r.json()["chunks_reused"] == kept and r.json()["chunks_run"] == 9 - kept
    rows = _rows(duel, out)
    assert rows == grid_rows  # none lost, none twice, the same values
    r = duel("sweep", str(spec), "--out", str(out), "--format", "json")  # a third run has nothing to do
    assert r.code == 0 and r.json()["chunks_run"] == 0


def test_kinematics_rows_equal_duel_fly(duel, grid_rows) -> None:
    for row in grid_rows[::4]:
        r = duel("fly", "--missile", "oreshnik", "--from", "krichev", "--to", row["target"], "--format", "json")
        assert r.code == 0, r.err
        fly = r.json()
        assert row["flight_time_s"] == fly["flight_time_s"]
        assert row["apogee_km"] == fly["apogee_km"] and row["max_mach"] == fly["max_mach"]
        assert row["distance_km"] == fly["ground_range_km"]
        # the warning times by definition: the early-warning delays (20 s detection, 60 s report) before impact
        assert row["warning_ir_detection_s"] == pytest.approx(fly["flight_time_s"] - 20.0)
        assert row["warning_ir_report_s"] == pytest.approx(fly["flight_time_s"] - 60.0)


DUEL = """
[sweep]
name = "kyiv-two-points"
mode = "duel"
scenario = "{scenario}"
trials = 20
chunk = 1

[axes]
"doctrine.fire_control" = ["own-track", "engage-on-remote"]
"""


def test_a_duel_row_equals_duel_run(duel, tmp_path) -> None:
    scenario = quick_file(tmp_path)  # the shipped Kyiv duel with small Monte Carlo counts (CI time)
    spec = _spec(tmp_path, DUEL.format(scenario=scenario.as_posix()))
    r = duel("sweep", str(spec), "--out", str(tmp_path / "out"), "--workers", "2")
    assert r.code == 0, r.err
    rows = _rows(duel, tmp_path / "out")
    assert [r_["doctrine.fire_control"] for r_ in rows] == ["own-track", "engage-on-remote"]
    for row in rows[1:]:  # one point checked against duel run (each run is a whole duel: CI time)
        r = duel("run", str(scenario), "--trials", "20", "--set", f"doctrine.fire_control={row['doctrine.fire_control']}",
                 "--out", str(tmp_path / "run"), "--format", "json")
        assert r.code == 0, r.err
        v = r.json()["verdict"]
        for q in ("p_all_stopped", "p_at_least_one_stopped", "expected_leakers"):
            assert row[f"{q}_value"] == v[q]["value"] and row[f"{q}_median"] == v[q]["median"]
            assert [row[f"{q}_lo"], row[f"{q}_hi"]] == v[q]["range90"]
        assert row["answer_kind"] == v["answer_kind"]
    # the doctrine decides it: with engage-on-remote more objects are stopped than with own-track (seeded: the
    # same draws for both, at these counts as at the shipped ones)
    assert rows[1]["p_all_stopped_value"] > rows[0]["p_all_stopped_value"]


@pytest.mark.parametrize("case, text, expected", [
    ("unknown axis", '[sweep]\nname = "x"\n[axes]\ntarget = ["kyiv"]\n"doctrine.fire_contrl" = ["own-track"]\n',
     "axes.doctrine.fire_contrl: unknown input 'doctrine.fire_contrl'; closest: doctrine.fire_control"),
    ("empty list", '[sweep]\nname = "x"\n[axes]\ntarget = []\n', "axes.target: no values"),
    ("empty grid", '[sweep]\nname = "x"\n[axes]\ntarget = { lat = [10, 11], lon = [10, 11], step = 0.5, '
                   'country = "Ukraine" }\n', "axes.target: no values"),
    ("unknown country", '[sweep]\nname = "x"\n[axes]\ntarget = { lat = [10, 11], lon = [10, 11], step = 0.5, '
                        'country = "Ukrain" }\n', "axes.target.country: unknown country 'Ukrain'; did you mean"),
    ("too many points", '[sweep]\nname = "x"\n[axes]\nlaunch = ["krichev"]\n'
                        'target = { lat = [-80, 80], lon = [-180, 180], step = 0.1 }\n',
     "axes: 5,765,201 points (over 1,000,000); pass --yes to run them"),
    ("misspelt key", '[sweep]\nnmae = "x"\n[axes]\ntarget = ["kyiv"]\n', "sweep.nmae: unknown key; did you mean name?"),
    ("duel without scenario", '[sweep]\nname = "x"\nmode = "duel"\n[axes]\ntarget = ["kyiv"]\n',
     'sweep: mode = "duel" needs a scenario'),
    ("defence input in kinematics", '[sweep]\nname = "x"\n[axes]\ntarget = ["kyiv"]\n"notice.lead_min" = [0, 10]\n',
     "axes.notice.lead_min: a kinematics sweep only flies"),
])
def test_a_bad_spec_is_one_line_and_exit_2(duel, tmp_path, case: str, text: str, expected: str) -> None:
    spec = _spec(tmp_path, text)
    r = duel("sweep", str(spec), "--out", str(tmp_path / "out"))
    assert r.code == 2 and "Traceback" not in r.err, r.err
    (line,) = r.err.splitlines()
    assert line.startswith(f"error: {spec}: ") and expected in line, line


def test_a_directory_of_another_sweep_is_refused(duel, tmp_path) -> None:
    out = tmp_path / "out"
    a = _spec(tmp_path, '[sweep]\nname = "a"\nchunk = 1\n[axes]\nlaunch = ["krichev"]\ntarget = ["kyiv"]\n', "a.toml")
    b = _spec(tmp_path, '[sweep]\nname = "b"\nchunk = 1\n[axes]\nlaunch = ["krichev"]\ntarget = ["minsk"]\n', "b.toml")
    assert duel("sweep", str(a), "--out", str(out), "--workers", "1").code == 0
    r = duel("sweep", str(b), "--out", str(out), "--workers", "1")
    assert r.code == 2 and "Traceback" not in r.err
    (line,) = r.err.splitlines()
    assert line.startswith(f"error: --out: {out} holds another sweep (spec hash ")


def test_query_errors_are_one_line(duel, tmp_path) -> None:
    r = duel("sweep", "query", str(tmp_path), "select 1")
    assert r.code == 2 and r.err.strip() == f"error: DIR: {tmp_path} holds no sweep (no rows/manifest.json)"
    r = duel("sweep", "query", str(tmp_path))
    assert r.code == 2 and r.err.startswith("error: query: give DIR and SQL")


# ----------------------------------------------------------------------------------- maps, plots, page
def test_a_grid_sweep_writes_maps_and_an_offline_page(grid_out) -> None:
    from duel.report.html import external_resources

    out = grid_out
    # one launch site and one shape: one map per column, not one per (launch, shape)
    assert sorted(p.name for p in (out / "maps").glob("*.svg")) == ["flight-time-s.svg", "warning-ir-report-s.svg"]
    html = (out / "sweep.html").read_text(encoding="utf-8")
    assert external_resources(html) == [] and html.count("<svg") == 2
    assert "9 of 9 rows" in html and "flight time (min)" not in html.split("<h2>Rows")[1]


def test_the_sweep_map_draws_cells_bounds_and_units_without_overlaps() -> None:
    import numpy as np
    from figure_layout import collisions

    from duel.report.sweep_figures import sweep_map

    lat, lon = (a.ravel() for a in np.meshgrid([50.0, 50.5, 51.0], [30.0, 30.5, 31.0], indexing="ij"))
    values = 300.0 + 10 * np.arange(9.0)
    values[4] = np.nan  # a point not flown: an empty cell
    fig = sweep_map(lat, lon, values, "flight_time_s", "Flight time", [("krichev", 53.73, 31.92)], 0.5)
    ax = fig.axes[0]
    (cells,) = [c for c in ax.collections if c.get_gid() == "cells"]
    shown = cells.get_array()
    assert shown.count() == 8 and shown.min() == pytest.approx(5.0) and shown.max() == pytest.approx(380 / 60)  # min
    (bounds,) = [p for p in ax.patches if p.get_gid() == "grid-bounds"]
    assert bounds.get_x() == pytest.approx(29.75) and bounds.get_width() == pytest.approx(1.5)
    assert fig.axes[1].get_xlabel() == "flight time (min)"  # the colour bar, in minutes
    assert collisions(fig) == []


def test_a_numeric_axis_gets_a_line_plot_with_its_band(tmp_path) -> None:
    import numpy as np
    from figure_layout import collisions

    from duel.report.sweep_figures import sweep_line

    x = np.array([0.0, 10.0, 20.0])
    fig = sweep_line(x, [("own-track", np.array([0.4, 0.4, 0.5]), np.zeros(3), np.array([0.8, 0.9, 0.9])),
                         ("engage-on-remote", np.array([0.95, 0.96, 0.96]), np.full(3, 0.7), np.ones(3))],
                     "notice.lead_min", "p_all_stopped_median", "P(all stopped)", "doctrine.fire_control")
    ax = fig.axes[0]
    assert [ln.get_label() for ln in ax.lines] == ["own-track", "engage-on-remote"]
    assert ax.lines[0].get_ydata().tolist() == pytest.approx([40, 40, 50])  # percent
    assert len(ax.collections) == 2 and "median across the draws" in ax.get_ylabel()
    assert collisions(fig) == []
