"""Batch integration: the one loop of :mod:`duel.flight.stepping`, driven two ways.

* **Compacting driver** (``numpy``, the CPU default): a Python loop over steps; every step is
  :func:`~duel.flight.stepping.take_step` on the lanes still flying, events are located at once in the step
  that contains them, and lanes that land, crash or time out leave the batch (compaction: later steps cost
  only what still flies).
* **Fixed-shape driver** (``gpu`` and ``jax-cpu``: one ``jax.jit``-compiled ``jax.lax.while_loop``;
  ``numpy-xp``: the same body in a Python loop, for tests): every array keeps the batch shape (N,) from the
  first step to the last, finished lanes are frozen (step 0), and for events inside a step the loop keeps
  only the bracketing step (time, step, state at its start); after the loop each bracket is stepped again
  (same arithmetic) and located with the same :func:`~duel.flight.stepping.locate`. No data-dependent
  control flow remains in the loop, so it compiles once.

Both drivers call the same step, event tests, bisection and interpolation, so they give the same numbers
(the compiled one may differ in the last bits where XLA reorders floating-point operations). Every
trajectory has its own time, step and status; N trajectories in one call give the numbers of N single calls.

Why a hand-written RK4 rather than ``solve_ivp``: it runs over the whole batch at once and, written against
an array namespace, on a GPU too; ``solve_ivp`` (DOP853) is the accuracy reference
(:mod:`duel.flight.reference`; measurements in ``docs/performance.md``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from duel.backend import Backend, get_backend
from duel.errors import FlightBudgetError
from duel.flight.dynamics import BoostTables, LaneParams, Physics, acceleration, phase_and_stage
from duel.flight.events import CRASHED, CROSSING_KEYS, CROSSINGS, FLYING, IMPACT, TIMEOUT, Crossing, EventLog
from duel.flight.stepping import (
    Accel,
    Step,
    StepPolicy,
    crossed,
    event_state,
    hermite,
    locate,
    phase_bounds,
    python_fori,
    rk4_step,
    stage_ends,
    take_step,
    vertical_speed,
)
from duel.physics.earth import height_xp

ALL_EVENTS: tuple[str, ...] = ("burnout", *CROSSING_KEYS)
"""Event names the drivers can record: the thrust cut-off and every crossing of :data:`CROSSINGS`."""
MAX_STEPS = 1_000_000  # safety bound on the fixed-shape loop's iterations (timeouts end every flight long before)
RECORD_STEPS = 512  # first size of the fixed-shape driver's recording buffers (doubled when a flight needs more)
_TABLE_ARRAYS = ("start_s", "end_s", "mass_above_kg", "gross_kg", "mdot_kg_s", "thrust_vac_n",
                 "pressure_area_m2", "area_m2", "drag_mach", "drag_cd")
_TABLE_SCALARS = ("pitch_vertical_s", "pitch_kick_s", "payload_kg")
_IMPACT = next(c for c in CROSSINGS if c.key == "impact")


@dataclasses.dataclass
class Flown:
    """What a batch integration returns: the event log and, when recorded, every step's time (N, S) in s
    and ECEF state (N, S, 6), NaN-padded after each trajectory ends (JAX arrays on the device when asked)."""

    log: EventLog
    t: Any = None
    state: Any = None


def integrate(
    state0: np.ndarray,
    t0: Any,
    lanes: LaneParams,
    tables: BoostTables | None,
    physics: Physics,
    policy: StepPolicy = StepPolicy(),
    *,
    backend: Backend | str = "numpy",
    record: bool = False,
    until_burnout: bool = False,
    chunk: int | None = None,
    events: Sequence[str] = ALL_EVENTS,
    accel: Accel = acceleration,
    stats: dict[str, Any] | None = None,
    max_steps: int = MAX_STEPS,
    device_arrays: bool = False,
    observer: Observer | None = None,
) -> Flown:
    """Integrate N trajectories from ECEF states ``state0`` (N, 6) (m, m/s) at times ``t0`` (N,) (s) to impact.

    Args:
        tables: the boost (None for flights that start at burnout; then ``lanes.cutoff_s <= t0``).
        backend: ``numpy`` (compacting driver) or a fixed-shape backend (``gpu``, ``jax-cpu``, ``numpy-xp``).
        record: keep every step's state (time series).
        until_burnout: stop each trajectory at its thrust cut-off (boost only).
        chunk: trajectories per driver run (default: the backend's); never changes a number.
        events: which of :data:`ALL_EVENTS` to record (fewer, less work); landing always ends a flight.
        accel: the vector field, signature of :func:`duel.flight.dynamics.acceleration`.
        stats: if given, filled with ``steps`` (most steps of a chunk), ``chunks`` and ``chunk``.
        max_steps: bound on the fixed-shape loop's iterations.
        device_arrays: fixed-shape JAX backends return the recording as JAX arrays on the device.
        observer: handed every lane's samples in time order as the loop makes them (the initial state, each
            step's end, and the located impact in place of the step that passes it), for work that folds over
            a flight instead of storing it (e.g. :class:`duel.defence.stepwise.StepWindows`); ``numpy`` only.
    """
    unknown = set(events) - set(ALL_EVENTS)
    if unknown:
        raise ValueError(f"unknown events {sorted(unknown)}; known: {ALL_EVENTS}")
    be = get_backend(backend) if isinstance(backend, str) else backend
    state0 = np.asarray(state0, float)
    n = state0.shape[0]
    t0 = np.broadcast_to(np.asarray(t0, float), (n,))
    size = max(1, min(be.chunk if chunk is None else int(chunk), n))
    wanted = tuple(e for e in ALL_EVENTS if e in set(events))
    if be.name == "numpy":
        return _compacting(state0, t0, lanes, tables, physics, policy, record, until_burnout, size, wanted, accel,
                           stats, observer)
    if observer is not None:
        raise ValueError(f"an observer needs the numpy backend's loop, not {be.name!r}")
    return _fixed_shape(state0, t0, lanes, tables, physics, policy, be, record, until_burnout, size, wanted, accel,
                        stats, max_steps, device_arrays)


def _chunks(n: int, size: int) -> list[slice]:
    return [slice(a, min(n, a + size)) for a in range(0, n, size)]


def _pad_columns(parts: list[np.ndarray]) -> np.ndarray:
    """Per-chunk recordings (m_i, w_i, ...) stacked along the batch, NaN-padded to the widest."""
    width = max(p.shape[1] for p in parts)
    pad = [((0, 0), (0, width - p.shape[1])) + ((0, 0),) * (p.ndim - 2) for p in parts]
    return np.concatenate([np.pad(p, w, constant_values=np.nan) for p, w in zip(parts, pad)])


# ----------------------------------------------------------------------------------- compacting driver
@dataclasses.dataclass
class Observer(Protocol):
    """What the loop hands each sample to: ``add(idx, t, s)`` for lanes ``idx`` at times ``t`` (s), ECEF states
    ``s`` (six arrays, m and m/s), called for each lane in time order."""

    def add(self, idx: np.ndarray, t: np.ndarray, s: Sequence[np.ndarray]) -> None: ...


@dataclasses.dataclass
class _Shifted:
    """An observer seen through a chunk: lane i of the chunk is lane ``offset + i`` of the batch."""

    inner: Observer
    offset: int

    def add(self, idx: np.ndarray, t: np.ndarray, s: Sequence[np.ndarray]) -> None:
        self.inner.add(idx + self.offset, t, s)


@dataclasses.dataclass
class _Both:
    """A recording and an observer fed the same samples."""

    first: Observer
    second: Observer

    def add(self, idx: np.ndarray, t: np.ndarray, s: Sequence[np.ndarray]) -> None:
        self.first.add(idx, t, s)
        self.second.add(idx, t, s)


@dataclasses.dataclass
class Recording:
    """Time series of a batch: lists of per-step samples (lane indices, time, state), assembled later."""

    lanes: list[np.ndarray] = dataclasses.field(default_factory=list)
    t: list[np.ndarray] = dataclasses.field(default_factory=list)
    state: list[np.ndarray] = dataclasses.field(default_factory=list)

    def add(self, idx: np.ndarray, t: np.ndarray, s: Sequence[np.ndarray]) -> None:
        """Record the states ``s`` at times ``t`` of the trajectories ``idx``."""
        self.lanes.append(idx.copy())
        self.t.append(t.copy())
        self.state.append(np.stack(s, axis=-1))

    def assemble(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Times (N, S) and states (N, S, 6), padded with NaN after each trajectory ends."""
        lanes = np.concatenate(self.lanes)
        t = np.concatenate(self.t)
        st = np.concatenate(self.state)
        order = np.lexsort((t, lanes))
        lanes, t, st = lanes[order], t[order], st[order]
        counts = np.bincount(lanes, minlength=n)
        width = int(counts.max()) if len(counts) else 0
        col = np.arange(len(lanes)) - np.repeat(np.cumsum(counts) - counts, counts)
        tt = np.full((n, width), np.nan)
        ss = np.full((n, width, 6), np.nan)
        tt[lanes, col] = t
        ss[lanes, col] = st
        return tt, ss


def _compacting(state0: np.ndarray, t0: np.ndarray, lanes: LaneParams, tables: BoostTables | None, physics: Physics,
                policy: StepPolicy, record: bool, until_burnout: bool, size: int, events: tuple[str, ...],
                accel: Accel, stats: dict[str, Any] | None, observer: Observer | None = None) -> Flown:
    n = state0.shape[0]
    log = EventLog(n, 0 if tables is None else len(tables.end_s))
    ts, states, steps = [], [], 0
    chunks = _chunks(n, size)
    for sl in chunks:
        idx = np.arange(sl.start, sl.stop)
        obs = None if observer is None else _Shifted(observer, sl.start) if sl.start else observer
        part, rec, k = _compacting_loop(state0[sl], t0[sl], lanes.take(idx) if len(chunks) > 1 else lanes, tables,
                                        physics, policy, record, until_burnout, events, accel, obs)
        log.assign(sl, part)
        steps = max(steps, k)
        if rec is not None:
            t, st = rec.assemble(sl.stop - sl.start)
            ts.append(t)
            states.append(st)
    if stats is not None:
        stats.update(steps=steps, chunks=len(chunks), chunk=size)
    if not record:
        return Flown(log)
    return Flown(log, _pad_columns(ts), _pad_columns(states))


def _compacting_loop(state0: np.ndarray, t0: np.ndarray, lanes: LaneParams, tables: BoostTables | None,
                     physics: Physics, policy: StepPolicy, record: bool, until_burnout: bool, events: tuple[str, ...],
                     accel: Accel, observer: Observer | None = None) -> tuple[EventLog, Recording | None, int]:
    """The compacting loop over one chunk: returns its event log, recording and number of steps."""
    n = state0.shape[0]
    log = EventLog(n, 0 if tables is None else len(tables.end_s))
    recording = Recording() if record else None
    rec: Observer | None = recording if observer is None else observer if recording is None \
        else _Both(recording, observer)
    idx = np.arange(n)
    t = np.asarray(t0, float).copy()
    s = tuple(state0[:, k].astype(float).copy() for k in range(6))
    lp = lanes
    bounds = phase_bounds(tables)
    crossings = [c for c in CROSSINGS if c.key in events]
    if "burnout" in events:  # flights that start at or after cut-off: the burnout event is the initial state
        at_burnout = lp.cutoff_s <= t
        log.burnout_t[at_burnout] = t[at_burnout]
        log.burnout_state[at_burnout] = state0[at_burnout]
    if rec is not None:
        rec.add(idx, t, s)
    k, started = 0, time.monotonic()
    start = None  # height, vertical speed and speed at s: the previous step's end
    while idx.size:
        k += 1
        if k > policy.max_steps or (k % 64 == 0 and time.monotonic() - started > policy.max_wall_s):
            raise _over_budget(k, time.monotonic() - started, t, s, physics, policy)
        st = take_step(t, s, lp, tables, bounds, physics, policy, np, accel=accel, start=start)
        log.max_speed[idx] = np.maximum(log.max_speed[idx], st.speed1)
        if tables is not None:
            stage_hits, cut = stage_ends(st, tables, lp.cutoff_s)
            for j, hit in enumerate(stage_hits):
                if hit.any():
                    lanes_hit = idx[hit]
                    log.stage_burnout_t[lanes_hit, j] = st.t1[hit]
                    log.stage_burnout_h[lanes_hit, j] = st.h1[hit]
                    log.stage_burnout_v[lanes_hit, j] = st.speed1[hit]
            if cut.any() and "burnout" in events:
                log.burnout_t[idx[cut]] = st.t1[cut]
                log.burnout_state[idx[cut]] = np.stack([c[cut] for c in st.s1], axis=-1)
        for c in crossings:
            hit = crossed(st, c)
            if hit.any():
                _record_crossing(log, c, idx[hit], st, hit, rec)
        landed = crossed(st, _IMPACT)
        crashed = ~st.coast & (st.h1 < -1.0)
        timeout = st.t1 > policy.t_max_s
        log.status[idx[landed]] = IMPACT
        log.status[idx[crashed & ~landed]] = CRASHED
        log.status[idx[timeout & ~landed & ~crashed]] = TIMEOUT
        keep = ~(landed | crashed | timeout)
        if until_burnout:
            keep &= st.t1 < lp.cutoff_s - 1e-9
        if rec is not None:
            rec.add(idx[keep], st.t1[keep], tuple(c[keep] for c in st.s1))
        idx, t = idx[keep], st.t1[keep]
        s = tuple(c[keep] for c in st.s1)
        start = (st.h1[keep], st.hd1[keep], st.speed1[keep])
        if not keep.all():
            lp = lp.take(keep)
    return log, recording, k


def _over_budget(k: int, seconds: float, t: np.ndarray, s: tuple[np.ndarray, ...], physics: Physics,
                 policy: StepPolicy) -> FlightBudgetError:
    """The error for flights still in the air after ``k`` steps or ``seconds`` of computing (the first one's state)."""
    h = float(height_xp(s[0][:1], s[1][:1], s[2][:1], physics.earth, np)[0])
    v = float(np.sqrt(s[3][0] ** 2 + s[4][0] ** 2 + s[5][0] ** 2))
    why = f"{policy.max_steps:,} integration steps" if k > policy.max_steps else \
        f"{policy.max_wall_s:g} s of computing ({k:,} steps)"
    return FlightBudgetError(
        f"flight: {t.size} flight(s) still in the air after {why}, one at t = {float(t[0]):,.0f} s, altitude "
        f"{h / 1e3:,.1f} km, speed {v:,.1f} m/s: its inputs lie outside what the model flies (for example a "
        "ballistic coefficient near zero); check the values set or drawn")


def _record_crossing(log: EventLog, c: Crossing, lanes: np.ndarray, st: Step, hit: np.ndarray,
                     rec: Observer | None) -> None:
    """Locate crossing ``c`` inside the step of the lanes ``hit`` and write it into the log (and, for the
    impact, the recording)."""
    h0, hd0, h1, hd1, dt = st.h0[hit], st.hd0[hit], st.h1[hit], st.hd1[hit], st.dt[hit]
    tau = locate(h0, hd0, h1, hd1, dt, c.level_m, c.kind == "peak")
    pos, vel, v = event_state([a[hit] for a in st.s], [a[hit] for a in st.s1], dt, tau)
    t_ev = st.t[hit] + tau * dt
    log.crossing_t[c.key][lanes] = t_ev
    log.crossing_v[c.key][lanes] = v
    log.crossing_h[c.key][lanes] = hermite(h0, hd0, h1, hd1, dt, tau)[0] if c.kind == "peak" else c.level_m
    if c.key == "impact":
        state = np.stack(pos + vel, axis=-1)
        log.impact_state[lanes] = state
        if rec is not None:
            rec.add(lanes, t_ev, tuple(state[:, k] for k in range(6)))


# --------------------------------------------------------------------------------- fixed-shape driver
@dataclasses.dataclass(frozen=True)
class _Spec:
    """Everything static about one fixed-shape program (hashable: the compile-cache key)."""

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
    """The whole integration as a pure function of fixed-shape arrays, for namespace ``xp`` and a loop
    primitive (``jax.lax.while_loop``, or a Python loop for ``numpy-xp``)."""
    physics, policy = spec.physics, spec.policy
    boost = spec.n_stages > 0
    crossings = [c for c in CROSSINGS if c.key in spec.events]
    record = spec.record_steps > 0

    def run(t0: Any, s0: tuple[Any, ...], cutoff: Any, beta: Any, kick_dir: Any, tab: Any) -> dict[str, Any]:
        tables = BoostTables(**tab, **dict(zip(_TABLE_SCALARS, spec.table_scalars))) if boost else None
        bounds = phase_bounds(tables, xp)
        lanes = LaneParams(cutoff_s=cutoff, beta_kg_m2=beta, kick_dir=kick_dir)
        nan = xp.full(t0.shape, xp.nan)
        no = xp.zeros(t0.shape, dtype=bool)

        def body(c: dict[str, Any]) -> dict[str, Any]:
            active = c["active"]
            st = take_step(c["t"], c["s"], lanes, tables, bounds, physics, policy, xp, active, spec.accel)
            out = dict(c)
            out["max_speed"] = xp.where(active, xp.maximum(c["max_speed"], st.speed1), c["max_speed"])
            if boost:
                stage_hits, cut = stage_ends(st, tables, cutoff, xp)
                out["sb"] = tuple(tuple(xp.where(hit & active, v, old) for v, old in zip((st.t1, st.h1, st.speed1), prev))
                                  for hit, prev in zip(stage_hits, c["sb"]))
                if "burnout" in spec.events:
                    cut = cut & active
                    out["bo_t"] = xp.where(cut, st.t1, c["bo_t"])
                    out["bo_s"] = tuple(xp.where(cut, a, b) for a, b in zip(st.s1, c["bo_s"]))
            for cr in crossings:  # keep the bracketing step of each crossing (the impact's is the frozen state)
                if cr.key == "impact":
                    continue
                hit = active & crossed(st, cr)
                t_b, dt_b, s_b = c[cr.key]
                out[cr.key] = (xp.where(hit, st.t, t_b), xp.where(hit, st.dt, dt_b),
                               tuple(xp.where(hit, a, b) for a, b in zip(st.s, s_b)))
                out[cr.key + "_hit"] = c[cr.key + "_hit"] | hit
            landed = active & crossed(st, _IMPACT)
            crashed = active & ~st.coast & (st.h1 < -1.0) & ~landed
            timeout = active & (st.t1 > policy.t_max_s) & ~landed & ~crashed
            out["status"] = xp.where(landed, IMPACT, xp.where(crashed, CRASHED, xp.where(timeout, TIMEOUT, c["status"])))
            keep = active & ~(landed | crashed | timeout)
            if spec.until_burnout:
                keep = keep & (st.t1 < cutoff - 1e-9)
            out["dt_last"] = xp.where(landed, st.dt, c["dt_last"])
            move = active & ~landed  # a landed lane stays at the start of its last step
            out["t"] = xp.where(move, st.t1, st.t)
            out["s"] = tuple(xp.where(move, a, b) for a, b in zip(st.s1, st.s))
            out["active"] = keep
            out["k"] = c["k"] + 1
            if record:  # every step end of a lane that flies on, as the compacting driver records
                col = c["k"] + 1
                out["rec_t"] = _set_column(c["rec_t"], col, xp.where(keep, st.t1, xp.nan), xp)
                out["rec_s"] = _set_column(c["rec_s"], col, xp.stack([xp.where(keep, a, xp.nan) for a in st.s1], -1), xp)
                out["nrec"] = xp.where(keep, col + 1, c["nrec"])
            return out

        def cond(c: dict[str, Any]) -> Any:
            return xp.any(c["active"]) & (c["k"] < spec.max_steps)

        c0: dict[str, Any] = {"k": xp.asarray(0), "t": t0, "s": tuple(s0), "active": xp.ones(t0.shape, dtype=bool),
                              "status": xp.full(t0.shape, FLYING), "max_speed": xp.zeros_like(t0),
                              "dt_last": xp.zeros_like(t0)}
        if boost:
            c0["sb"] = tuple((nan, nan, nan) for _ in range(spec.n_stages))
        if "burnout" in spec.events:
            at_burnout = cutoff <= t0
            c0["bo_t"] = xp.where(at_burnout, t0, nan)
            c0["bo_s"] = tuple(xp.where(at_burnout, a, nan) for a in s0)
        for cr in crossings:
            if cr.key != "impact":
                c0[cr.key] = (nan, nan, tuple(nan for _ in range(6)))
                c0[cr.key + "_hit"] = no
        if record:
            c0["rec_t"] = _set_column(xp.full((t0.shape[0], spec.record_steps), xp.nan), 0, t0, xp)
            c0["rec_s"] = _set_column(xp.full((t0.shape[0], spec.record_steps, 6), xp.nan), 0, xp.stack(list(s0), -1), xp)
            c0["nrec"] = xp.ones(t0.shape, dtype=int)
        c = while_loop(cond, body, c0)

        res: dict[str, Any] = {"status": c["status"], "max_speed": c["max_speed"], "steps": c["k"]}
        if boost:
            res["sb"] = c["sb"]
        if "burnout" in spec.events:
            res["bo_t"], res["bo_s"] = c["bo_t"], c["bo_s"]
        brackets = {cr.key: (c[cr.key + "_hit"], *c[cr.key]) for cr in crossings if cr.key != "impact"}
        if any(cr.key == "impact" for cr in crossings):
            brackets["impact"] = (c["status"] == IMPACT, c["t"], c["dt_last"], c["s"])
        if brackets:
            res.update(_locate_brackets(brackets, t0, s0, lanes, tables, spec, xp, fori_loop))
        if record:  # landed lanes end with the impact sample, as in the compacting driver
            landed = c["status"] == IMPACT
            col = xp.where(landed, c["nrec"], spec.record_steps)  # out of range: dropped
            res["rec_t"] = _set_at(c["rec_t"], col, res["impact_t"], xp)
            res["rec_s"] = _set_at(c["rec_s"], col, xp.stack(list(res["impact_s"]), -1), xp)
            res["nrec"] = xp.where(landed, c["nrec"] + 1, c["nrec"])
        return res

    return run


def _locate_brackets(brackets: dict[str, tuple[Any, ...]], t0: Any, s0: tuple[Any, ...], lanes: LaneParams,
                     tables: BoostTables | None, spec: _Spec, xp: Any, fori_loop: Callable[..., Any]) -> dict[str, Any]:
    """Every crossing's bracketing step taken again and located, all kinds at once (len(brackets) x N lanes)."""
    names = list(brackets)
    n = t0.shape[0]
    cat = xp.concatenate
    hit = cat([brackets[k][0] for k in names])
    tb = xp.where(hit, cat([brackets[k][1] for k in names]), cat([t0] * len(names)))
    dtb = xp.where(hit, cat([brackets[k][2] for k in names]), 1.0)
    sb0 = tuple(xp.where(hit, cat([brackets[k][3][j] for k in names]), cat([s0[j]] * len(names)))
                for j in range(6))  # finite dummies where there is no event
    by_key = {c.key: c for c in CROSSINGS}
    level = cat([xp.full(t0.shape, by_key[k].level_m) for k in names])
    peak = cat([xp.full(t0.shape, by_key[k].kind == "peak") for k in names])
    lanes_all = LaneParams(cat([lanes.cutoff_s] * len(names)), cat([lanes.beta_kg_m2] * len(names)),
                           cat([lanes.kick_dir] * len(names)))
    phase, stage = phase_and_stage(tb, lanes_all.cutoff_s, tables, xp)

    def rhs(tt: Any, st: tuple[Any, ...]) -> tuple[Any, Any, Any]:
        return spec.accel(tt, st, phase, stage, lanes_all, tables, spec.physics, xp)

    sb1 = rk4_step(tb, sb0, dtb, rhs)
    earth = spec.physics.earth
    h0, h1 = height_xp(sb0[0], sb0[1], sb0[2], earth, xp), height_xp(sb1[0], sb1[1], sb1[2], earth, xp)
    hd0, hd1 = vertical_speed(sb0, spec.physics, xp), vertical_speed(sb1, spec.physics, xp)
    tau = locate(h0, hd0, h1, hd1, dtb, level, peak, xp, fori_loop)
    pos, vel, v = event_state(sb0, sb1, dtb, tau, xp)
    t_ev = xp.where(hit, tb + tau * dtb, xp.nan)
    v_ev = xp.where(hit, v, xp.nan)
    h_ev = xp.where(hit, xp.where(peak, hermite(h0, hd0, h1, hd1, dtb, tau)[0], level), xp.nan)
    out: dict[str, Any] = {}
    for i, name in enumerate(names):
        sl = slice(i * n, (i + 1) * n)
        out[name + "_t"], out[name + "_v"], out[name + "_h"] = t_ev[sl], v_ev[sl], h_ev[sl]
        if name == "impact":
            out["impact_s"] = tuple(xp.where(hit[sl], a[sl], xp.nan) for a in pos + vel)
    return out


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


def _fixed_shape(state0: np.ndarray, t0: np.ndarray, lanes: LaneParams, tables: BoostTables | None,
                 physics: Physics, policy: StepPolicy, be: Backend, record: bool, until_burnout: bool, size: int,
                 events: tuple[str, ...], accel: Accel, stats: dict[str, Any] | None, max_steps: int,
                 device_arrays: bool) -> Flown:
    n = state0.shape[0]
    n_stages = 0 if tables is None else len(tables.end_s)
    spec = _Spec(physics, policy, events, until_burnout, n_stages,
                 tuple(float(getattr(tables, k)) for k in _TABLE_SCALARS) if tables is not None else (),
                 accel, max_steps, RECORD_STEPS if record else 0)
    kick = lanes.kick_dir if len(lanes.kick_dir) else np.zeros((n, 3))
    tab = {k: np.asarray(getattr(tables, k), float) for k in _TABLE_ARRAYS} if tables is not None else None
    if be.uses_jax:
        import jax

        tab = jax.device_put(tab, be.jax_device) if tab is not None else None

    def call(sl: slice, spec: _Spec) -> dict[str, Any]:
        pad = size - (sl.stop - sl.start) if be.uses_jax else 0  # one compiled shape for every chunk

        def put(a: np.ndarray) -> Any:
            a = np.asarray(a, float)
            if pad:
                a = np.concatenate([a, np.repeat(a[-1:], pad, axis=0)])
            return be.put(a)

        if be.uses_jax:
            import jax

            prog = be.compiled(("integrate", spec), _program(spec, be.xp, jax.lax.while_loop, jax.lax.fori_loop))
        else:
            prog = _program(spec, np, _python_while, python_fori)
        s = put(state0[sl])
        out = prog(put(t0[sl]), tuple(s[:, k] for k in range(6)), put(lanes.cutoff_s[sl]), put(lanes.beta_kg_m2[sl]),
                   put(kick[sl]), tab)

        def back(key: str, a: Any) -> Any:  # to the host (the recording stays on the device when asked)
            if not getattr(a, "ndim", 0):
                return a
            a = a[: a.shape[0] - pad]
            return a if device_arrays and be.uses_jax and key in ("rec_t", "rec_s") else np.asarray(a)

        return {k: tuple(_tree(v, lambda a, k=k: back(k, a))) if isinstance(v, tuple) else back(k, v)
                for k, v in out.items()}

    log = EventLog(n, n_stages)
    steps, rec_t, rec_s = 0, [], []
    chunks = _chunks(n, size)
    for sl in chunks:
        res = call(sl, spec)
        while spec.record_steps and int(np.max(np.asarray(res["nrec"]))) > spec.record_steps:  # buffers too small
            spec = dataclasses.replace(spec, record_steps=2 * spec.record_steps)
            res = call(sl, spec)
        _fill(log, sl, res, n_stages)
        if spec.record_steps:
            rec_t.append(res["rec_t"])
            rec_s.append(res["rec_s"])
        steps = max(steps, int(res["steps"]))
    if stats is not None:
        stats.update(steps=steps, chunks=len(chunks), chunk=size)
    if not record:
        return Flown(log)
    if device_arrays and be.uses_jax:
        import jax.numpy as jnp

        width = max(a.shape[1] for a in rec_t)  # chunks may have doubled their buffers: pad to the widest
        pad_to = lambda a: jnp.pad(a, ((0, 0), (0, width - a.shape[1])) + ((0, 0),) * (a.ndim - 2),  # noqa: E731
                                   constant_values=jnp.nan)
        return Flown(log, jnp.concatenate([pad_to(a) for a in rec_t]), jnp.concatenate([pad_to(a) for a in rec_s]))
    width = max(int(np.max(np.sum(np.isfinite(a), axis=1))) for a in rec_t)
    return Flown(log, _pad_columns([a[:, :width] for a in rec_t]), _pad_columns([a[:, :width] for a in rec_s]))


def _tree(v: tuple[Any, ...], fn: Callable[[Any], Any]) -> list[Any]:
    """``fn`` applied to every array of a nested tuple."""
    return [tuple(_tree(x, fn)) if isinstance(x, tuple) else fn(x) for x in v]


def _fill(log: EventLog, sl: slice, res: dict[str, Any], n_stages: int) -> None:
    """Copy one chunk's program results into the event log."""
    log.status[sl] = res["status"]
    log.max_speed[sl] = res["max_speed"]
    for k in range(n_stages):
        log.stage_burnout_t[sl, k], log.stage_burnout_h[sl, k], log.stage_burnout_v[sl, k] = res["sb"][k]
    if "bo_t" in res:
        log.burnout_t[sl] = res["bo_t"]
        log.burnout_state[sl] = np.stack(res["bo_s"], axis=-1)
    for key in CROSSING_KEYS:
        if key + "_t" in res:
            log.crossing_t[key][sl], log.crossing_v[key][sl], log.crossing_h[key][sl] = (
                res[key + "_t"], res[key + "_v"], res[key + "_h"])
    if "impact_s" in res:
        log.impact_state[sl] = np.stack(res["impact_s"], axis=-1)
