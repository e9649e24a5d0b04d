"""The defence half of the duel for many trials at once, on an array backend: inputs -> windows -> raid.

One row = one trial: its own draw of every uncertain input (interceptor values, P_track, notional
assumptions) and its own threat objects (the nominal track shared by all, a re-flown track per trial when the
reentry beta is uncertain, or T x W dispersed objects). For a block of rows the engine

1. turns the defence built from the draws (:func:`duel.defence.setup.defence_setup` on inputs with one value
   per row) into per-row arrays (:func:`defence_rows`; readiness by :func:`duel.defence.notice.readiness_arrays`),
2. computes every (row, object, battery) window at once (:func:`duel.defence.windows.window_table`), or takes
   them already accumulated in the flight loop (:class:`duel.defence.stepwise.StepWindows`),
3. forms each row's layers (:mod:`duel.defence.engagement`'s rule: a battery is a layer of the row when
   every object has a window; the smallest opportunity count over the objects; ordered by the earliest
   window start), and
4. solves the raid per row: the closed form conditional on the row's layers (limits dropped) and ``inner``
   seeded Monte Carlo realisations with magazines and fire channels
   (:mod:`duel.defence.raid_rows`).

Steps 2-4 run on the backend's namespace: NumPy, or JAX compiled with ``jax.jit`` (``gpu``; ``jax-cpu`` in
tests). No Python loop runs over trials, objects or windows.

Random numbers of the raid (never depending on how rows are chunked, nor on the other rows): row r reads
(a) a base block (classification, tracking, priority) and (b) one block per opportunity index j (kill and
look draws), each a Philox-4x64 stream keyed by (seed, salt, j) at row position r (NumPy,
:func:`duel.defence.streams.philox_block`), or ``jax.random`` keys folded with (salt, j, r) on JAX backends. The
two backends therefore draw different numbers: their leaker statistics agree within Monte Carlo error,
and with the same uniforms (:func:`raid_program` fed the same blocks) they agree exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from duel.backend import Backend
from duel.defence.raid_rows import (
    RowLayers,
    closed_form_rows,
    limits_can_bind_rows,
    order_layers,
    simulate_rows,
)
from duel.defence.setup import DefenceSetup
from duel.defence.streams import philox_block, salted_key
from duel.defence.track import ThreatTrack
from duel.defence.warning import SpaceIR
from duel.defence.windows import BatteryArrays, Timing, WindowTable, stack_batteries, window_table
from duel.physics.earth import EarthModel

__all__ = ["DefenceRows", "TrackArrays", "defence_rows", "track_windows", "layers_of_rows", "uniform_blocks", "windows_program",
           "raid_program", "evaluate_rows"]

RAID_SALT = 0x5A1D
# Rows per block of the batch engine: up to this many track samples x batteries for the windows, and uniforms
# for the raid. On NumPy small enough that a block's temporaries (8-16 MB each) are reused from block to block
# instead of first touched: on the 2-core VM a fresh process paid ~0.5 s of page faults per batch with blocks five
# to eight times larger (docs/performance.md). On the JAX backends (one compiled program per block shape; a
# GPU's memory) the larger blocks, times ``backend.block_scale`` (not yet measured on a GPU).
WINDOW_BLOCK, RAID_BLOCK = 1e6, 2e6
JAX_WINDOW_BLOCK, JAX_RAID_BLOCK = 5e6, 1.6e7


class DefenceRows(NamedTuple):
    """Per-row defence inputs (T rows, B batteries), SI units; a NamedTuple, so a JAX tree of arrays.

    ``bat`` fields have shape (T, 1, B) (trial, object, battery); ``timing`` fields (T, 1, 1) (the IR cue is
    the track's, set per block: a placeholder here); ``sspk``, ``magazine``, ``fire_channels`` (T, B) (limits
    +inf when absent); ``shots`` (T,) int; ``p_track``, ``p_kill_assessment``, ``remote_track_quality`` (T,).
    """

    bat: BatteryArrays
    timing: Timing
    sspk: np.ndarray
    magazine: np.ndarray
    fire_channels: np.ndarray
    shots: np.ndarray
    p_track: np.ndarray
    p_kill_assessment: np.ndarray
    remote_track_quality: np.ndarray

    @property
    def n(self) -> int:
        """Number of rows."""
        return self.sspk.shape[0]

    def take(self, idx: Any) -> DefenceRows:
        """The rows ``idx`` (a slice or index array)."""
        return DefenceRows(BatteryArrays(*(a[idx] for a in self.bat)), Timing(*(a[idx] for a in self.timing)),
                           *(a[idx] for a in self[2:]))


def defence_rows(defence: DefenceSetup, rows: int) -> DefenceRows:
    """The per-row arrays of a defence (:func:`duel.defence.setup.defence_setup`) whose inputs are scalars or
    arrays with one value per row: battery fields (rows, 1, B), timing (rows, 1, 1), raid inputs (rows, B) and
    (rows,). The mapping from inputs to the model is the setup's; this only shapes the arrays."""
    T, B = int(rows), len(defence.batteries)
    p = defence.params
    col = lambda v: np.broadcast_to(np.asarray(v, float), (T,)).copy()  # noqa: E731
    per_battery = lambda vals: np.broadcast_to(stack_batteries(vals), (T, B)).copy()  # noqa: E731
    bat = BatteryArrays(*(np.broadcast_to(a, (T, B))[:, None, :].copy() for a in defence.battery_arrays()))
    r3 = lambda a: np.broadcast_to(np.asarray(a, float), (T,))[:, None, None].copy()  # noqa: E731
    timing = Timing(r3(np.nan), r3(p.kill_assessment_s), r3(p.network_latency_s), r3(p.separation_alt_m))
    return DefenceRows(bat, timing, per_battery([b.type.sspk for b in defence.batteries]),
                       per_battery([b.magazine for b in defence.batteries]),
                       per_battery([b.type.simultaneous_engagements for b in defence.batteries]),
                       np.broadcast_to(np.asarray(p.shots, np.int64), (T,)).copy(), col(defence.p_track),
                       col(p.p_kill_assessment), col(p.remote_track_quality))


