"""Monte Carlo runs: per-trial seeding, chunked (and resumable) execution, estimates with 95 % intervals.

A *trial function* computes a block of trials at once (vectorised, no Python loop over trials)::

    fn(seed: int, start: int, stop: int) -> dict[str, np.ndarray]   # columns of length stop - start

and must depend only on (seed, trial index): trial i's random numbers come from a counter-based stream
(Philox-4x64 keyed by ``seed``), trial i reading a fixed slice of it (:func:`duel.defence.streams.philox_block`),
the design of :func:`duel.defence.raid.simulate_raid`. Then the chunk size, the order in which chunks run and a restart
after a crash never change a single row. A trial function may carry ``fingerprint() -> dict`` (what it
computes, JSON-able) so a stored run can check it is resumed with the same function and parameters.

:func:`run_monte_carlo` runs the trials in chunks, in memory or streamed to a :class:`duel.trials.store.ChunkStore`
(Parquet; killed runs resume), then summarises: mean, standard error and a 95 % interval per column
(Wilson score interval for 0/1 columns, normal interval of the mean otherwise), and gives a convergence
series (estimate and interval against the number of trials) for plots.

:class:`RaidTrials` is the trial function of the raid model (:mod:`duel.defence.raid`); trial i of it is
trial i of ``simulate_raid`` with the same seed. A full-duel trial function (scenario runner) plugs in the
same way.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from duel.backend import can_fork
from duel.defence import raid
from duel.defence.raid import Z95, wilson_interval
from duel.defence.streams import philox_block
from duel.errors import InputError
from duel.trials.store import ChunkStore


class TrialFunction(Protocol):
    """Columns (arrays of length stop - start) for trials [start, stop) under ``seed``."""

    def __call__(self, seed: int, start: int, stop: int) -> dict[str, np.ndarray]: ...


# ------------------------------------------------------------------------------------------- estimates
@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate of a column's mean: value, standard error, 95 % interval, trials.

    ``kind`` is ``"proportion"`` (0/1 column; Wilson score interval) or ``"mean"`` (normal interval
    mean +- 1.96 se, se = sample standard deviation / sqrt(n)).
    """

    name: str
    mean: float
    se: float
    ci95: tuple[float, float]
    n: int
    kind: str

    def covers(self, value: float) -> bool:
        """True if ``value`` lies in the 95 % interval."""
        return self.ci95[0] <= value <= self.ci95[1]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"name": self.name, "mean": self.mean, "se": self.se, "ci95": list(self.ci95), "n": self.n,
                "kind": self.kind}


def estimate_from_moments(name: str, n: int, total: float, total_sq: float, proportion: bool) -> Estimate:
    """Estimate from the count, sum and sum of squares of a column (what a streaming pass yields)."""
    if n <= 0:
        return Estimate(name, math.nan, math.nan, (math.nan, math.nan), 0, "proportion" if proportion else "mean")
    mean = total / n
    if proportion:
        return Estimate(name, mean, math.sqrt(max(mean * (1.0 - mean), 0.0) / n), wilson_interval(total, n), n,
                        "proportion")
    var = max(total_sq - n * mean * mean, 0.0) / (n - 1) if n > 1 else math.nan
    se = math.sqrt(var / n) if n > 1 else math.nan
    return Estimate(name, mean, se, (mean - Z95 * se, mean + Z95 * se), n, "mean")


def _is_proportion(a: np.ndarray) -> bool:
    return a.dtype == bool


def summarize(columns: dict[str, np.ndarray], proportions: Sequence[str] = ()) -> dict[str, Estimate]:
    """Estimates of the mean of every numeric column except ``trial``.

    Boolean columns and those named in ``proportions`` are proportions (Wilson interval).
    """
    out = {}
    for name, a in columns.items():
        a = np.asarray(a)
        if name == "trial" or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
            continue
        x = a.astype(float)
        prop = _is_proportion(a) or name in proportions
        out[name] = estimate_from_moments(name, x.size, float(x.sum()), float((x * x).sum()), prop)
    return out


def convergence(values: np.ndarray, points: int = 40, proportion: bool | None = None,
                start: int = 10) -> dict[str, np.ndarray]:
    """Running estimate of the mean of ``values`` (in trial order) and its 95 % interval.

    Evaluated at about ``points`` trial counts spaced logarithmically from ``start`` to len(values): a
    series for an "estimate vs trials" plot. Returns arrays ``trials``, ``estimate``, ``ci_low``,
    ``ci_high``.
    """
    v = np.asarray(values)
    prop = v.dtype == bool if proportion is None else proportion
    x = v.astype(float)
    n = x.size
    if n == 0:
        raise InputError("convergence: no trials")
    ks = np.unique(np.geomspace(min(start, n), n, points).astype(np.int64))
    c1, c2 = np.cumsum(x), np.cumsum(x * x)
    est = [estimate_from_moments("", int(k), float(c1[k - 1]), float(c2[k - 1]), prop) for k in ks]
    return {"trials": ks, "estimate": np.array([e.mean for e in est]),
            "ci_low": np.array([e.ci95[0] for e in est]), "ci_high": np.array([e.ci95[1] for e in est])}


