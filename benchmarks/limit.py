"""How close the engine's compiled whole-batch loop comes to the hardware limit (issue 5, benchmark b).

Simplified model (the one the issue's H100 numbers were measured on): planar two-body gravity
(GM = 3.986004418e14 m^3/s^2, sphere R = 6371 km, no rotation) plus drag of an exponential atmosphere
(rho = 1.225 exp(-h / 7200 m) kg/m^3, a_drag = -rho |v| v / (2 beta)); start at 80 km, speed 3.3-3.7 km/s,
flight-path angle 30-42 deg, beta 2000-12000 kg/m^2 (seeded); classical RK4 with a fixed dt = 0.25 s until
the ground, impact located by bisection on the cubic Hermite interpolant of the height (450-640 s flights,
~2,000 steps each). float64 throughout.

Two implementations in the same process, same initial states:

* **kernel**: a hand-written CUDA kernel (CuPy ``RawKernel``), one trajectory per GPU thread, the state held
  in registers, each thread leaving its loop at its own impact. Needs an NVIDIA GPU and CuPy
  (``pip install 'duel[gpu-bench]'``); on a machine without one this part is skipped and said so.
* **engine**: duel's own integration loop (:func:`duel.flight.integrate.integrate`, fixed-shape driver: ``jax.jit`` over a
  ``lax.while_loop`` on whole-batch arrays, per-lane ``dt``, landed lanes frozen, post-loop impact
  bisection) with the simplified vector field plugged in (``accel``), a fixed 0.25 s step policy and only
  the impact event, on ``--backend`` (default ``gpu`` when JAX sees one, else ``jax-cpu``).

Prints trajectories per second for both and their ratio (engine / kernel; the issue's goal is >= 0.70 on an
H100), the engine's compile time (separately), and the largest impact-point difference between the two.
Appends one JSON line per N to ``benchmarks/results.jsonl``.

    python benchmarks/limit.py [--n 1000000 4000000] [--backend gpu|jax-cpu|numpy-xp] [--chunk C] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import datetime, timezone
from typing import Any

import numpy as np
from record import append

GM = 3.986004418e14
R_M = 6_371_000.0
RHO0, H_SCALE = 1.225, 7_200.0
DT = 0.25
MAX_STEPS = 20_000  # 5,000 s of flight at 0.25 s: far beyond every trajectory here
BISECT = 50

KERNEL_SRC = r"""
extern "C" __global__ void fly(const double* __restrict__ x0, const double* __restrict__ y0,
                               const double* __restrict__ vx0, const double* __restrict__ vy0,
                               const double* __restrict__ beta, double* t_imp, double* x_imp, double* y_imp,
                               const int n, const double dt, const int max_steps)
{
    const int i = blockDim.x * blockIdx.x + threadIdx.x;
    if (i >= n) return;
    const double GM = 3.986004418e14, R = 6371000.0, RHO0 = 1.225, HS = 7200.0;
    const double k = 0.5 / beta[i];
    double x = x0[i], y = y0[i], vx = vx0[i], vy = vy0[i], t = 0.0;
    t_imp[i] = nan(""); x_imp[i] = nan(""); y_imp[i] = nan("");
#define ACC(px, py, pvx, pvy, ax, ay) { \
        double r2 = px * px + py * py, r = sqrt(r2); \
        double g = -GM / (r2 * r); \
        double v = sqrt(pvx * pvx + pvy * pvy); \
        double d = k * RHO0 * exp(-(r - R) / HS) * v; \
        ax = g * px - d * pvx; ay = g * py - d * pvy; }
    for (int s = 0; s < max_steps; ++s) {
        double ax1, ay1, ax2, ay2, ax3, ay3, ax4, ay4;
        const double h = 0.5 * dt;
        ACC(x, y, vx, vy, ax1, ay1);
        double x2 = x + h * vx, y2 = y + h * vy, vx2 = vx + h * ax1, vy2 = vy + h * ay1;
        ACC(x2, y2, vx2, vy2, ax2, ay2);
        double x3 = x + h * vx2, y3 = y + h * vy2, vx3 = vx + h * ax2, vy3 = vy + h * ay2;
        ACC(x3, y3, vx3, vy3, ax3, ay3);
        double x4 = x + dt * vx3, y4 = y + dt * vy3, vx4 = vx + dt * ax3, vy4 = vy + dt * ay3;
        ACC(x4, y4, vx4, vy4, ax4, ay4);
        const double s6 = dt / 6.0;
        double xn = x + s6 * (vx + 2.0 * vx2 + 2.0 * vx3 + vx4);
        double yn = y + s6 * (vy + 2.0 * vy2 + 2.0 * vy3 + vy4);
        double vxn = vx + s6 * (ax1 + 2.0 * ax2 + 2.0 * ax3 + ax4);
        double vyn = vy + s6 * (ay1 + 2.0 * ay2 + 2.0 * ay3 + ay4);
        double r1 = sqrt(xn * xn + yn * yn);
        if (r1 - R <= 0.0) {
            // impact inside [t, t + dt]: bisection on the cubic Hermite interpolant of the height
            double r0 = sqrt(x * x + y * y);
            double p0 = r0 - R, d0 = (x * vx + y * vy) / r0, p1 = r1 - R, d1 = (xn * vxn + yn * vyn) / r1;
            double lo = 0.0, hi = 1.0;
            for (int b = 0; b < BISECT; ++b) {
                double m = 0.5 * (lo + hi), m2 = m * m, m3 = m2 * m;
                double val = (2*m3 - 3*m2 + 1) * p0 + (m3 - 2*m2 + m) * dt * d0 + (-2*m3 + 3*m2) * p1
                             + (m3 - m2) * dt * d1;
                if (val > 0.0) lo = m; else hi = m;
            }
            double m = 0.5 * (lo + hi), m2 = m * m, m3 = m2 * m;
            double h00 = 2*m3 - 3*m2 + 1, h10 = m3 - 2*m2 + m, h01 = -2*m3 + 3*m2, h11 = m3 - m2;
            t_imp[i] = t + m * dt;
            x_imp[i] = h00 * x + h10 * dt * vx + h01 * xn + h11 * dt * vxn;
            y_imp[i] = h00 * y + h10 * dt * vy + h01 * yn + h11 * dt * vyn;
            return;
        }
        x = xn; y = yn; vx = vxn; vy = vyn; t += dt;
    }
}
""".replace("BISECT", str(BISECT))


def initial_states(n: int, seed: int) -> dict[str, np.ndarray]:
    """Seeded planar initial states (m, m/s) and ballistic coefficients (kg/m^2)."""
    rng = np.random.default_rng(seed)
    v = rng.uniform(3_300.0, 3_700.0, n)
    gamma = np.radians(rng.uniform(30.0, 42.0, n))
    beta = rng.uniform(2_000.0, 12_000.0, n)
    r0 = R_M + 80_000.0
    # start on the x axis; "up" is +x, "downrange" is +y
    return {"x": np.full(n, r0), "y": np.zeros(n), "vx": v * np.sin(gamma), "vy": v * np.cos(gamma), "beta": beta}


def simplified_accel(t: Any, s: tuple[Any, ...], phase: Any, stage: Any, lanes: Any, tables: Any, physics: Any,
                     xp: Any) -> tuple[Any, Any, Any]:
    """The simplified vector field in the engine's signature: point-mass gravity + exponential-air drag."""
    x, y, z, vx, vy, vz = s
    r2 = x * x + y * y + z * z
    r = xp.sqrt(r2)
    g = -GM / (r2 * r)
    v = xp.sqrt(vx * vx + vy * vy + vz * vz)
    d = 0.5 / lanes.beta_kg_m2 * RHO0 * xp.exp(-(r - R_M) / H_SCALE) * v
    return g * x - d * vx, g * y - d * vy, g * z - d * vz


