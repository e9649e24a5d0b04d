"""Sweep throughput: points per second of a spec with 1 and N local workers (the scaling ratio), and with a
loopback cluster of N workers started by hand (``dask scheduler`` + ``dask worker`` on 127.0.0.1).

Each run sweeps into a fresh directory (nothing reused) through the command line, so the time includes
starting the cluster and writing the rows, the maps and the page, as a user sees it. Prints a table, or one
JSON object with ``--json``; appends the JSON to ``benchmarks/results.jsonl``.

    python benchmarks/sweep.py [--spec sweeps/basing-europe.toml] [--workers 2] [--no-cluster] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from record import append

ROOT = Path(__file__).resolve().parents[1]


def _sweep(spec: str, *extra: str) -> tuple[float, int]:
    out = Path(tempfile.mkdtemp(prefix="bench-sweep-")) / "out"
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "duel", "sweep", spec, "--out", str(out), "--format", "json", *extra],
                       capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"duel sweep failed: {p.stderr.strip()[-300:]}")
    points = json.loads(p.stdout)["points"]
    shutil.rmtree(out.parent, ignore_errors=True)
    return dt, points


def _loopback(spec: str, workers: int) -> tuple[float, int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dask = str(Path(sys.executable).parent / "dask")
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address",
                               ":0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)]
    try:
        procs.append(subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--nworkers", str(workers),
                                       "--dashboard-address", ":0"], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True))
        from dask.distributed import Client

        with Client(address, timeout="60s") as c:
            c.wait_for_workers(workers, timeout=120)
        return _sweep(spec, "--scheduler", address)
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spec", default=str(ROOT / "sweeps" / "basing-europe.toml"))
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="local workers of the second run")
    ap.add_argument("--no-cluster", action="store_true", help="skip the loopback-cluster run")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    one_s, points = _sweep(a.spec, "--workers", "1")
    many_s, _ = _sweep(a.spec, "--workers", str(a.workers))
    res = {"benchmark": "sweep", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
           "machine": f"{platform.machine()}, {os.cpu_count()} cores", "spec": Path(a.spec).name, "points": points,
           "workers_1_s": round(one_s, 2), "workers_1_points_per_s": round(points / one_s, 2),
           f"workers_{a.workers}_s": round(many_s, 2), f"workers_{a.workers}_points_per_s": round(points / many_s, 2),
           "scaling": round(one_s / many_s, 2)}
    if not a.no_cluster:
        cl_s, _ = _loopback(a.spec, a.workers)
        res.update({"loopback_cluster_workers": a.workers, "loopback_cluster_s": round(cl_s, 2),
                    "loopback_cluster_points_per_s": round(points / cl_s, 2)})
    append(res)
    if a.json:
        print(json.dumps(res))
        return
    for k, v in res.items():
        print(f"{k:32s} {v}")


if __name__ == "__main__":
    main()