# ---------------------------------------------------------------------------------------------- running
@dataclass
class MonteCarloResult:
    """A finished run: its size and seed, the estimates, and the rows (in memory or in a store).

    ``columns``: the rows as arrays ordered by trial (in-memory runs); ``store``: the
    :class:`~duel.trials.store.ChunkStore` (stored runs). ``chunks_run``/``chunks_reused``: chunks computed in
    this call and chunks found already stored (a resumed run).
    """

    trials: int
    seed: int
    summary: dict[str, Estimate]
    columns: dict[str, np.ndarray] | None = None
    store: ChunkStore | None = None
    chunks_run: int = 0
    chunks_reused: int = 0
    seconds: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    def column(self, name: str) -> np.ndarray:
        """One column in trial order."""
        if self.columns is not None:
            return self.columns[name]
        return self.store.read([name], trials=self.trials)[name]

    def convergence(self, name: str, points: int = 40) -> dict[str, np.ndarray]:
        """Convergence series of column ``name`` (see :func:`convergence`)."""
        kind = self.summary[name].kind if name in self.summary else None
        return convergence(self.column(name), points, None if kind is None else kind == "proportion")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no rows)."""
        return {"trials": self.trials, "seed": self.seed, "seconds": self.seconds,
                "chunks_run": self.chunks_run, "chunks_reused": self.chunks_reused,
                "summary": {k: e.to_dict() for k, e in self.summary.items()},
                "store": None if self.store is None else str(self.store.path), **self.meta}


def fingerprint_of(fn: Any, seed: int) -> dict[str, Any]:
    """What identifies a run for resuming: the trial function's fingerprint (or its name) and the seed."""
    fp = fn.fingerprint() if hasattr(fn, "fingerprint") else {
        "function": f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', type(fn).__qualname__)}"}
    return {"trial_function": fp, "seed": int(seed)}


def _chunks(ranges: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    return [(a, min(b, a + size)) for lo, b in ranges for a in range(lo, b, size)]


def run_monte_carlo(
    fn: TrialFunction,
    trials: int,
    seed: int = 0,
    *,
    chunk_trials: int = 100_000,
    out: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    proportions: Sequence[str] = (),
    on_chunk: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> MonteCarloResult:
    """Run trials [0, trials) of ``fn`` under ``seed`` in chunks of ``chunk_trials``.

    ``workers`` > 1 computes the chunks in that many forked processes (POSIX; in a process that has loaded JAX,
    whose threads make forking unsafe, the chunks run here one after another); the rows do not change, since
    trial i depends only on (seed, i). Chunks are handed out in order and stored as they come back.

    With ``out`` (a directory) every chunk goes to Parquet as soon as it is computed and a killed run,
    restarted with the same arguments, computes only the missing trials (:class:`duel.trials.store.ChunkStore`);
    the summary is then computed by DuckDB over the stored rows. Without ``out`` the rows stay in memory.
    ``on_chunk(start, stop)`` is called after each chunk (progress).
    """
    if isinstance(trials, bool) or int(trials) != trials or trials < 1:
        raise InputError(f"trials must be a whole number >= 1, got {trials!r}")
    if isinstance(seed, bool) or int(seed) != seed or seed < 0:
        raise InputError(f"seed must be a whole number >= 0, got {seed!r}")
    if int(chunk_trials) < 1:
        raise InputError(f"chunk_trials must be >= 1, got {chunk_trials!r}")
    if isinstance(workers, bool) or int(workers) != workers or workers < 1:
        raise InputError(f"workers must be a whole number >= 1, got {workers!r}")
    trials, seed, size = int(trials), int(seed), int(chunk_trials)
    t_start = time.perf_counter()
    if out is None:
        parts = []
        for a, b, cols in _computed(fn, seed, _chunks([(0, trials)], size), int(workers)):
            parts.append(cols)
            if on_chunk:
                on_chunk(a, b)
        cols = {"trial": np.arange(trials, dtype=np.int64)}
        for k in parts[0]:
            cols[k] = np.concatenate([p[k] for p in parts])
        return MonteCarloResult(trials, seed, summarize(cols, proportions), columns=cols,
                                chunks_run=len(parts), seconds=time.perf_counter() - t_start)

    store = ChunkStore(out, fingerprint_of(fn, seed), overwrite=overwrite, lock="--out")
    todo = _chunks(store.missing(trials), size)
    reused = sum(1 for c in store.chunks if c["start"] < trials)
    for a, b, cols in _computed(fn, seed, todo, int(workers)):
        store.write_chunk(a, b, cols)
        if on_chunk:
            on_chunk(a, b)
    summary = summarize_store(store, trials, proportions)
    return MonteCarloResult(trials, seed, summary, store=store, chunks_run=len(todo), chunks_reused=reused,
                            seconds=time.perf_counter() - t_start)


_FORKED: TrialFunction | None = None  # the trial function forked workers inherit (set only while a pool runs)


def _forked_chunk(seed: int, a: int, b: int) -> tuple[int, int, dict[str, np.ndarray]]:
    assert _FORKED is not None
    return a, b, _checked(_FORKED(seed, a, b), a, b)


def _computed(fn: TrialFunction, seed: int, chunks: list[tuple[int, int]], workers: int
              ) -> Iterator[tuple[int, int, dict[str, np.ndarray]]]:
    """(start, stop, columns) of each chunk, in order: here, or in ``workers`` forked processes."""
    if workers == 1 or len(chunks) < 2 or not can_fork():  # e.g. never fork a process that runs JAX's threads
        for a, b in chunks:
            yield a, b, _checked(fn(seed, a, b), a, b)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _FORKED
    _FORKED = fn
    try:
        with ProcessPoolExecutor(min(workers, len(chunks)), mp_context=multiprocessing.get_context("fork")) as pool:
            yield from pool.map(_forked_chunk, *zip(*((seed, a, b) for a, b in chunks)))
    finally:
        _FORKED = None


def _checked(cols: dict[str, np.ndarray], a: int, b: int) -> dict[str, np.ndarray]:
    for k, v in cols.items():
        if np.shape(v) != (b - a,):
            raise ValueError(f"trial function returned column {k!r} of shape {np.shape(v)} for {b - a} trials")
    return cols


def summarize_store(store: Any, trials: int, proportions: Sequence[str] = ()) -> dict[str, Estimate]:
    """Estimates of every numeric column of a stored run (trials below ``trials``), computed by DuckDB."""
    desc = store.con.execute(f"DESCRIBE SELECT * FROM {store.sql_source(trials)}").fetchall()
    numeric = [(name, typ) for name, typ, *_ in desc if name != "trial" and (
        typ == "BOOLEAN" or any(t in typ for t in ("INT", "DOUBLE", "FLOAT", "DECIMAL")))]
    if not numeric:
        return {}
    exprs = ", ".join(f'sum(CAST("{c}" AS DOUBLE)), sum(CAST("{c}" AS DOUBLE) * CAST("{c}" AS DOUBLE))'
                      for c, _ in numeric)
    row = store.con.execute(f"SELECT count(*), {exprs} FROM {store.sql_source(trials)}").fetchone()
    n = int(row[0])
    out = {}
    for i, (c, typ) in enumerate(numeric):
        prop = typ == "BOOLEAN" or c in proportions
        out[c] = estimate_from_moments(c, n, float(row[1 + 2 * i] or 0.0), float(row[2 + 2 * i] or 0.0), prop)
    return out


# ---------------------------------------------------------------------------------------- raid trials
@dataclass(frozen=True)
class RaidTrials:
    """Trial function of the raid model: W warheads (+ D decoys) through ordered layers.

    Parameters as :func:`duel.defence.raid.simulate_raid`. Columns: ``leakers`` (warheads that leak),
    ``interceptors`` (fired), ``no_leaker`` (bool). Trial i equals trial i of ``simulate_raid`` with the
    same seed (same Philox stream layout).
    """

    warheads: int
    decoys: int = 0
    layers: Any = ()
    p_track: float = 1.0
    p_decoy_engaged: float = 1.0
    common_mode: bool = False
    p_warhead_engaged: float = 1.0

    def __call__(self, seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
        kp = raid.draws_per_trial(self.warheads + self.decoys, self.layers)
        leakers, used = raid.simulate_trials(philox_block(seed, start, stop, kp), self.warheads, self.decoys,
                                             self.layers, self.p_track, self.p_decoy_engaged, self.common_mode,
                                             p_warhead_engaged=self.p_warhead_engaged)
        return {"leakers": leakers.astype(np.int64), "interceptors": used.astype(np.int64), "no_leaker": leakers == 0}

    def fingerprint(self) -> dict[str, Any]:
        """JSON-able identity of the trial function."""
        import dataclasses

        layers = (self.layers,) if not isinstance(self.layers, (list, tuple)) else self.layers
        return {"function": "duel.trials.montecarlo.RaidTrials", "warheads": self.warheads, "decoys": self.decoys,
                "layers": [dataclasses.asdict(ly) for ly in layers], "p_track": self.p_track,
                "p_decoy_engaged": self.p_decoy_engaged, "common_mode": self.common_mode,
                "p_warhead_engaged": self.p_warhead_engaged, "stream": "philox4x64/1"}