# ------------------------------------------------------------------------------------------ array stages
def layers_of_rows(wt: WindowTable, rows: Any, xp: Any = np) -> tuple[RowLayers, Any]:
    """Each row's layers from the window table of (row, object, battery) (arrays (T, W, B)).

    ``rows``: anything with the raid inputs of :class:`DefenceRows` (``sspk``, ``shots``, ``magazine``,
    ``fire_channels``, ``p_track``, ``p_kill_assessment``, ``remote_track_quality``, ``timing``).

    Returns the :class:`~duel.defence.raid_rows.RowLayers` (batteries ordered by earliest window start,
    batteries without a window for every object given 0 opportunities; a battery engages the warheads when
    all its first intercepts are above the separation altitude; a battery that launches on another radar's
    track has P_track x the remote-track quality) and the order (T, B) used.
    """
    opp_min = xp.min(wt.opportunities, axis=1)  # (T, B): a layer only if every object has a window
    first = xp.where(opp_min > 0, xp.min(wt.t_first_s, axis=1), xp.inf)
    order = order_layers(first, xp)
    take = lambda a: xp.take_along_axis(xp.broadcast_to(xp.asarray(a), first.shape), order, axis=1)  # noqa: E731
    per_row = lambda a: xp.broadcast_to(xp.asarray(a)[:, None], first.shape)  # noqa: E731  (same for every layer)
    upper = xp.all(~(wt.alt_first_m < rows.timing.separation_alt_m), axis=1) & (opp_min > 0)  # NaN does not vote
    remote = xp.any(wt.remote, axis=1)
    p_track = per_row(rows.p_track) * xp.where(remote, per_row(rows.remote_track_quality), 1.0)
    return RowLayers(take(rows.sspk), take(opp_min), per_row(rows.shots), take(rows.magazine),
                     take(rows.fire_channels), take(p_track), per_row(rows.p_kill_assessment), take(upper)), order


