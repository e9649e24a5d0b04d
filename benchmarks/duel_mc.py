"""Full-physics duel trials per second (issue 5, benchmark c), and impact-dispersion flights per second.

Scenario (default ``scenarios/kyiv-duel.toml``): the nominal aimed Oreshnik flight, then per trial burnout
dispersions and per-object release offsets (``duel.trials.dispersion``, notional defaults), all trials x objects
flown from burnout in one batch (drag, rotation, J2, US76), engagement windows per battery x object and the
raid per trial (:class:`duel.trials.dispersion.DuelTrials`) through :func:`duel.trials.montecarlo.run_monte_carlo`,
streamed to Parquet with ``--out DIR``. Two timings per N:

* ``impact``: impact dispersion only (flights, no engagement);
* ``duel``: full duel trials (recorded flights, windows, layers, raid: :mod:`duel.trials.engine`);

both on ``--backend`` (numpy, gpu, jax-cpu). The first duel block is timed separately (``warmup_s``: JAX
compiles its programs there).

Prints a table, or JSON lines with ``--json``; appends every row to ``benchmarks/results.jsonl``.

    python benchmarks/duel_mc.py [--n 100 1000] [--duel-n 10 50] [--backend numpy|gpu|jax-cpu]
                                 [--scenario FILE] [--out DIR] [--seed 1] [--workers 2] [--stored-tracks] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from record import append


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default=str(Path(__file__).parents[1] / "scenarios" / "kyiv-duel.toml"))
    ap.add_argument("--n", type=int, nargs="*", default=[1_000, 10_000], help="trials for the impact timing")
    ap.add_argument("--duel-n", type=int, nargs="*", default=[10, 50], help="trials for the full-duel timing")
    ap.add_argument("--backend", default="numpy", choices=["numpy", "gpu", "jax-cpu"])
    ap.add_argument("--track-dt", type=float, default=0.5, help="threat-track grid step (s)")
    ap.add_argument("--chunk", type=int, default=None, help="trials per run_monte_carlo chunk")
    ap.add_argument("--out", default=None, help="stream duel trials to Parquet under DIR/N")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1, help="forked processes for the duel trials (numpy)")
    ap.add_argument("--stored-tracks", action="store_true",
                    help="windows from stored tracks on a --track-dt grid (the oracle) instead of in the flight loop")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from dataclasses import replace

    from duel.backend import get_backend
    from duel.errors import InputError
    from duel.pipeline import duel_trials
    from duel.scenario import load_scenario
    from duel.trials import dispersion as D
    from duel.trials.montecarlo import run_monte_carlo

    try:
        backend = get_backend(args.backend)
    except InputError as exc:
        raise SystemExit(f"error: {exc}") from None
    fn = duel_trials(load_scenario(args.scenario), backend=backend.name)
    fn = replace(fn, track_dt_s=args.track_dt, stored_tracks=args.stored_tracks)
    nom = fn.nominal
    common = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
              "scenario": Path(args.scenario).name, "objects": nom.objects, "dtype": "float64",
              "dispersion": fn.dispersion.to_dict(), "seed": args.seed}
    rows = []
    # warm-up (JAX: compiles the program for the chunk shape; timed separately)
    t0 = time.perf_counter()
    D.impact_dispersion(nom, 2, args.seed, fn.dispersion, backend=backend)
    warm = time.perf_counter() - t0
    for n in args.n:
        r = D.impact_dispersion(nom, n, args.seed, fn.dispersion, backend=backend)
        rows.append({"benchmark": "duel_mc", "kind": "impact", "backend": backend.name, "device": backend.device,
                     "n": n, "seconds": r.seconds, "trials_per_s": n / r.seconds,
                     "objects_per_s": n * nom.objects / r.seconds, "warmup_s": warm, "cep_m": r.cep_m,
                     "cep_ci95_m": list(r.cep_ci95_m), "footprint_median_m": float(np.median(r.footprint_m)),
                     **common})
    t0 = time.perf_counter()
    fn(args.seed, 0, 1)  # warm-up (JAX compiles here)
    duel_warm = time.perf_counter() - t0
    for n in args.duel_n:
        out = None if args.out is None else Path(args.out) / f"duel-{n}"
        t0 = time.perf_counter()
        chunk = args.chunk or max(1, min(1000, -(-n // args.workers)))
        res = run_monte_carlo(fn, n, args.seed, chunk_trials=chunk, out=out, overwrite=True, workers=args.workers)
        dt = time.perf_counter() - t0
        s = res.summary
        rows.append({"benchmark": "duel_mc", "kind": "duel", "backend": backend.name, "device": backend.device,
                     "n": n, "seconds": dt, "trials_per_s": n / dt, "objects_per_s": n * nom.objects / dt,
                     "warmup_s": duel_warm, "track_dt_s": args.track_dt, "stored": out is not None,
                     "windows": "stored-track" if fn.stored_tracks or backend.uses_jax else "stepwise",
                     "workers": args.workers, "chunk": chunk,
                     "p_all_stopped": s["all_stopped"].mean, "p_all_stopped_ci95": list(s["all_stopped"].ci95),
                     "leakers_mean": s["leakers"].mean, "miss_m_mean": s["miss_m"].mean, **common})
    append(*rows)
    if args.json:
        for r in rows:
            print(json.dumps(r))
        return
    print(f"{common['scenario']}: {nom.objects} objects per trial, {common['machine']}")
    print(f"{'kind':<7} {'backend':<8} {'N':>8} {'s':>9} {'trials/s':>10} {'objects/s':>11}  result")
    for r in rows:
        res = (f"CEP {r['cep_m']:,.0f} m [{r['cep_ci95_m'][0]:,.0f}, {r['cep_ci95_m'][1]:,.0f}]" if r["kind"] == "impact"
               else f"P(all stopped) {r['p_all_stopped']:.3f}, leakers {r['leakers_mean']:.2f}")
        print(f"{r['kind']:<7} {r['backend']:<8} {r['n']:>8,} {r['seconds']:>9.2f} {r['trials_per_s']:>10,.1f} "
              f"{r['objects_per_s']:>11,.0f}  {res}")


if __name__ == "__main__":
    main()
