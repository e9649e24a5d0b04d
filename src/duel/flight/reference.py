"""Accuracy reference: one trajectory at a time with SciPy's ``solve_ivp`` (DOP853) on the same dynamics.

The flight is split at every thrust-phase boundary (end of the vertical rise and kick, stage burnouts,
cut-off) so each piece has a smooth right-hand side; the last piece stops at impact with a terminal
height event. Used by the tests and ``benchmarks/flight_batch.py`` to check the batch RK4.
"""

from __future__ import annotations

import numpy as np

from duel.flight.dynamics import BoostTables, LaneParams, Physics, acceleration, phase_and_stage
from duel.physics.earth import height_xp


def reference_flight(
    state0: np.ndarray, lanes: LaneParams, tables: BoostTables | None, physics: Physics,
    rtol: float = 1e-9, atol_m: float = 1e-3, t_max_s: float = 4 * 3600.0,
) -> tuple[float, np.ndarray]:
    """Impact time (s) and ECEF impact state (6,) of the single trajectory ``state0`` (6,) launched at t=0.

    ``lanes`` holds one trajectory's parameters (arrays of length 1).
    """
    from scipy.integrate import solve_ivp

    earth = physics.earth
    bounds = [0.0]
    if tables is not None:
        cut = float(lanes.cutoff_s[0])
        cand = [tables.pitch_vertical_s, tables.pitch_vertical_s + tables.pitch_kick_s, *tables.end_s, cut]
        bounds += sorted({b for b in cand if 0.0 < b <= cut})
    atol = np.array([atol_m] * 3 + [atol_m * 1e-3] * 3)
    y = np.asarray(state0, float)
    for k, (ta, tb) in enumerate(zip(bounds, bounds[1:] + [t_max_s])):
        phase, stage = phase_and_stage(np.array([ta + 1e-9]), lanes.cutoff_s, tables)
        coast = k == len(bounds) - 1

        def f(t: float, s: np.ndarray, phase=phase, stage=stage) -> np.ndarray:
            st = tuple(np.array([c]) for c in s)
            a = acceleration(np.array([t]), st, phase, stage, lanes, tables, physics)
            return np.array([s[3], s[4], s[5], a[0][0], a[1][0], a[2][0]])

        def ground(t: float, s: np.ndarray) -> float:
            return float(height_xp(s[0], s[1], s[2], earth))

        ground.terminal, ground.direction = True, -1  # type: ignore[attr-defined]
        sol = solve_ivp(f, (ta, tb), y, method="DOP853", rtol=rtol, atol=atol, first_step=0.1,
                        events=ground if coast else None)
        if coast:
            if not sol.t_events[0].size:
                raise RuntimeError("reference flight did not land")
            return float(sol.t_events[0][0]), sol.y_events[0][0]
        y = sol.y[:, -1]
    raise AssertionError("unreachable")