def uniform_blocks(seed: int, row_start: int, row_stop: int, n_obj: int, n_layers: int, k_max: int,
                   backend: Any) -> tuple[Any, Any]:
    """The raid uniforms of rows [row_start, row_stop): base block (R, n + 2 n L) and per-opportunity blocks
    (K, R, 2 n L) (see the module docstring); arrays of the backend."""
    nb, no = n_obj * (1 + 2 * n_layers), 2 * n_obj * n_layers
    if not backend.uses_jax:
        key = salted_key(seed, RAID_SALT)
        base = philox_block(key, row_start, row_stop, nb)[:, :nb]
        per = np.stack([philox_block(salted_key(key, j + 1), row_start, row_stop, no)[:, :no] for j in range(k_max)]) \
            if k_max else np.zeros((0, row_stop - row_start, no))
        return base, per
    return _jax_uniforms(seed, row_start, row_stop, nb, no, k_max, backend)


def _jax_uniforms(seed: int, a: int, b: int, nb: int, no: int, k_max: int, backend: Any) -> tuple[Any, Any]:
    """JAX's draws for rows [a, b): keys folded with (salt, block, row), one vmap per block."""
    import jax
    import jax.numpy as jnp

    def draw(k: Any, rows: Any) -> tuple[Any, Any]:
        def one(r: Any, salt: int, size: int) -> Any:
            return jax.random.uniform(jax.random.fold_in(jax.random.fold_in(k, salt), r), (size,), jnp.float64)

        base = jax.vmap(lambda r: one(r, 0, nb))(rows)
        per = jnp.stack([jax.vmap(lambda r, j=j: one(r, j + 1, no))(rows) for j in range(k_max)]) if k_max \
            else jnp.zeros((0, rows.shape[0], no))
        return base, per

    key = jax.random.fold_in(jax.random.PRNGKey(seed % (1 << 32)), RAID_SALT)
    rows = jax.device_put(np.arange(a, b, dtype=np.uint32), backend.jax_device)
    return backend.compiled(("uniforms", nb, no, k_max), draw)(key, rows)


def windows_program(backend: Any, earth: Any, sls: bool, network: bool) -> Any:
    """window_table + layers_of_rows as one function of arrays (jit-compiled on JAX backends, cached).

    Called as ``fn(time_s, lat, lon, alt, speed, cue_s, rows)`` (track arrays (T, W, 1, S), the IR cue
    (T, W, 1), a :class:`DefenceRows` block); returns the row layers, the layer order, the earliest window
    start and the smallest opportunity count per (row, battery). ``network``: some battery may use another
    radar's track.
    """

    def fn(time_s, lat, lon, alt, speed, cue_s, rows):
        xp = backend.xp
        wt = window_table(time_s, lat, lon, alt, speed, rows.bat, rows.timing._replace(cue_s=cue_s), earth, sls, xp,
                          network=network)
        rl, order = layers_of_rows(wt, rows, xp)
        return rl, order, xp.min(wt.t_first_s, axis=1), xp.min(wt.opportunities, axis=1)

    return backend.compiled(("windows", earth, sls, network), fn)


