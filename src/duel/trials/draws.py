"""The defence under many draws of the uncertain inputs at once: the Monte Carlo over the assumption space.

Each row is one draw theta_i of every uncertain input (:func:`duel.trials.sampling.sample`). The defence is
rebuilt from the inputs with those draws (arrays with one value per row: :meth:`DefenceSetup.redrawn`), the
threat is the nominal track shared by every row, or, when the reentry objects' beta is drawn, every row's
threat re-flown with the nominal aim in one batch; then the batch engine (:mod:`duel.trials.engine`)
evaluates every row on the chosen backend: windows, layers and the raid conditional on theta_i, exactly
(closed form) where no magazine or fire-channel limit can bind, otherwise by ``inner`` seeded realisations.
Each row also keeps its flight (:func:`duel.flight.summary.flight_quantities`): the flight time and the highest Mach number after
apogee, which the claims about the flight are judged on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np

from duel.backend import Backend, can_fork, get_backend, split
from duel.defence.raid_rows import leaker_counts
from duel.defence.setup import DefenceSetup
from duel.defence.track import ThreatTrack
from duel.defence.warning import SpaceIR
from duel.flight.solved import Flight
from duel.flight.summary import flight_quantities
from duel.flight.trajectory import fly_staged
from duel.scenario.inputs import Inputs, fork_map_recorded
from duel.trials.engine import DefenceRows, TrackArrays, defence_rows, evaluate_rows
from duel.trials.results import DrawOutcomes

ProgressFn = Callable[[int, int], None]
MIN_ROWS_PER_PROCESS = 32  # fewer rows do not repay a fork (about 0.1 s)


def threat_tracks(flight: Flight, space_ir: SpaceIR | None, beta_kg_m2: np.ndarray | None, rows: int,
                  backend: Backend) -> TrackArrays:
    """The threat objects of each row: the nominal track shared by all rows, or each row's threat re-flown with
    its reentry beta (kg/m^2) and the nominal aim, in one batch on ``backend`` (each distinct beta flown once:
    the tornado's and the Sobol' design's rows repeat a few values)."""
    if beta_kg_m2 is None:
        return TrackArrays.from_track(ThreatTrack.from_trajectory(flight.trajectory), space_ir)
    tr, aim = flight.trajectory, flight.aim
    betas, row_of = np.unique(np.broadcast_to(np.asarray(beta_kg_m2, float), (rows,)), return_inverse=True)
    tr = fly_staged(flight.missile, tr.launch_lat[0], tr.launch_lon[0], aim.azimuth_deg, aim.params["kick_deg"],
                    aim.params["cutoff_s"], tr.physics, beta_kg_m2=betas, record=True, backend=backend)
    track = ThreatTrack.from_trajectory(tr)
    flown = TrackArrays.from_track(track, None).take(row_of)
    if space_ir is None:
        return flown
    cue = space_ir.warning(track.burnout_s[row_of])[2]  # the IR sensor's delays may be drawn per row
    return replace(flown, cue_s=np.asarray(cue, float).reshape(-1, 1))


def evaluate_draws(flight: Flight, defence: DefenceSetup, inputs: Inputs, draws: Mapping[str, np.ndarray], rows: int,
                   seed: int, backend: Backend | str = "numpy", inner: int = 0,
                   progress: ProgressFn | None = None, row_offset: int = 0,
                   adjust: Callable[[DefenceRows], DefenceRows] | None = None, workers: int = 1) -> DrawOutcomes:
    """The defence under each row of ``draws`` (path -> (rows,) values in the inputs' units), all rows at once.

    ``inner``: realisations per row where limits can bind (module docstring); ``row_offset``: the global index
    of the first row (its raid realisations are those of that row, whatever the batch); ``adjust``: a change to
    the per-row defence arrays before the engine runs (e.g. batteries switched off per row); ``workers``: the
    rows cut into that many parts, computed in forked processes (:func:`~duel.scenario.inputs.fork_map_recorded`;
    not with ``adjust``, which sees all rows) with the same result, since a row's numbers do not depend on its
    batch.
    """
    if workers > 1 and adjust is None and rows >= 2 * MIN_ROWS_PER_PROCESS and can_fork():
        parts = split(rows, min(workers, rows // MIN_ROWS_PER_PROCESS))
        first = parts[0][1]

        def part(ab: tuple[int, int]) -> DrawOutcomes:
            a, b = ab
            sub = {k: np.broadcast_to(np.asarray(v), (rows,))[a:b] for k, v in draws.items()}
            step = None if progress is None or a else (lambda done, total: progress(done * rows // first, rows))
            return evaluate_draws(flight, defence, inputs, sub, b - a, seed, backend, inner, step, row_offset + a)

        return DrawOutcomes.concat(fork_map_recorded(part, parts, workers))
    be = get_backend(backend) if isinstance(backend, str) else backend
    drawn = inputs.with_values(draws)
    d = defence.redrawn(drawn)
    beta_path = f"missile.{inputs.missile}.reentry_beta_kg_m2"
    tracks = threat_tracks(flight, d.space_ir, draws.get(beta_path), rows, be)
    rows_arrays = defence_rows(d, rows) if adjust is None else adjust(defence_rows(d, rows))
    res = evaluate_rows(d, flight.trajectory.earth, tracks, rows_arrays, be, seed, inner=inner,
                        inner_only_where_limits_bind=True, row_offset=row_offset, progress=progress)
    ft, mach, mach_alt = flight_quantities(tracks.time_s, tracks.alt_m, tracks.speed_mps)
    # (Tt, W) -> rows: the last impact and the highest Mach over the row's objects, with its altitude
    top = np.argmax(np.where(np.isnan(mach), -np.inf, mach), axis=1)[:, None]
    ft, mach, mach_alt = (np.broadcast_to(x, (rows,)).copy() for x in (
        np.fmax.reduce(ft, axis=1), np.take_along_axis(mach, top, 1)[:, 0], np.take_along_axis(mach_alt, top, 1)[:, 0]))
    w = d.objects
    pmf, used, bind = res["pmf"], res["interceptors"], res["limits_bind"]
    if "mc_leakers" in res:
        pmf = np.where(bind[:, None], leaker_counts(res["mc_leakers"], w) / res["mc_leakers"].shape[1], pmf)
        used = np.where(bind, res["mc_interceptors"].mean(axis=1), used)
    return DrawOutcomes(pmf, pmf[:, 0], pmf[:, -1], pmf @ np.arange(w + 1), used, bind, ft, mach, mach_alt)
