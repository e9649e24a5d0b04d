"""Which uncertain inputs drive the answer: global indices on the draws and a one-at-a-time tornado.

The indices are SALib's RBD-FAST first-order indices (Tarantola et al. 2006; Plischke 2010) computed on the
Monte Carlo draws themselves (no extra model runs), with SALib's bootstrap confidence. The tornado reads the
engine's 1 + 2k one-at-a-time cases (:class:`duel.trials.runner.Tornado`). The output ranked is P(all objects
stopped); when it does not vary over the draws (e.g. always 0) the expected number of leakers is ranked
instead, and ``output`` says which.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from duel.trials.results import Tornado
from duel.verdict.quantities import finite

RBD_FAST = {"M": 4, "num_resamples": 50, "seed": 1}  # SALib's interference factor, bootstrap size and its seed
MIN_DRAWS_FOR_INDICES = 40
OUTPUT_LABELS = {"p_all_stopped": "P(all objects stopped)", "expected_leakers": "expected leakers"}


def sensitivity(draws: Mapping[str, np.ndarray], p0: np.ndarray, leak: np.ndarray, tornado: Tornado) -> dict[str, Any]:
    """The ``sensitivity`` part of the result document (module docstring)."""
    names = list(draws)
    x = np.column_stack([draws[n] for n in names])
    key, y = ("p_all_stopped", p0) if np.ptp(p0) > 1e-9 else ("expected_leakers", leak)
    indices = []
    if len(y) >= MIN_DRAWS_FOR_INDICES and np.ptp(y) > 1e-9:
        from SALib.analyze import rbd_fast

        problem = {"num_vars": len(names), "names": names,
                   "bounds": [[float(x[:, k].min()), float(x[:, k].max()) + 1e-12] for k in range(len(names))]}
        res = rbd_fast.analyze(problem, x, y, **RBD_FAST)
        indices = [{"input": n, "s1": finite(max(0.0, float(s))), "s1_conf": finite(c)}
                   for n, s, c in zip(names, res["S1"], res["S1_conf"])]
        indices.sort(key=lambda r: -(r["s1"] or 0.0))
    out = tornado.outcomes
    at = [{"p_all_stopped": float(out.p_all_stopped[i]), "p_at_least_one_stopped": float(1.0 - out.p_all_leak[i]),
           "expected_leakers": float(out.expected_leakers[i])} for i in range(1 + 2 * len(tornado.inputs))]
    rows = []
    for k, u in enumerate(tornado.inputs):
        at_lo, at_hi = at[1 + 2 * k], at[2 + 2 * k]
        row = {"input": u.path, "label": u.spec.label, "low": u.low, "high": u.high, "nominal": u.nominal,
               "output_low": at_lo[key], "output_high": at_hi[key]}
        for kk in ("p_all_stopped", "p_at_least_one_stopped"):
            row[f"{kk}_low"], row[f"{kk}_high"] = at_lo[kk], at_hi[kk]
        rows.append(row)
    rows.sort(key=lambda r: -abs(r["output_high"] - r["output_low"]))
    return {"method": "RBD-FAST (SALib), first-order indices on the Monte Carlo trials" if indices else
            "one-at-a-time only (too few trials, or no variation, for indices)", "output": OUTPUT_LABELS[key],
            "output_key": key, "indices": indices, "tornado": rows, "base": at[0][key],
            "base_p_at_least_one_stopped": at[0]["p_at_least_one_stopped"]}


def no_sensitivity(p_all: float, p_one: float) -> dict[str, Any]:
    """The ``sensitivity`` part when nothing is uncertain."""
    return {"method": None, "output": OUTPUT_LABELS["p_all_stopped"], "output_key": "p_all_stopped", "indices": [],
            "tornado": [], "base": p_all, "base_p_at_least_one_stopped": p_one}