def raid_program(backend: Any, warheads: int, decoys: int, p_decoy_engaged: float, sls: bool, common_mode: bool,
                 k_max: int, inner: int, limited: bool = True, submunitions: int = 1) -> Any:
    """Closed form + ``inner`` realisations per row as one function of arrays (jit on JAX backends, cached).

    Called as ``fn(row_layers, base, per)`` with the uniform blocks of :func:`uniform_blocks` (None without
    realisations); returns ``cf_pmf``, ``cf_leakers``, ``cf_interceptors``, ``limits_bind``, ``layers`` and,
    with realisations, ``mc_leakers`` and ``mc_interceptors`` (rows x inner). ``limited`` False promises
    that no magazine or fire channel binds in any row (the realisations then skip the priority sort).
    ``warheads`` carry ``submunitions`` each (:mod:`duel.defence.raid_rows`).
    """

    def fn(rl: RowLayers, base: Any, per: Any) -> dict[str, Any]:
        xp = backend.xp
        cf = closed_form_rows(rl, warheads, decoys, p_decoy_engaged, sls, k_max, common_mode, xp=xp,
                              submunitions=submunitions)
        out = {"cf_pmf": cf["pmf"], "cf_leakers": cf["expected_leakers"], "cf_interceptors": cf["interceptors"],
               "limits_bind": limits_can_bind_rows(rl, warheads, decoys, submunitions, xp),
               "layers": xp.sum(rl.opportunities > 0, axis=-1)}
        if inner:
            rep = lambda a: xp.repeat(xp.asarray(a), inner, axis=0)  # noqa: E731
            rl_r = RowLayers(*(rep(a) for a in rl))
            leak, used = simulate_rows(base, per, rl_r, warheads, decoys, p_decoy_engaged, sls, common_mode, xp=xp,
                                       limited=limited, submunitions=submunitions)
            t = rl.sspk.shape[0]
            out["mc_leakers"] = leak.reshape(t, inner)
            out["mc_interceptors"] = used.reshape(t, inner)
        return out

    return backend.compiled(("raid", warheads, decoys, p_decoy_engaged, sls, common_mode, k_max, inner, limited,
                             submunitions), fn)


# ------------------------------------------------------------------------------------------ the entry point
@dataclass(frozen=True)
class TrackArrays:
    """Threat objects on a time grid (NumPy arrays, or the backend's when built on its device): ``time_s``
    (S,) shared, or (Tt, W, S) per object; ``lat_deg``, ``lon_deg``, ``alt_m``, ``speed_mps`` (Tt, W, S) with
    Tt = 1 (one track for every row) or T; ``cue_s`` (Tt, W) the IR cue (s from launch, NaN = none)."""

    time_s: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_m: np.ndarray
    speed_mps: np.ndarray
    cue_s: np.ndarray

    @classmethod
    def from_track(cls, track: ThreatTrack, space_ir: SpaceIR | None) -> TrackArrays:
        """From a :class:`~duel.defence.track.ThreatTrack`: one object per row (N rows; N = 1 for a track
        shared by every row), cued by ``space_ir`` (whose delays may be drawn per row: then the cue has a row
        per draw even where the track is shared)."""
        cue = space_ir.warning(track.burnout_s)[2] if space_ir is not None else np.full(track.n, np.nan)
        shape = (track.n, 1, track.time_s.size)
        return cls(track.time_s, track.lat_deg.reshape(shape), track.lon_deg.reshape(shape),
                   track.alt_m.reshape(shape), track.speed_mps.reshape(shape), np.asarray(cue).reshape(-1, 1))

    def take(self, idx: Any) -> TrackArrays:
        """Rows ``idx`` (a slice); a shared track (Tt = 1) or cue is kept whole."""
        cue = self.cue_s if self.cue_s.shape[0] == 1 else self.cue_s[idx]
        if self.alt_m.shape[0] == 1:
            return TrackArrays(self.time_s, self.lat_deg, self.lon_deg, self.alt_m, self.speed_mps, cue)
        time_s = self.time_s if self.time_s.ndim == 1 else self.time_s[idx]
        return TrackArrays(time_s, self.lat_deg[idx], self.lon_deg[idx], self.alt_m[idx], self.speed_mps[idx], cue)


