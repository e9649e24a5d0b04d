"""Batch RK4 against a loop of SciPy DOP853 on the same dynamics: speed-up per trajectory and accuracy.

A batch of N Oreshnik trajectories (catalogue estimate) from Kapustin Yar with drag, rotation and J2 on:
kick angles 8-40 deg, thrust cut-off between 85 % and 100 % of the burn, azimuths 240-300 deg (seeded).
The reference integrates a random subsample one trajectory at a time with ``solve_ivp(DOP853, rtol 1e-9)``
and the time per trajectory is extrapolated to N. Prints a table, or one JSON object with ``--json``;
appends the JSON to ``benchmarks/results.jsonl``.

``--backend`` picks the array backend (``duel.backend``): ``numpy`` (default), ``gpu`` (JAX on an NVIDIA
GPU, extra ``duel[gpu]``) or ``jax-cpu`` (the GPU program compiled for the CPU). The batch runs in chunks
(``--chunk``, default per backend) so N up to 1e7 fits in memory; for the JAX backends the compile time is
measured separately (one warm-up chunk of the same shape) and reported as ``compile_s``, and the impact
points of the reference sample are also compared with the NumPy path (``max_impact_diff_vs_numpy_m``).

    python benchmarks/flight_batch.py [--n 10000] [--backend numpy|gpu|jax-cpu] [--chunk C]
                                      [--reference 20] [--seed 1] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import datetime, timezone

import numpy as np

from duel.backend import get_backend
from duel.flight.dynamics import BoostTables, LaneParams, Physics
from duel.flight.integrate import integrate
from duel.flight.reference import reference_flight
from duel.flight.stepping import StepPolicy
from duel.flight.vehicles import staged_missile
from duel.physics.earth import earth_model, enu_basis, geodetic_to_ecef
from duel.scenario.inputs import Inputs
from duel.scenario.registry import Registry
from record import append


def lanes_for(missile, n: int, seed: int, lat: float, lon: float, earth) -> tuple[np.ndarray, LaneParams]:
    """Seeded initial states (N, 6) and lane parameters for N staged flights from one pad."""
    rng = np.random.default_rng(seed)
    tables = BoostTables.from_missile(missile)
    kick = rng.uniform(8.0, 40.0, n)
    cut = tables.end_s[-1] - rng.uniform(0.0, 0.15, n) * (tables.end_s[-1] - tables.start_s[-1])
    az = rng.uniform(240.0, 300.0, n)
    x, y, z = geodetic_to_ecef(np.full(n, lat), np.full(n, lon), np.zeros(n), earth)
    e, no, u = enu_basis(np.full(n, lat), np.full(n, lon))
    k, a = np.radians(kick)[:, None], np.radians(az)[:, None]
    kick_dir = np.cos(k) * u + np.sin(k) * (np.sin(a) * e + np.cos(a) * no)
    state0 = np.column_stack([x, y, z, np.zeros((n, 3))])
    return state0, LaneParams(cut, np.full(n, missile.reentry_beta_kg_m2), kick_dir)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000, help="batch size (default 10,000)")
    ap.add_argument("--backend", default="numpy", choices=["numpy", "gpu", "jax-cpu", "numpy-xp"],
                    help="array backend (default numpy)")
    ap.add_argument("--chunk", type=int, default=None, help="trajectories per run (default: the backend's)")
    ap.add_argument("--reference", type=int, default=20, help="trajectories flown by the DOP853 loop")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()

    inputs = Inputs(Registry.default())
    missile = staged_missile(inputs, "oreshnik")
    pad = inputs.place("kapustin-yar", "pad")
    physics = Physics(earth_model("wgs84"), atmosphere=True)
    tables = BoostTables.from_missile(missile)
    state0, lanes = lanes_for(missile, args.n, args.seed, pad.lat_deg, pad.lon_deg, physics.earth)
    policy = StepPolicy()

    from duel.errors import InputError

    try:
        backend = get_backend(args.backend)
    except InputError as exc:
        raise SystemExit(f"error: {exc}") from None
    chunk = min(args.n, args.chunk or backend.chunk)
    # warm-up: one chunk of the timed shape (for JAX this compiles the program; timed separately)
    w = np.arange(chunk if backend.uses_jax else min(10, args.n))
    t0 = time.perf_counter()
    integrate(state0[w], np.zeros(w.size), lanes.take(w), tables, physics, policy, backend=backend, chunk=chunk)
    t_warm = time.perf_counter() - t0
    stats: dict = {}
    t0 = time.perf_counter()
    log = integrate(state0, np.zeros(args.n), lanes, tables, physics, policy, backend=backend, chunk=chunk,
                    stats=stats).log
    t_batch = time.perf_counter() - t0
    if backend.uses_jax:  # compile = first call minus a warm call of the same shape
        t0 = time.perf_counter()
        integrate(state0[w], np.zeros(w.size), lanes.take(w), tables, physics, policy, backend=backend, chunk=chunk)
        compile_s = t_warm - (time.perf_counter() - t0)
    else:
        compile_s = 0.0

    sub = np.random.default_rng(args.seed + 1).choice(args.n, size=min(args.reference, args.n), replace=False)
    t0 = time.perf_counter()
    ref = [reference_flight(state0[i], lanes.take(np.array([i])), tables, physics) for i in sub]
    t_ref = (time.perf_counter() - t0) / len(sub)
    diff = np.array([np.linalg.norm(log.impact_state[i, :3] - r[1][:3]) for i, r in zip(sub, ref)])
    dt_imp = np.array([abs(log.impact_t[i] - r[0]) for i, r in zip(sub, ref)])
    vs_numpy = None
    if backend.name != "numpy":
        np_log = integrate(state0[sub], np.zeros(sub.size), lanes.take(sub), tables, physics, policy).log
        vs_numpy = float(np.linalg.norm(log.impact_state[sub, :3] - np_log.impact_state[:, :3], axis=1).max())

    per_batch = t_batch / args.n
    out = {
        "benchmark": "flight_batch", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "backend": backend.name, "device": backend.device, "chunk": chunk, "compile_s": compile_s,
        "loop_steps": stats.get("steps"), "dtype": "float64", "n": args.n, "batch_s": t_batch, "batch_per_trajectory_ms": per_batch * 1e3,
        "trajectories_per_s": args.n / t_batch, "reference_per_trajectory_ms": t_ref * 1e3,
        "reference_sample": len(sub), "reference_loop_extrapolated_s": t_ref * args.n,
        "speedup": t_ref / per_batch, "max_impact_diff_m": float(diff.max()),
        "median_impact_diff_m": float(np.median(diff)), "max_impact_diff_vs_numpy_m": vs_numpy, "max_impact_time_diff_s": float(dt_imp.max()),
        "landed": int((log.status == 1).sum()),
        "policy": {k: getattr(policy, k) for k in ("boost_s", "high_s", "mid_s", "low_s", "high_m", "low_m")},
    }
    append(out)
    if args.json:
        print(json.dumps(out))
        return
    print(f"flight_batch: {args.n:,} Oreshnik trajectories, drag + rotation + J2, float64, RK4, "
          f"backend {backend.name} on {backend.device}, chunks of {chunk:,}")
    print(f"  batch            {t_batch:8.2f} s   {per_batch * 1e3:8.3f} ms/trajectory  ({args.n / t_batch:,.0f}/s)")
    if backend.uses_jax:
        print(f"  compile          {compile_s:8.2f} s   (once per chunk shape; not in the batch time)")
    print(f"  DOP853 loop      {t_ref * 1e3:8.1f} ms/trajectory (sample of {len(sub)}, rtol 1e-9); "
          f"{t_ref * args.n:,.0f} s extrapolated")
    print(f"  speed-up         {t_ref / per_batch:8.0f} x per trajectory")
    print(f"  impact point     max {diff.max():.2f} m, median {np.median(diff):.2f} m; time max {dt_imp.max():.4f} s")
    if vs_numpy is not None:
        print(f"  vs NumPy path    max {vs_numpy:.2e} m (same sample)")


if __name__ == "__main__":
    main()