def run_engine(init: dict[str, np.ndarray], backend_name: str, chunk: int | None) -> dict[str, Any]:
    """The engine's loop on the simplified physics: rate, compile time and impact points."""
    from duel.backend import get_backend
    from duel.flight.dynamics import LaneParams, Physics
    from duel.flight.integrate import integrate
    from duel.flight.stepping import StepPolicy
    from duel.physics.earth import EarthModel

    backend = get_backend(backend_name)
    n = init["x"].size
    physics = Physics(EarthModel(shape="sphere", a_m=R_M, b_m=R_M, gm=GM, j2=0.0, omega=0.0), atmosphere=False)
    policy = StepPolicy(boost_s=DT, high_s=DT, mid_s=DT, low_s=DT, drag_fraction=1e30, min_s=DT,
                        t_max_s=MAX_STEPS * DT)
    state0 = np.column_stack([init["x"], init["y"], np.zeros(n), init["vx"], init["vy"], np.zeros(n)])
    lanes = LaneParams(cutoff_s=np.zeros(n), beta_kg_m2=init["beta"])
    size = min(n, chunk or backend.chunk)
    kw = dict(events=("impact",), accel=simplified_accel, chunk=size)

    w = np.arange(size)
    t0 = time.perf_counter()
    integrate(state0[w], np.zeros(size), lanes.take(w), None, physics, policy, backend=backend, **kw)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    integrate(state0[w], np.zeros(size), lanes.take(w), None, physics, policy, backend=backend, **kw)
    warm = time.perf_counter() - t0
    stats: dict[str, Any] = {}
    t0 = time.perf_counter()
    log = integrate(state0, np.zeros(n), lanes, None, physics, policy, backend=backend, stats=stats, **kw).log
    secs = time.perf_counter() - t0
    return {"backend": backend.name, "device": backend.device, "chunk": size, "seconds": secs,
            "rate": n / secs, "compile_s": max(first - warm, 0.0), "loop_steps": stats.get("steps"),
            "landed": int((log.status == 1).sum()), "t_imp": log.impact_t,
            "x_imp": log.impact_state[:, 0], "y_imp": log.impact_state[:, 1]}