def evaluate_rows(defence: DefenceSetup, earth: EarthModel, tracks: TrackArrays | WindowTable, rows: DefenceRows,
                  backend: Backend, seed: int, *, inner: int = 0, inner_only_where_limits_bind: bool = False,
                  row_offset: int = 0, progress: Callable[[int, int], None] | None = None) -> dict[str, np.ndarray]:
    """The defence for every row: windows, layers, closed-form raid and ``inner`` realisations per row.

    ``tracks``: the threat objects' tracks (windows by :func:`windows_program`), or their windows already
    made (a :class:`~duel.defence.windows.WindowTable` (T, W, B) of NumPy arrays, e.g. accumulated in the
    flight loop by :class:`duel.defence.stepwise.StepWindows`).

    Rows are processed in blocks sized to bound memory (:data:`WINDOW_BLOCK` track samples x batteries for the
    windows, :data:`RAID_BLOCK` uniforms for the raid; on JAX the ``JAX_`` sizes times ``backend.block_scale``);
    results never depend on the blocks. Global row i
    (``row_offset + i``) draws its realisations from raid rows i * inner ... (i + 1) * inner - 1 of the
    streams (module docstring).
    With ``inner_only_where_limits_bind`` the realisations are skipped when no row's magazine or fire
    channels can bind (the closed form is then exact).

    Returns NumPy arrays over rows: ``p_all_stopped`` (closed form, limits dropped), ``expected_leakers``,
    ``interceptors``, ``pmf`` (T, W + 1) closed form, ``limits_bind``, ``layers``, ``t_first_s`` (T, B)
    earliest window start per battery (inf = no window for some object), ``opportunities`` (T, B) (the
    smallest over the row's objects); with realisations: ``mc_leakers`` and ``mc_interceptors`` (T, inner).
    """
    sls = defence.params.doctrine == "sls"
    w, m, d = defence.warheads, defence.submunitions, defence.decoys
    T, B = rows.n, len(defence.batteries)
    if B == 0:
        return _no_defence(T, w * m, inner)
    layers: list[RowLayers] = []
    firsts, opps = [], []
    if isinstance(tracks, WindowTable):
        rl, _ = layers_of_rows(tracks, rows, np)
        layers.append(rl)
        firsts.append(np.min(tracks.t_first_s, axis=1))
        opps.append(np.min(tracks.opportunities, axis=1))
    else:
        _windows_pass(defence, earth, tracks, rows, backend, layers, firsts, opps)
    rl_all = RowLayers(*(np.concatenate([getattr(x, f) for x in layers]) for f in RowLayers._fields))
    put = backend.put
    k_max = int(np.max(rl_all.opportunities, initial=0))
    bind = np.asarray(limits_can_bind_rows(rl_all, w, d, m))
    if inner_only_where_limits_bind and not bind.any():
        inner = 0
    n = w * m + d
    budget = (JAX_RAID_BLOCK if backend.uses_jax else RAID_BLOCK) * backend.block_scale
    size = max(1, min(T, int(budget // (max(inner, 1) * n * (1 + 2 * B) * (1 + k_max)))))
    rfn = raid_program(backend, w, d, defence.p_decoy_engaged, sls, defence.common_mode, k_max, inner,
                       limited=bool(bind.any()), submunitions=m)
    parts: list[dict[str, np.ndarray]] = []
    for a in range(0, T, size):  # pass 2: the raid
        sl, off = _padded(a, size, T)
        rl = RowLayers(*(put(x[sl]) for x in rl_all))
        base = per = None
        if inner:
            base, per = uniform_blocks(seed, (row_offset + sl.start) * inner, (row_offset + sl.stop) * inner, n, B,
                                       k_max, backend)
        parts.append({k: np.asarray(v)[off:] for k, v in rfn(rl, base, per).items()})
        if progress:
            progress(min(T, a + size), T)
    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    pmf = out.pop("cf_pmf")
    return {"p_all_stopped": pmf[:, 0], "expected_leakers": out.pop("cf_leakers"),
            "interceptors": out.pop("cf_interceptors"), "pmf": pmf, "t_first_s": np.concatenate(firsts),
            "opportunities": np.concatenate(opps), **out}


def track_windows(tracks: TrackArrays, rows: DefenceRows, earth: EarthModel, sls: bool, network: bool) -> WindowTable:
    """The windows (T, W, B) of stored tracks (NumPy, all rows at once): what :func:`windows_program` computes
    before it forms the layers; the oracle of the windows accumulated in the flight loop."""
    ex = lambda x: np.asarray(x)[:, :, None, :]  # noqa: E731  (T, W, 1, S)
    time_s = np.asarray(tracks.time_s) if np.ndim(tracks.time_s) == 1 else ex(tracks.time_s)
    wt = window_table(time_s, ex(tracks.lat_deg), ex(tracks.lon_deg), ex(tracks.alt_m), ex(tracks.speed_mps), rows.bat,
                      rows.timing._replace(cue_s=np.asarray(tracks.cue_s)[:, :, None]), earth, sls, np, network=network)
    return WindowTable(*wt[:5])


def _windows_pass(defence: DefenceSetup, earth: EarthModel, tracks: TrackArrays, rows: DefenceRows,
                  backend: Backend, layers: list[RowLayers], firsts: list[np.ndarray], opps: list[np.ndarray]) -> None:
    """Windows and layers of every row from stored tracks, in blocks of rows (appended to the lists)."""
    T, B = rows.n, len(defence.batteries)
    S = tracks.alt_m.shape[-1]
    put = backend.put
    wfn = windows_program(backend, earth, defence.params.doctrine == "sls", defence.networked)
    budget = (JAX_WINDOW_BLOCK if backend.uses_jax else WINDOW_BLOCK) * backend.block_scale
    size = max(1, min(T, int(budget // (tracks.alt_m.shape[1] * S * B))))
    for a in range(0, T, size):
        sl, off = _padded(a, size, T)
        tr, rw = tracks.take(sl), rows.take(sl)
        ex = lambda x: put(x[:, :, None, :])  # noqa: E731  (T, W, 1, S)
        time_s = put(tr.time_s) if tr.time_s.ndim == 1 else ex(tr.time_s)
        rl, _, first, opp_min = wfn(time_s, ex(tr.lat_deg), ex(tr.lon_deg), ex(tr.alt_m), ex(tr.speed_mps),
                                    put(tr.cue_s[:, :, None]), _put_tree(backend, rw))
        layers.append(RowLayers(*(np.asarray(x)[off:] for x in rl)))
        firsts.append(np.asarray(first)[off:])
        opps.append(np.asarray(opp_min)[off:])


def _padded(a: int, size: int, total: int) -> tuple[slice, int]:
    """The block of ``size`` rows that ends with rows [a, min(a + size, total)): shifted back at the end so
    every block has the same shape (one compiled program). Returns the slice and the offset of row a in it
    (rows before it were already done and are dropped; their draws are the same, so nothing changes)."""
    start = max(0, min(a, total - size))
    return slice(start, start + size), a - start


def _put_tree(backend: Any, tree: Any) -> Any:
    """A tree of host arrays (e.g. :class:`DefenceRows`) on the backend's device (as is for NumPy)."""
    if not backend.uses_jax:
        return tree
    import jax

    return jax.device_put(tree, backend.jax_device)


def _no_defence(T: int, w: int, inner: int) -> dict[str, np.ndarray]:
    pmf = np.zeros((T, w + 1))
    pmf[:, w] = 1.0
    out = {"p_all_stopped": np.zeros(T), "expected_leakers": np.full(T, float(w)), "interceptors": np.zeros(T),
           "pmf": pmf, "limits_bind": np.zeros(T, bool), "layers": np.zeros(T, np.int64),
           "t_first_s": np.zeros((T, 0)), "opportunities": np.zeros((T, 0), np.int64)}
    if inner:
        out["mc_leakers"] = np.full((T, inner), w, np.int64)
        out["mc_interceptors"] = np.zeros((T, inner), np.int64)
    return out

