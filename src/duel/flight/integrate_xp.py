"""Batch integration as one fixed-shape loop: the form that compiles to a single GPU program (JAX).

The same physics, step policy and events as :mod:`duel.flight.integrate` (the NumPy default), rewritten so
that every array keeps the batch shape (N,) from the first step to the last:

* one loop iteration = one classical RK4 step of every trajectory, each with its own step ``dt`` (an
  array): the step policy (:class:`~duel.flight.integrate.StepPolicy`: small in boost and low down, large
  in free flight high up, capped by the drag time scale) and the rule that no step crosses a thrust-phase
  boundary (end of the vertical rise and of the kick, stage burnouts, thrust cut-off) are the NumPy
  path's, computed with ``where`` instead of index arrays;
* finished trajectories are *frozen* (``dt = 0`` and ``where``), not compacted out, so shapes never change
  and the whole loop can be traced once: ``jax.lax.while_loop`` (condition: any trajectory still flying)
  under ``jax.jit``; with NumPy the same body runs in a Python ``while`` (the ``numpy-xp`` test backend);
* events: stage burnouts and thrust cut-off happen exactly at step ends and are recorded in the loop.
  For the events found *inside* a step (apogee, the 100 km and 30 km crossings on the way down, impact)
  the loop keeps only the bracketing step (time, step size, state at its start; a landed trajectory is
  frozen at the start of its last step). After the loop each bracket step is taken again (same RK4
  arithmetic) and the event is located on the cubic Hermite interpolant of the height by bisection with a
  fixed iteration count (:data:`BISECT_ITERS`, as in the NumPy path), so no data-dependent control flow
  and no per-step root finding remain inside the loop.

Results are a :class:`~duel.flight.integrate.EventLog` (NumPy arrays), as from the NumPy path; recording
time series is not supported here (use the NumPy path for single flights with tracks).

The vector field is pluggable (``accel``, default :func:`duel.flight.dynamics.acceleration`), so a
benchmark can run the engine's loop on simplified physics (``benchmarks/limit.py``).

JAX is imported only inside the functions that need it (``duel --help`` stays fast); float64 requires
``jax_enable_x64``, which :func:`integrate_xp` switches on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from duel.earth import height_xp
from duel.flight.dynamics import COAST, BoostTables, LaneParams, Physics, acceleration, phase_and_stage
from duel.flight.integrate import (
    CRASHED, DOWN_LEVELS_M, FLYING, IMPACT, TIMEOUT, EventLog, StepPolicy, _hermite, rk4_step,
)

ALL_EVENTS = ("burnout", "apogee", "down", "impact")
BISECT_ITERS = 50  # bisection steps on the Hermite interpolant (the NumPy path uses 50 too)
MAX_STEPS = 1_000_000  # safety bound on loop iterations (timeouts end every flight long before)
_TABLE_ARRAYS = ("start_s", "end_s", "mass_above_kg", "gross_kg", "mdot_kg_s", "thrust_vac_n",
                 "pressure_area_m2", "area_m2", "drag_mach", "drag_cd")
_TABLE_SCALARS = ("pitch_vertical_s", "pitch_kick_s", "payload_kg")

Accel = Callable[..., tuple[Any, Any, Any]]


# ----------------------------------------------------------------------------------- small pieces (xp)
def vertical_speed_xp(s: Sequence[Any], physics: Physics, xp: Any = np) -> Any:
    """Rate of change of height (m/s): ECEF velocity along the ellipsoid normal."""
    e = physics.earth
    nx, ny, nz = s[0] / e.a_m**2, s[1] / e.a_m**2, s[2] / e.b_m**2
    nn = xp.sqrt(nx * nx + ny * ny + nz * nz)
    return (s[3] * nx + s[4] * ny + s[5] * nz) / nn


def _speed(s: Sequence[Any], xp: Any) -> Any:
    return xp.sqrt(s[3] * s[3] + s[4] * s[4] + s[5] * s[5])


def _bisect(h0: Any, hd0: Any, h1: Any, hd1: Any, dt: Any, level: Any, peak: Any, xp: Any,
            fori_loop: Callable[..., Any]) -> Any:
    """Fraction of a step where the Hermite height falls to ``level`` (or, where ``peak``, where it peaks).

    Fixed-count bisection (:data:`BISECT_ITERS`), per lane; ``level`` and ``peak`` are arrays, so the
    events of all kinds are located in one pass.
    """

    def halve(_: Any, lohi: tuple[Any, Any]) -> tuple[Any, Any]:
        lo, hi = lohi
        mid = 0.5 * (lo + hi)
        val, der = _hermite(h0 - level, hd0, h1 - level, hd1, dt, mid)
        right = xp.where(peak, der > 0, val > 0)
        return xp.where(right, mid, lo), xp.where(right, hi, mid)

    lo, hi = fori_loop(0, BISECT_ITERS, halve, (xp.zeros_like(h0), xp.ones_like(h0)))
    return 0.5 * (lo + hi)


# ------------------------------------------------------------------------------------------ the program
@dataclasses.dataclass(frozen=True)
class _Spec:
    """Everything static about one compiled program (hashable: the compile-cache key)."""

    physics: Physics
    policy: StepPolicy
    events: tuple[str, ...]
    until_burnout: bool
    n_stages: int  # 0: flights start at burnout (no boost tables)
    table_scalars: tuple[float, ...]
    accel: Accel
    max_steps: int
    record_steps: int = 0  # > 0: record every step's state in buffers of this many samples per lane


def _program(spec: _Spec, xp: Any, while_loop: Callable[..., Any], fori_loop: Callable[..., Any]
             ) -> Callable[..., dict[str, Any]]:
    """The whole integration as a pure function of arrays, for namespace ``xp`` and a loop primitive."""
    physics, policy, earth = spec.physics, spec.policy, spec.physics.earth
    boost = spec.n_stages > 0
    ev_bo, ev_apo, ev_down, ev_imp = (e in spec.events for e in ALL_EVENTS)
    levels = DOWN_LEVELS_M if ev_down else ()
    brackets = (["apo"] if ev_apo else []) + [f"dn{k}" for k in range(len(levels))]
    record = spec.record_steps > 0

    def run(t0, s0, cutoff, beta, kick_dir, tab):
        tables = None
        if boost:
            tables = BoostTables(**tab, **dict(zip(_TABLE_SCALARS, spec.table_scalars)))
            bounds_fixed = xp.concatenate([
                xp.asarray([tables.pitch_vertical_s, tables.pitch_vertical_s + tables.pitch_kick_s]), tables.end_s])
        lanes = LaneParams(cutoff_s=cutoff, beta_kg_m2=beta, kick_dir=kick_dir)
        nan = xp.full(t0.shape, xp.nan)
        false = xp.zeros(t0.shape, dtype=bool)

        def step_size(t, s, phase, h0):
            coast = phase == COAST
            dt = xp.where(coast, policy.coast_step(h0, _speed(s, xp), beta, xp), policy.boost_s)
            if boost:
                tt = t[:, None] + 1e-9
                ahead = xp.min(xp.where(bounds_fixed[None, :] > tt, bounds_fixed[None, :], xp.inf), axis=1)
                ahead = xp.minimum(ahead, xp.where(cutoff > t + 1e-9, cutoff, xp.inf))
                dt = xp.where(coast, dt, xp.minimum(dt, ahead - t))
            return dt

        def rk4(t, s, dt, phase, stage):
            def rhs(tt, st):
                return spec.accel(tt, st, phase, stage, lanes, tables, physics, xp)

            return rk4_step(t, s, dt, rhs)

        def body(c):
            t, s, active = c["t"], c["s"], c["active"]
            phase, stage = phase_and_stage(t, cutoff, tables, xp)
            coast = phase == COAST
            h0 = height_xp(s[0], s[1], s[2], earth, xp)
            dt = xp.where(active, step_size(t, s, phase, h0), 0.0)
            s1 = rk4(t, s, dt, phase, stage)
            t1 = t + dt
            h1 = height_xp(s1[0], s1[1], s1[2], earth, xp)
            hd0, hd1 = vertical_speed_xp(s, physics, xp), vertical_speed_xp(s1, physics, xp)
            speed1 = _speed(s1, xp)
            out = dict(c)
            out["max_speed"] = xp.where(active, xp.maximum(c["max_speed"], speed1), c["max_speed"])
            if boost:
                powered = active & ~coast
                sb = []
                for k in range(spec.n_stages):
                    end = tables.end_s[k]
                    hit = powered & (xp.abs(t1 - end) < 1e-9) & (end <= cutoff + 1e-9)
                    sb.append(tuple(xp.where(hit, v, old) for v, old in zip((t1, h1, speed1), c["sb"][k])))
                out["sb"] = tuple(sb)
                if ev_bo:
                    cut = powered & (xp.abs(t1 - cutoff) < 1e-9)
                    out["bo_t"] = xp.where(cut, t1, c["bo_t"])
                    out["bo_s"] = tuple(xp.where(cut, a, b) for a, b in zip(s1, c["bo_s"]))
            crossed = {}
            if ev_apo:
                crossed["apo"] = active & coast & (hd0 > 0) & (hd1 <= 0)
            for k, level in enumerate(levels):
                crossed[f"dn{k}"] = active & coast & (h0 > level) & (h1 <= level)
            for name, hit in crossed.items():
                out[name] = (xp.where(hit, t, c[name][0]), xp.where(hit, dt, c[name][1]),
                             tuple(xp.where(hit, a, b) for a, b in zip(s, c[name][2])))
                out[name + "_hit"] = c[name + "_hit"] | hit
            landed = active & coast & (h0 > 0) & (h1 <= 0)
            crashed = active & ~coast & (h1 < -1.0) & ~landed
            timeout = active & (t1 > policy.t_max_s) & ~landed & ~crashed
            out["status"] = xp.where(landed, IMPACT, xp.where(crashed, CRASHED,
                                                                xp.where(timeout, TIMEOUT, c["status"])))
            keep = active & ~(landed | crashed | timeout)
            if spec.until_burnout:
                keep = keep & (t1 < cutoff - 1e-9)
            out["dt_last"] = xp.where(landed, dt, c["dt_last"])
            move = active & ~landed  # a landed trajectory stays at the start of its last step
            out["t"] = xp.where(move, t1, t)
            out["s"] = tuple(xp.where(move, a, b) for a, b in zip(s1, s))
            out["active"] = keep
            out["k"] = c["k"] + 1
            if record:  # the NumPy path's recording: every step end of a lane that flies on
                col = c["k"] + 1
                out["rec_t"] = _set_column(c["rec_t"], col, xp.where(keep, t1, xp.nan), xp)
                out["rec_s"] = _set_column(c["rec_s"], col, xp.stack([xp.where(keep, a, xp.nan) for a in s1], axis=-1),
                                           xp)
                out["nrec"] = xp.where(keep, col + 1, c["nrec"])
            return out

        def cond(c):
            return xp.any(c["active"]) & (c["k"] < spec.max_steps)

        at_burnout = cutoff <= t0
        c0 = {"k": xp.asarray(0), "t": t0, "s": tuple(s0), "active": xp.ones(t0.shape, dtype=bool),
              "status": xp.full(t0.shape, FLYING), "max_speed": xp.zeros_like(t0), "dt_last": xp.zeros_like(t0)}
        if boost:
            c0["sb"] = tuple((nan, nan, nan) for _ in range(spec.n_stages))
        if record:
            K = spec.record_steps
            c0["rec_t"] = _set_column(xp.full((t0.shape[0], K), xp.nan), 0, t0, xp)
            c0["rec_s"] = _set_column(xp.full((t0.shape[0], K, 6), xp.nan), 0, xp.stack(list(s0), axis=-1), xp)
            c0["nrec"] = xp.ones(t0.shape, dtype=int)
        if ev_bo:
            c0["bo_t"] = xp.where(at_burnout, t0, nan)
            c0["bo_s"] = tuple(xp.where(at_burnout, a, nan) for a in s0)
        for name in brackets:
            c0[name] = (nan, nan, tuple(nan for _ in range(6)))
            c0[name + "_hit"] = false
        c = while_loop(cond, body, c0)

        # events inside a step: take the bracketing step again and bisect on the Hermite interpolant
        res = {"status": c["status"], "max_speed": c["max_speed"], "steps": c["k"]}
        if boost:
            res["sb"] = c["sb"]
        if ev_bo:
            res["bo_t"], res["bo_s"] = c["bo_t"], c["bo_s"]
        located = {name: (c[name + "_hit"], *c[name]) for name in brackets}
        if ev_imp:
            located["imp"] = (c["status"] == IMPACT, c["t"], c["dt_last"], c["s"])
        if located:
            # all kinds at once: the brackets of every event kind side by side (len(located) * N lanes)
            names = list(located)
            n = t0.shape[0]
            cat = xp.concatenate
            hit = cat([located[k][0] for k in names])
            tb = xp.where(hit, cat([located[k][1] for k in names]), cat([t0] * len(names)))
            dtb = xp.where(hit, cat([located[k][2] for k in names]), 1.0)
            sb0 = tuple(xp.where(hit, cat([located[k][3][j] for k in names]), cat([s0[j]] * len(names)))
                        for j in range(6))  # finite dummies where there is no event
            lev = {"apo": 0.0, "imp": 0.0, **{f"dn{k}": lv for k, lv in enumerate(levels)}}
            level = cat([xp.full(t0.shape, lev[k]) for k in names])
            peak = cat([xp.full(t0.shape, k == "apo") for k in names])
            lanes_all = LaneParams(cat([cutoff] * len(names)), cat([beta] * len(names)),
                                   cat([kick_dir] * len(names)))
            phase, stage = phase_and_stage(tb, lanes_all.cutoff_s, tables, xp)

            def rhs(tt, st):
                return spec.accel(tt, st, phase, stage, lanes_all, tables, physics, xp)

            sb1 = rk4_step(tb, sb0, dtb, rhs)
            h0 = height_xp(sb0[0], sb0[1], sb0[2], earth, xp)
            h1 = height_xp(sb1[0], sb1[1], sb1[2], earth, xp)
            hd0, hd1 = vertical_speed_xp(sb0, physics, xp), vertical_speed_xp(sb1, physics, xp)
            tau = _bisect(h0, hd0, h1, hd1, dtb, level, peak, xp, fori_loop)
            pv = [_hermite(sb0[k], sb0[k + 3], sb1[k], sb1[k + 3], dtb, tau) for k in range(3)]
            vel = [v for _, v in pv]
            t_ev = xp.where(hit, tb + tau * dtb, xp.nan)
            v_ev = xp.where(hit, xp.sqrt(vel[0] ** 2 + vel[1] ** 2 + vel[2] ** 2), xp.nan)
            for i, name in enumerate(names):
                sl = slice(i * n, (i + 1) * n)
                res[name + "_t"], res[name + "_v"] = t_ev[sl], v_ev[sl]
                if name == "apo":
                    res["apo_h"] = xp.where(hit[sl], _hermite(h0[sl], hd0[sl], h1[sl], hd1[sl], dtb[sl], tau[sl])[0],
                                            xp.nan)
                if name == "imp":
                    res["imp_s"] = tuple(xp.where(hit[sl], a[sl], xp.nan) for a in [p for p, _ in pv] + vel)
        if record:  # landed lanes end with the impact sample, as in the NumPy recording
            landed = c["status"] == IMPACT
            col = xp.where(landed, c["nrec"], spec.record_steps)  # out of range: dropped
            res["rec_t"] = _set_at(c["rec_t"], col, res["imp_t"], xp)
            res["rec_s"] = _set_at(c["rec_s"], col, xp.stack(list(res["imp_s"]), axis=-1), xp)
            res["nrec"] = xp.where(landed, c["nrec"] + 1, c["nrec"])
        return res

    return run


def _set_column(buf: Any, col: Any, values: Any, xp: Any) -> Any:
    """``buf`` with column ``col`` (a scalar index along axis 1) set to ``values``; out of range: unchanged."""
    if xp is np:
        if int(col) < buf.shape[1]:
            buf[:, int(col)] = values
        return buf
    return buf.at[:, col].set(values, mode="drop")


def _set_at(buf: Any, col: Any, values: Any, xp: Any) -> Any:
    """``buf`` with entry (i, col[i]) set to ``values[i]`` for every lane i; columns out of range: unchanged."""
    rows = xp.arange(buf.shape[0])
    if xp is np:
        ok = col < buf.shape[1]
        buf[rows[ok], col[ok]] = values[ok]
        return buf
    return buf.at[rows, col].set(values, mode="drop")


def _python_while(cond: Callable[[Any], Any], body: Callable[[Any], Any], c: Any) -> Any:
    while bool(cond(c)):
        c = body(c)
    return c


def _python_fori(lo: int, hi: int, body: Callable[[int, Any], Any], c: Any) -> Any:
    for i in range(lo, hi):
        c = body(i, c)
    return c


_JAX_CACHE: dict[tuple[_Spec, str], Callable[..., Any]] = {}


def _jax_program(spec: _Spec, platform: str) -> Callable[..., Any]:
    key = (spec, platform)
    if key not in _JAX_CACHE:
        import jax
        import jax.numpy as jnp

        _JAX_CACHE[key] = jax.jit(_program(spec, jnp, jax.lax.while_loop, jax.lax.fori_loop))
    return _JAX_CACHE[key]


def enable_x64() -> None:
    """Switch JAX to float64 (global JAX setting; must happen before arrays are created)."""
    import jax

    jax.config.update("jax_enable_x64", True)


# ------------------------------------------------------------------------------------------ entry point
def integrate_xp(
    state0: np.ndarray,
    t0: np.ndarray,
    lanes: LaneParams,
    tables: BoostTables | None,
    physics: Physics,
    policy: StepPolicy = StepPolicy(),
    *,
    until_burnout: bool = False,
    xp: str = "jax",
    device: Any = None,
    chunk: int | None = None,
    events: Sequence[str] = ALL_EVENTS,
    accel: Accel = acceleration,
    max_steps: int = MAX_STEPS,
    stats: dict[str, Any] | None = None,
    record_steps: int = 0,
    device_arrays: bool = False,
) -> EventLog | tuple[EventLog, Any, Any]:
    """Integrate N trajectories from ECEF states ``state0`` (N, 6) (m, m/s) at times ``t0`` (N,) (s).

    Same contract as :func:`duel.flight.integrate.integrate` (``record`` excepted): ``tables`` is None for
    flights starting at burnout (then ``lanes.cutoff_s <= t0``); ``until_burnout`` stops each trajectory at
    its thrust cut-off.

    Args:
        xp: ``"jax"`` (one jit-compiled program; ``device`` a JAX device, default JAX's default) or
            ``"numpy"`` (the same fixed-shape loop body run by NumPy in a Python loop; for tests).
        chunk: trajectories per program run (None: all at once). With JAX the last chunk is padded to the
            chunk size so one compiled program serves every chunk.
        events: any of ``burnout``, ``apogee``, ``down`` (100 and 30 km), ``impact``; fewer events, less work.
            Event fields not asked for stay NaN.
        accel: the vector field, signature of :func:`duel.flight.dynamics.acceleration`.
        stats: if given, filled with ``steps`` (loop iterations, max over chunks) and ``chunks``.
        record_steps: > 0 records every step, as the NumPy path's ``record=True``, into fixed buffers of
            this many samples per trajectory (a fixed shape, so the loop still compiles once); a chunk that
            needs more is run again with twice the size.
        device_arrays: with JAX, return the recording as JAX arrays on the device (no transfer to the host),
            for programs that go on computing there.
    Returns:
        An :class:`~duel.flight.integrate.EventLog` of NumPy arrays; with ``record_steps``, also the times
        (N, S) and ECEF states (N, S, 6) of every recorded sample, NaN-padded after each trajectory ends
        (the layout of :meth:`duel.flight.integrate.Recording.assemble`).
    """
    unknown = set(events) - set(ALL_EVENTS)
    if unknown:
        raise ValueError(f"unknown events {sorted(unknown)}; known: {ALL_EVENTS}")
    events = tuple(e for e in ALL_EVENTS if e in set(events))
    state0 = np.asarray(state0, float)
    n = state0.shape[0]
    t0 = np.broadcast_to(np.asarray(t0, float), (n,))
    n_stages = 0 if tables is None else len(tables.end_s)
    spec = _Spec(physics, policy, events, until_burnout, n_stages,
                 tuple(float(getattr(tables, k)) for k in _TABLE_SCALARS) if tables is not None else (),
                 accel, max_steps, max(0, int(record_steps)))
    kick = lanes.kick_dir if len(lanes.kick_dir) else np.zeros((n, 3))
    tab = {k: np.asarray(getattr(tables, k), float) for k in _TABLE_ARRAYS} if tables is not None else None

    if xp == "numpy":
        def call(sl: slice, pad: int) -> dict[str, Any]:
            prog = _program(spec, np, _python_while, _python_fori)
            return prog(t0[sl], tuple(state0[sl, k] for k in range(6)), lanes.cutoff_s[sl],
                        lanes.beta_kg_m2[sl], kick[sl], tab)
    elif xp == "jax":
        enable_x64()
        import jax

        dev = device if device is not None else jax.devices()[0]
        tab_dev = jax.device_put(tab, dev) if tab is not None else None

        def call(sl: slice, pad: int) -> dict[str, Any]:
            def put(a: np.ndarray) -> Any:
                a = np.asarray(a, float)
                if pad:
                    a = np.concatenate([a, np.repeat(a[-1:], pad, axis=0)])
                return jax.device_put(a, dev)

            s = put(state0[sl])
            out = _jax_program(spec, dev.platform)(put(t0[sl]), tuple(s[:, k] for k in range(6)), put(lanes.cutoff_s[sl]),
                       put(lanes.beta_kg_m2[sl]), put(kick[sl]), tab_dev)
            def back(key: str, a: Any) -> Any:  # results to the host, the recording too unless kept on the device
                if not a.ndim:
                    return a
                if device_arrays and key in ("rec_t", "rec_s"):
                    return a[: a.shape[0] - pad]
                return np.asarray(a)[: a.shape[0] - pad]

            return {k: (back(k, v) if not isinstance(v, tuple) else jax.tree_util.tree_map(lambda a: back(k, a), v))
                    for k, v in out.items()}
    else:
        raise ValueError(f"xp must be 'jax' or 'numpy', got {xp!r}")

    size = n if chunk is None else max(1, min(int(chunk), n))
    log = EventLog(n, n_stages)
    steps = 0
    nchunks = 0
    rec_t: list[np.ndarray] = []
    rec_s: list[np.ndarray] = []
    for i0 in range(0, n, size):
        m = min(size, n - i0)
        res = call(slice(i0, i0 + m), size - m if xp == "jax" else 0)
        while spec.record_steps and int(np.max(res["nrec"])) > spec.record_steps:  # buffer too small
            spec = dataclasses.replace(spec, record_steps=2 * spec.record_steps)
            res = call(slice(i0, i0 + m), size - m if xp == "jax" else 0)
        _fill(log, slice(i0, i0 + m), res, n_stages)
        if spec.record_steps:
            rec_t.append(res["rec_t"])
            rec_s.append(res["rec_s"])
        steps = max(steps, int(res["steps"]))
        nchunks += 1
    if stats is not None:
        stats.update(steps=steps, chunks=nchunks, chunk=size)
    if not spec.record_steps:
        return log
    if device_arrays and xp == "jax":
        import jax.numpy as jnp

        width = max(a.shape[1] for a in rec_t)  # chunks may have doubled their buffers: pad to the widest
        pad_to = lambda a: jnp.pad(a, ((0, 0), (0, width - a.shape[1])) + ((0, 0),) * (a.ndim - 2),  # noqa: E731
                                   constant_values=jnp.nan)
        return log, jnp.concatenate([pad_to(a) for a in rec_t]), jnp.concatenate([pad_to(a) for a in rec_s])
    width = max(int(np.max(np.sum(np.isfinite(a), axis=1))) for a in rec_t)
    t_all = np.concatenate([np.pad(a[:, :width], ((0, 0), (0, max(0, width - a.shape[1]))), constant_values=np.nan)
                            for a in rec_t])
    s_all = np.concatenate([np.pad(a[:, :width], ((0, 0), (0, max(0, width - a.shape[1])), (0, 0)),
                                   constant_values=np.nan) for a in rec_s])
    return log, t_all, s_all


def _fill(log: EventLog, sl: slice, res: dict[str, Any], n_stages: int) -> None:
    """Copy one chunk's program results into the event log."""
    log.status[sl] = np.asarray(res["status"])
    log.max_speed[sl] = np.asarray(res["max_speed"])
    for k in range(n_stages):
        tt, hh, vv = (np.asarray(a) for a in res["sb"][k])
        log.stage_burnout_t[sl, k], log.stage_burnout_h[sl, k], log.stage_burnout_v[sl, k] = tt, hh, vv
    if "bo_t" in res:
        log.burnout_t[sl] = np.asarray(res["bo_t"])
        log.burnout_state[sl] = np.stack([np.asarray(a) for a in res["bo_s"]], axis=-1)
    if "apo_t" in res:
        log.apogee_t[sl], log.apogee_h[sl], log.apogee_v[sl] = (np.asarray(res[k]) for k in ("apo_t", "apo_h", "apo_v"))
    for k in range(len(DOWN_LEVELS_M)):
        if f"dn{k}_t" in res:
            log.down_t[sl, k], log.down_v[sl, k] = np.asarray(res[f"dn{k}_t"]), np.asarray(res[f"dn{k}_v"])
    if "imp_t" in res:
        log.impact_t[sl] = np.asarray(res["imp_t"])
        log.impact_state[sl] = np.stack([np.asarray(a) for a in res["imp_s"]], axis=-1)
