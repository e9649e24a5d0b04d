"""Engagement windows accumulated while the objects fly: a fold over the integrator's steps (NumPy).

The window model is :mod:`duel.defence.windows`'s, called piece by piece: the same margins
(:func:`~duel.defence.windows.sample_margins`), fire-control tracks and launch rule, feasibility margins,
edge interpolation (:func:`~duel.defence.windows.enter_between` / ``leave_between``) and opportunity count.
What differs is where the samples come from. The stored-track path (:func:`~duel.defence.windows.window_table`)
resamples every object's whole track on a fine grid (0.5 s) and evaluates all samples at once; here
:class:`StepWindows` is handed each object's samples as the integrator makes them (the flight loop calls
:meth:`StepWindows.add` with the state at the end of every step, and the impact in place of the last step's end:
``duel.flight.integrate(..., observer=...)``), keeps per object and battery only running quantities, and
never stores a track:

* the margins at the previous sample (one array (objects, margins, batteries));
* the first detection by the battery's own radar and so its fire-control track (a battery in a network
  fires on the best track known by then: a track that is later than the sample cannot make the sample
  feasible, and any track earlier than it is already known, so the online answer is the final one);
* whether the previous sample was feasible, the number of windows, the open window's entry time and longest
  fly-out, the opportunities of the closed windows, the first window's start and its altitude.

Integrator steps are long (up to 10 s above 80 km), so an edge is not placed by linear interpolation across the
step alone: where a margin changes sign inside a step, the state there is the step's cubic Hermite interpolant
(:func:`duel.flight.stepping.event_state`, C1 and exact at both ends, the interpolant the integrator locates its
own events on) and the edge is bracketed by :data:`REFINE_ITERS` evaluations (each keeps the half of the
bracket where feasibility changes, then the linear crossing of the new bracket is the next guess). The edges
then agree with the stored-track path within 0.05 s (tests/test_stepwise.py: hypothesis over geometries and
envelopes). A window that opens and closes between two integrator steps is missed, as the stored-track path
misses one shorter than its grid step: both are far shorter than any fly-out plus kill assessment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from duel.defence.windows import (
    EOR,
    BatteryArrays,
    Margins,
    Timing,
    WindowTable,
    count_opportunities,
    enter_between,
    feasibility_margins,
    fire_control_tracks,
    launch_after,
    leave_between,
    sample_margins,
)
from duel.flight.stepping import event_state
from duel.physics.earth import EarthModel, andoyer_point, geodetic_xp

__all__ = ["MAX_SPLITS", "REFINE_ITERS", "StepWindows"]

MAX_SPLITS = 3  # nested splits of one step (each puts a sample where a window or the separation may hide)
REFINE_ITERS = 3  # bracket halvings per window edge or first detection inside a step (Hermite evaluations)
_SIGHT, _ENV, _FLY, _SEEN = slice(0, 4), slice(4, 9), 9, 10  # rows of the stored margins
_ROWS = 11


class StepWindows:
    """Windows of N objects (lanes) against B batteries, built from samples handed over in time order.

    Args:
        bat: battery parameters, each broadcastable to (N, B) (a lane's row of its trial's draws).
        timing: IR cue, kill-assessment time, network latency and separation altitude, each broadcastable to
            (N, 1).
        earth: the figure (geodetic conversion, ground distances).
        sls: shoot-look-shoot (True) or salvo.
        network: some battery may fire on another radar's track (see :func:`~duel.defence.windows.window_table`).

    Use :meth:`add` as the integrator's observer, :meth:`repeat` to fan a shared boost out to the objects of
    each trial, and :meth:`result` for the :class:`~duel.defence.windows.WindowTable` (N, B).
    """

    def __init__(self, bat: BatteryArrays, timing: Timing, earth: EarthModel, sls: bool, network: bool) -> None:
        n = max(np.shape(timing.cue_s)[0] if np.ndim(timing.cue_s) else 1,
                *(np.shape(a)[0] for a in bat if np.ndim(a) == 2))
        b = max(np.shape(a)[-1] for a in bat if np.ndim(a))
        self.bat = BatteryArrays(*(np.broadcast_to(np.asarray(a, np.int64 if f == "fire_control" else float),
                                                   (n, b)).copy() for f, a in zip(BatteryArrays._fields, bat)))
        self.timing = Timing(*(np.broadcast_to(np.asarray(a, float), (n, 1)).copy() for a in timing))
        self.earth, self.sls, self.network = earth, sls, network
        self.site = np.stack(andoyer_point(self.bat.lat_deg, self.bat.lon_deg, earth, np), axis=1)  # (N, 4, B)
        self.t = np.full(n, np.nan)  # previous sample: time (s), ECEF state, margins
        self.state = np.full((n, 6), np.nan)
        self.g = np.full((n, _ROWS, b), np.nan)
        self.det = np.full((n, b), np.nan)
        self.ok = np.zeros((n, b), bool)
        self.runs = np.zeros((n, b), np.int64)
        self.t_in = np.full((n, b), np.nan)
        self.f_run = np.full((n, b), -np.inf)
        self.opp = np.zeros((n, b), np.int64)
        self.t_first = np.full((n, b), np.inf)
        self.alt_first = np.full((n, b), np.nan)

    @property
    def lanes(self) -> int:
        return self.t.shape[0]

    # ------------------------------------------------------------------ the fold
    def add(self, idx: np.ndarray, t: np.ndarray, s: Sequence[np.ndarray]) -> None:
        """The samples at times ``t`` (s from launch) and ECEF states ``s`` (six arrays) of lanes ``idx``:
        the next sample of each of those lanes (the integrator's observer protocol)."""
        idx = np.asarray(idx)
        if idx.size:
            self._advance(idx, np.asarray(t, float), np.stack([np.asarray(c, float) for c in s], axis=-1), 0)

    def _advance(self, idx: np.ndarray, t_b: np.ndarray, s_b: np.ndarray, depth: int) -> None:
        """Fold the step from each lane's previous sample to (``t_b``, ``s_b``), first splitting it (by samples
        of the step's Hermite interpolant) where the warheads release their submunitions (the radar range
        jumps there) or where a window or first detection may lie strictly inside it (see :meth:`_split`)."""
        whole = idx.size == self.lanes and idx[0] == 0 and idx[-1] == self.lanes - 1
        take = (lambda a: a) if whole else (lambda a: a[idx])  # noqa: E731
        bat, tim = BatteryArrays(*(take(a) for a in self.bat)), Timing(*(take(a) for a in self.timing))
        t_a, s_a, g_a, det = take(self.t), take(self.state), take(self.g), take(self.det).copy()
        site = take(self.site)
        g_b = self._margins(s_b, bat, tim, site)
        law = self._law(det, bat, tim)
        fm_b = self._feasibility(g_b, t_b, law, bat.fire_control)
        live = None
        if depth < MAX_SPLITS:
            fm_a = self._feasibility(g_a, t_a, law, bat.fire_control)
            lo, hi = self._split(t_a, t_b, s_a, s_b, g_a, g_b, det, bat, tim, fm_a, fm_b)
            split = np.isfinite(lo)
            if split.any():
                for tau in (lo, hi):
                    inner = split & np.isfinite(tau)
                    self._advance(idx[inner], tau[inner], self._state_at(t_a[inner], t_b[inner], s_a[inner],
                                                                          s_b[inner], tau[inner]), depth + 1)
                self._advance(idx[split], t_b[split], s_b[split], depth + 1)
                if split.all():
                    return
                live = ~split  # the split lanes are done: what follows is computed for all, kept for these

        keep = True if live is None else live[:, None]
        new = np.isnan(det) & _holds(g_b[:, _SIGHT]) & keep
        if new.any():
            li, bi = np.nonzero(new)
            det[li, bi] = self._refine(li, bi, t_a, t_b, s_a, s_b, g_a, g_b, bat, tim, site, None, entering=True)[0]
            law = self._law(det, bat, tim)
            fm_b = self._feasibility(g_b, t_b, law, bat.fire_control)
        ok_a, ok_b = take(self.ok), _holds(fm_b)  # ok_a is final: a track later than t_a never made it feasible
        fly_b = g_b[:, _FLY]

        runs, t_in, f_run, opp = take(self.runs).copy(), take(self.t_in).copy(), take(self.f_run).copy(), \
            take(self.opp).copy()
        t_first, alt_first = take(self.t_first).copy(), take(self.alt_first).copy()
        f_run = np.where(ok_a & ok_b, np.maximum(f_run, fly_b), f_run)
        start = ok_b & ~ok_a & keep
        if start.any():
            li, bi = np.nonzero(start)
            tau, alt, fly = self._refine(li, bi, t_a, t_b, s_a, s_b, g_a, g_b, bat, tim, site, law, entering=True)
            runs[li, bi] += 1
            t_in[li, bi] = tau
            f_run[li, bi] = np.maximum(fly, fly_b[li, bi])
            first = runs[li, bi] == 1
            t_first[li[first], bi[first]] = tau[first]
            alt_first[li[first], bi[first]] = alt[first]
        end = ok_a & ~ok_b & keep
        if end.any():
            li, bi = np.nonzero(end)
            tau, _, fly = self._refine(li, bi, t_a, t_b, s_a, s_b, g_a, g_b, bat, tim, site, law, entering=False)
            f = np.maximum(f_run[li, bi], fly)
            opp[li, bi] += count_opportunities(tau - t_in[li, bi], f, tim.kill_assessment_s[li, 0], self.sls)
            f_run[li, bi] = -np.inf

        if live is not None:
            idx, whole = idx[live], False
        for name, value in (("t", t_b), ("state", s_b), ("g", g_b), ("det", det), ("ok", ok_b), ("runs", runs),
                            ("t_in", t_in), ("f_run", f_run), ("opp", opp), ("t_first", t_first),
                            ("alt_first", alt_first)):
            if whole:
                setattr(self, name, value)
            else:
                getattr(self, name)[idx] = value if live is None else value[live]

    def repeat(self, k: int) -> StepWindows:
        """A copy with every lane repeated ``k`` times in place (lane i becomes lanes i k ... i k + k - 1): a
        boost shared by a trial's objects, folded once per trial, fanned out to its k objects."""
        out = object.__new__(StepWindows)
        out.__dict__.update({name: (np.repeat(v, k, axis=0) if isinstance(v, np.ndarray) else v)
                             for name, v in self.__dict__.items() if name not in ("bat", "timing")})
        out.bat = BatteryArrays(*(np.repeat(a, k, axis=0) for a in self.bat))
        out.timing = Timing(*(np.repeat(a, k, axis=0) for a in self.timing))
        return out

    def set_cue(self, cue_s: Any) -> None:
        """Each lane's IR cue (s from launch; NaN = none), broadcastable to (N,)."""
        self.timing = self.timing._replace(cue_s=np.broadcast_to(np.asarray(cue_s, float).reshape(-1, 1),
                                                                 (self.lanes, 1)).copy())

    def result(self) -> WindowTable:
        """The :class:`~duel.defence.windows.WindowTable` (N, B) so far: a window still open closes at its
        lane's last sample (its impact). ``remote``: the launch uses another radar's track."""
        own = self.det + self.bat.track_formation_s
        remote = np.zeros(own.shape, bool)
        if self.network:
            _, remote = fire_control_tracks(own, self.bat.fire_control, self.timing.network_latency_s)
        opp = self.opp.copy()
        li, bi = np.nonzero(self.ok)
        if li.size:
            opp[li, bi] += count_opportunities(self.t[li] - self.t_in[li, bi], self.f_run[li, bi],
                                               self.timing.kill_assessment_s[li, 0], self.sls)
        return WindowTable(opp, self.t_first.copy(), self.det.copy(), self.alt_first.copy(), remote)

    # ------------------------------------------------------------------ pieces
    def _split(self, t_a: np.ndarray, t_b: np.ndarray, s_a: np.ndarray, s_b: np.ndarray, g_a: np.ndarray,
               g_b: np.ndarray, det: np.ndarray, bat: BatteryArrays, tim: Timing, fm_a: list[np.ndarray],
               fm_b: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Where to split each lane's step: up to two times per lane (NaN: none; the first NaN: no split).

        * The separation altitude crossed inside the step: the two ends of a bracket of the crossing 10^-6 s
          wide, one sample on each side of the jump in radar range.
          Only where the jump can matter: some radar has the object between its detection ranges for a warhead
          and for a submunition at one end of the step.
        * Otherwise a pair (lane, battery) that is not feasible at either end (``fm_a``, ``fm_b``: the
          feasibility margins) although no margin is negative at both (so a short window may open and close
          inside the step), or, not yet detected, whose own radar's sight margins behave so: the middle of the
          window that the margins' linear crossings predict (the earliest such time over the lane's batteries),
          unless they predict no window by more than half the step.
        """
        n = t_a.shape[0]
        none = np.full(n, np.nan)
        prev = np.isfinite(t_a) & (t_b - t_a > 1e-3)
        if not prev.any():
            return none, none
        sep = tim.separation_alt_m[:, 0]
        above_a, above_b = g_a[:, 0, 0] >= sep, g_b[:, 0, 0] >= sep
        cross = prev & (above_a != above_b)
        if cross.any():  # only where the jump can matter: some radar with the object between its two ranges
            jump = bat.radar_range_warhead_m - bat.radar_range_m
            with np.errstate(invalid="ignore"):
                other_a = g_a[:, 3] - np.where(above_a[:, None], jump, -jump)
                other_b = g_b[:, 3] - np.where(above_b[:, None], jump, -jump)
                differs = ((g_a[:, 3] >= 0) != (other_a >= 0)) | ((g_b[:, 3] >= 0) != (other_b >= 0))
            cross &= np.any(differs, axis=1)
        lo, hi = none.copy(), none.copy()
        if cross.any():
            lo[cross], hi[cross] = self._separation_bracket(t_a[cross], t_b[cross], s_a[cross], s_b[cross],
                                                            sep[cross], above_a[cross])
        mid = np.full(det.shape, np.inf)
        with np.errstate(invalid="ignore", divide="ignore"):
            for m_a, m_b, wanted in ((fm_a, fm_b, None),
                                     (list(g_a[:, _SIGHT].swapaxes(0, 1)), list(g_b[:, _SIGHT].swapaxes(0, 1)),
                                      np.isnan(det))):
                neg_a, neg_b = [~(x >= 0) for x in m_a], [~(x >= 0) for x in m_b]
                fail_a, fail_b, never = neg_a[0].copy(), neg_b[0].copy(), neg_a[0] & neg_b[0]
                for x, y in zip(neg_a[1:], neg_b[1:]):
                    fail_a |= x
                    fail_b |= y
                    never |= x & y
                cand = fail_a & fail_b & ~never & prev[:, None]
                if wanted is not None:
                    cand &= wanted
                if cand.any():
                    li, bi = np.nonzero(cand)
                    ta, tb = t_a[li], t_b[li]
                    pa, pb = [x[li, bi] for x in m_a], [x[li, bi] for x in m_b]
                    rise, fall = enter_between(ta, tb, pa, pb), leave_between(ta, tb, pa, pb)
                    # a window the linear crossings miss by more than half the step is not looked for
                    near = rise - fall < 0.5 * (tb - ta)
                    np.minimum.at(mid, (li[near], bi[near]), 0.5 * (rise + fall)[near])
        t_mid = np.min(mid, axis=1)
        inside = ~cross & np.isfinite(t_mid) & (t_mid > t_a + 1e-4) & (t_mid < t_b - 1e-4)
        lo[inside] = t_mid[inside]
        return lo, hi

    def _separation_bracket(self, t_a: np.ndarray, t_b: np.ndarray, s_a: np.ndarray, s_b: np.ndarray,
                            sep: np.ndarray, above_a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Times 10^-6 s apart just before and after each lane's crossing of its separation altitude inside the
        step: three secant steps on the Hermite interpolant's height, then bisection where they did not
        bracket the crossing."""
        def height(tau: np.ndarray) -> np.ndarray:
            x = self._state_at(t_a, t_b, s_a, s_b, tau)
            return geodetic_xp(x[:, 0], x[:, 1], x[:, 2], self.earth, np)[2] - sep

        lo, hi = t_a.copy(), t_b.copy()
        h_lo, h_hi = height(lo), height(hi)
        for _ in range(3):  # regula falsi, keeping the bracket
            tau = np.clip(lo + (hi - lo) * h_lo / np.where(h_lo != h_hi, h_lo - h_hi, 1.0), lo, hi)
            h = height(tau)
            same = (h >= 0) == above_a
            lo, h_lo = np.where(same, tau, lo), np.where(same, h, h_lo)
            hi, h_hi = np.where(same, hi, tau), np.where(same, h_hi, h)
        tau = lo + (hi - lo) * h_lo / np.where(h_lo != h_hi, h_lo - h_hi, 1.0)
        a, b = np.maximum(lo, tau - 5e-7), np.minimum(hi, tau + 5e-7)
        good = ((height(a) >= 0) == above_a) & ((height(b) >= 0) != above_a)
        lo, hi = np.where(good, a, lo), np.where(good, b, hi)
        while np.max(hi - lo) > 1e-6:
            mid = 0.5 * (lo + hi)
            same = (height(mid) >= 0) == above_a
            lo, hi = np.where(same, mid, lo), np.where(same, hi, mid)
        return lo, hi

    @staticmethod
    def _state_at(t_a: np.ndarray, t_b: np.ndarray, s_a: np.ndarray, s_b: np.ndarray, tau: np.ndarray) -> np.ndarray:
        """ECEF states (n, 6) at times ``tau`` inside the steps: the steps' cubic Hermite interpolant."""
        dt = t_b - t_a
        frac = np.where(dt > 0, (tau - t_a) / np.where(dt > 0, dt, 1.0), 1.0)
        pos, vel, _ = event_state(list(s_a.T), list(s_b.T), dt, frac)
        return np.stack(pos + vel, axis=-1)

    def _margins(self, s: np.ndarray, bat: BatteryArrays, tim: Timing, site: np.ndarray) -> np.ndarray:
        """Stored margins (n, 11, B) of states ``s`` (n, 6) against the lanes' batteries (``site``: their
        distance terms (n, 4, B))."""
        lat, lon, alt = geodetic_xp(s[:, 0], s[:, 1], s[:, 2], self.earth, np)
        speed = np.sqrt(np.sum(s[:, 3:] ** 2, axis=-1))
        m = sample_margins(lat[:, None], lon[:, None], alt[:, None], speed[:, None], bat, tim.separation_alt_m,
                           self.earth, np, tuple(site.swapaxes(0, 1)))
        return np.stack([*m.sight, *m.envelope, m.fly, m.seen_m], axis=1)

    def _law(self, det: np.ndarray, bat: BatteryArrays, tim: Timing) -> tuple[np.ndarray, np.ndarray]:
        """(Earliest launch, own fire-control track) per pair from the first detections known so far."""
        own = det + bat.track_formation_s
        track = fire_control_tracks(own, bat.fire_control, tim.network_latency_s)[0] if self.network else own
        return launch_after(track, tim.cue_s, bat), own

    def _feasibility(self, g: np.ndarray, t: np.ndarray, law: tuple[np.ndarray, np.ndarray],
                     mode: np.ndarray, any_radar: np.ndarray | None = None) -> list[np.ndarray]:
        """Feasibility margins (list of (n, k)) from stored margins ``g`` (n, 11, k) at times ``t`` (n,), with
        ``law`` = (launch time, own track) and fire-control ``mode`` (n, k); ``any_radar`` (n, 1): the best
        sight margin over all the lane's radars (default: over the k columns of ``g``)."""
        t_launch, own = law
        m = Margins(list(g[:, _SIGHT].swapaxes(0, 1)), list(g[:, _ENV].swapaxes(0, 1)), g[:, _FLY], g[:, _SEEN])
        if self.network and any_radar is None:
            any_radar = np.max(g[:, _SEEN], axis=-1, keepdims=True)
        with np.errstate(invalid="ignore"):
            return feasibility_margins(m, t[:, None], t_launch, own, mode, any_radar, self.network, np)

    def _refine(self, li: np.ndarray, bi: np.ndarray, t_a: np.ndarray, t_b: np.ndarray, s_a: np.ndarray,
                s_b: np.ndarray, g_a: np.ndarray, g_b: np.ndarray, bat: BatteryArrays, tim: Timing, site: np.ndarray,
                law: tuple[np.ndarray, np.ndarray] | None, entering: bool) -> tuple[np.ndarray, ...]:
        """Time (s), altitude (m) and fly-out (s) at the edge inside the step of pairs (lane ``li``, battery
        ``bi``): where feasibility (``law``: (launch time, own track) per pair) or, with ``law`` None, the own
        radar's sight begins (``entering``) or ends. Pairs without a previous sample start at ``t_b``."""
        pair_bat = BatteryArrays(*(a[li, bi][:, None] for a in bat))  # (P, 1): the pair's own battery
        pair_tim = Timing(*(a[li] for a in tim))
        pair_site = site[li, :, bi][:, :, None]
        pair_law = None if law is None else tuple(a[li, bi][:, None] for a in law)
        # engage-on-remote pairs also need every radar of their lane (any of them may see the object)
        eor = (self.network & (pair_bat.fire_control[:, 0] == EOR)) if law is not None else np.zeros(li.size, bool)
        full_lanes = li[eor]

        def margins(g: np.ndarray, t: np.ndarray, any_radar: np.ndarray | None) -> list[np.ndarray]:
            """The pair's margins (list of (P,)) from its margins (P, 11, 1)."""
            if pair_law is None:
                return list(g[:, _SIGHT, 0].T)
            return [x[:, 0] for x in self._feasibility(g, t, pair_law, pair_bat.fire_control, any_radar)]

        def any_radar_of(g_full: np.ndarray | None) -> np.ndarray | None:
            """(P, 1): the best sight margin over the lane's radars, for the engage-on-remote pairs."""
            if not self.network or pair_law is None:
                return None
            out = np.full((li.size, 1), -np.inf)
            if g_full is not None:
                out[eor, 0] = np.max(g_full[:, _SEEN], axis=-1)
            return out

        def at(tau: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
            """The pairs' margins (P, 11, 1) at times ``tau`` inside their steps (Hermite interpolant of the
            state), and the engage-on-remote pairs' best radar margin."""
            state = self._state_at(t_a[li], t_b[li], s_a[li], s_b[li], tau)
            g = self._margins(state, pair_bat, pair_tim, pair_site)
            full = None
            if eor.any():
                full = self._margins(state[eor], BatteryArrays(*(x[full_lanes] for x in bat)),
                                     Timing(*(x[full_lanes] for x in tim)), site[full_lanes])
            return g, any_radar_of(full)

        fresh = np.isnan(t_a[li])
        lo_t, hi_t = np.where(fresh, t_b[li], t_a[li]), t_b[li].copy()
        column = lambda g: g[li, :, bi][:, :, None]  # noqa: E731
        lo_m = margins(column(g_a), lo_t, any_radar_of(g_a[full_lanes]))
        hi_m = margins(column(g_b), hi_t, any_radar_of(g_b[full_lanes]))
        between = enter_between if entering else leave_between
        with np.errstate(invalid="ignore", divide="ignore"):
            for _ in range(REFINE_ITERS):
                tau = between(lo_t, hi_t, lo_m, hi_m)
                g_tau, any_tau = at(tau)
                m_tau = margins(g_tau, tau, any_tau)
                holds = _holds_list(m_tau)
                to_hi = (holds if entering else ~holds) & ~fresh  # the edge lies before tau: tau is the new high end
                to_lo = ~to_hi & ~fresh
                hi_t, lo_t = np.where(to_hi, tau, hi_t), np.where(to_lo, tau, lo_t)
                hi_m = [np.where(to_hi, x, h) for x, h in zip(m_tau, hi_m)]
                lo_m = [np.where(to_lo, x, lo) for x, lo in zip(m_tau, lo_m)]
            tau = np.where(fresh, t_b[li], between(lo_t, hi_t, lo_m, hi_m))
            state = self._state_at(t_a[li], t_b[li], s_a[li], s_b[li], tau)
            g_tau = self._margins(state, pair_bat, pair_tim, pair_site)
        return tau, g_tau[:, 0, 0], g_tau[:, _FLY, 0]


def _holds(g: Any) -> np.ndarray:
    """All margins >= 0: ``g`` an array (n, M, B) (over axis 1) or a list of (n, B)."""
    if isinstance(g, list):
        return _holds_list(g)
    return np.all(g >= 0.0, axis=1)


def _holds_list(margins: list[np.ndarray]) -> np.ndarray:
    ok = margins[0] >= 0.0
    for x in margins[1:]:
        ok = ok & (x >= 0.0)
    return ok