def run_kernel(init: dict[str, np.ndarray]) -> dict[str, Any] | str:
    """The CUDA reference kernel, or the reason it cannot run here."""
    try:
        import cupy as cp
    except Exception as exc:  # noqa: BLE001 - any import failure means: no kernel here
        return f"CuPy not importable ({type(exc).__name__}); install 'duel[gpu-bench]' on an NVIDIA GPU machine"
    try:
        if cp.cuda.runtime.getDeviceCount() < 1:
            return "no CUDA device"
        kern = cp.RawKernel(KERNEL_SRC, "fly")
        n = init["x"].size
        args = [cp.asarray(init[k]) for k in ("x", "y", "vx", "vy", "beta")]
        t_imp, x_imp, y_imp = (cp.empty(n) for _ in range(3))
        block = 128
        grid = (n + block - 1) // block

        def launch(m: int) -> None:
            kern(((m + block - 1) // block,), (block,),
                 (*args, t_imp, x_imp, y_imp, np.int32(m), np.float64(DT), np.int32(MAX_STEPS)))

        t0 = time.perf_counter()
        launch(min(n, 1024))  # compile + warm-up
        cp.cuda.Device().synchronize()
        compile_s = time.perf_counter() - t0
        start, stop = cp.cuda.Event(), cp.cuda.Event()
        start.record()
        launch(n)
        stop.record()
        stop.synchronize()
        secs = cp.cuda.get_elapsed_time(start, stop) / 1e3
        props = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)
        name = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
        return {"device": f"cuda:{cp.cuda.Device().id} {name} (cupy {cp.__version__})", "seconds": secs,
                "rate": n / secs, "compile_s": compile_s, "grid": grid, "block": block,
                "t_imp": cp.asnumpy(t_imp), "x_imp": cp.asnumpy(x_imp), "y_imp": cp.asnumpy(y_imp)}
    except Exception as exc:  # noqa: BLE001
        return f"kernel failed: {type(exc).__name__}: {exc}"


def default_backend() -> str:
    from duel.backend import get_backend
    from duel.errors import InputError

    try:
        get_backend("gpu")
        return "gpu"
    except InputError:
        return "jax-cpu"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, nargs="+", default=None,
                    help="batch sizes (default 1e6 4e6 on a GPU, 1e3 1e4 on the CPU)")
    ap.add_argument("--backend", default=None, choices=["gpu", "jax-cpu", "numpy-xp"],
                    help="engine backend (default gpu if available, else jax-cpu)")
    ap.add_argument("--chunk", type=int, default=None, help="engine trajectories per program run")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the JSON lines only")
    args = ap.parse_args()

    backend = args.backend or default_backend()
    sizes = args.n or ([1_000_000, 4_000_000] if backend == "gpu" else [1_000, 10_000])
    rows = []
    for n in sizes:
        init = initial_states(n, args.seed)
        eng = run_engine(init, backend, args.chunk if args.chunk else n)
        ker = run_kernel(init)
        out = {
            "benchmark": "limit", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
            "model": "planar two-body + exponential-atmosphere drag, RK4 dt 0.25 s, float64", "n": n,
            "engine_backend": eng["backend"], "engine_device": eng["device"], "engine_chunk": eng["chunk"],
            "engine_s": eng["seconds"], "engine_per_s": eng["rate"], "engine_compile_s": eng["compile_s"],
            "engine_loop_steps": eng["loop_steps"], "engine_landed": eng["landed"],
        }
        if isinstance(ker, str):
            out.update(kernel=None, kernel_note=ker, ratio=None)
        else:
            d = np.hypot(ker["x_imp"] - eng["x_imp"], ker["y_imp"] - eng["y_imp"])
            out.update(kernel_device=ker["device"], kernel_s=ker["seconds"], kernel_per_s=ker["rate"],
                       kernel_compile_s=ker["compile_s"], ratio=eng["rate"] / ker["rate"],
                       max_impact_diff_m=float(np.nanmax(d)),
                       max_impact_time_diff_s=float(np.nanmax(np.abs(ker["t_imp"] - eng["t_imp"]))))
        rows.append(out)
        append(out)
        if args.json:
            print(json.dumps(out))
    if args.json:
        return
    print("limit: simplified model (planar two-body + exponential drag), RK4 dt 0.25 s, float64")
    print(f"  engine: duel's fixed-shape integration loop on {rows[0]['engine_device']}")
    print(f"  {'N':>10} {'engine /s':>12} {'compile s':>9} {'kernel /s':>12} {'ratio':>6} {'impact diff':>12}")
    for r in rows:
        kr = f"{r['kernel_per_s']:12.3g}" if r.get("kernel_per_s") else f"{'-':>12}"
        ratio = f"{r['ratio']:6.2f}" if r.get("ratio") else f"{'-':>6}"
        dd = f"{r['max_impact_diff_m']:10.2e} m" if r.get("max_impact_diff_m") is not None else f"{'-':>12}"
        print(f"  {r['n']:>10,} {r['engine_per_s']:12.3g} {r['engine_compile_s']:9.2f} {kr} {ratio} {dd}")
    if rows[0].get("kernel_note"):
        print(f"  kernel: not run: {rows[0]['kernel_note']}")


if __name__ == "__main__":
    main()
