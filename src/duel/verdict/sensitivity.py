"""What decides the answer, as the result document says it: Sobol' indices, screening, and the tornado.

The numbers come from the trials stage (:mod:`duel.trials.sensitivity`): Sobol' first-order and total indices
(SALib) of the ranked output over the inputs that screen highest, every input's screening numbers (the
tornado's one-at-a-time swing; SALib's RBD-FAST first-order index on the Monte Carlo draws, Tarantola et al.
2006, Plischke 2010), and the tornado's cases. The output ranked is P(all objects stopped); where it does not
vary over the draws (e.g. always 0) the expected number of leakers is ranked instead, and ``output`` says which.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from duel.trials.results import Sensitivity, Tornado
from duel.verdict.quantities import finite

OUTPUT_LABELS = {"p_all_stopped": "P(all objects stopped)", "expected_leakers": "expected leakers"}
MEANING = ("A first-order index is the share of the spread of {out} across the assumption draws that an input "
           "explains on its own; a total index adds what it explains together with others (0: it does not "
           "matter, 1: it decides everything).")


def sensitivity(sens: Sensitivity, tornado: Tornado) -> dict[str, Any]:
    """The ``sensitivity`` part of the result document (module docstring)."""
    key = sens.output
    labels = {u.path: u.spec.label for u in tornado.inputs}
    scr = sens.screening
    indices = [{"input": u.path, "s1": finite(s), "s1_conf": finite(c)}
               for u, s, c in zip(tornado.inputs, scr.rbd_first_order, scr.rbd_conf) if np.isfinite(s)]
    indices.sort(key=lambda r: -(r["s1"] or 0.0))
    ranked: list[dict[str, Any]] = []
    sob = sens.sobol
    if sob is not None:
        for i, path in enumerate(sob.paths):
            ranked.append({"path": path, "label": labels[path], "first_order": float(sob.first_order[i]),
                           "total": float(sob.total[i]), "conf": float(sob.total_conf[i]),
                           "first_order_conf": float(sob.first_order_conf[i]), "total_conf": float(sob.total_conf[i])})
        ranked.sort(key=lambda r: -r["total"])
    in_design = set(sob.paths) if sob is not None else set()
    screened = [{"path": u.path, "label": u.spec.label, "swing": float(w), "rbd_first_order": finite(s)}
                for u, w, s in zip(tornado.inputs, scr.swing, scr.rbd_first_order) if u.path not in in_design]
    screened.sort(key=lambda r: -r["swing"])
    out = tornado.outcomes
    at = [{"p_all_stopped": float(out.p_all_stopped[i]), "p_at_least_one_stopped": float(1.0 - out.p_all_leak[i]),
           "expected_leakers": float(out.expected_leakers[i])} for i in range(len(out.p_all_stopped))]
    rows = []
    for u, ends, where in zip(tornado.inputs, tornado.ends, tornado.rows):
        if u.dist == "choice":  # the choices that give the lowest and the highest output
            order = sorted(range(len(ends)), key=lambda i: at[where[i]][key])
            (lo, i_lo), (hi, i_hi) = (ends[order[0]], where[order[0]]), (ends[order[-1]], where[order[-1]])
        else:
            (lo, i_lo), (hi, i_hi) = (ends[0], where[0]), (ends[1], where[1])
        at_lo, at_hi = at[i_lo], at[i_hi]
        row = {"input": u.path, "label": u.spec.label, "low": lo, "high": hi, "nominal": u.nominal,
               "output_low": at_lo[key], "output_high": at_hi[key]}
        for kk in ("p_all_stopped", "p_at_least_one_stopped"):
            row[f"{kk}_low"], row[f"{kk}_high"] = at_lo[kk], at_hi[kk]
        rows.append(row)
    rows.sort(key=lambda r: -abs(r["output_high"] - r["output_low"]))
    method = (f"Sobol' first-order and total indices (SALib) over the {len(ranked)} inputs that screen highest, "
              f"{sob.base} blocks ({sob.rows} evaluations of the defence); the others screened by the tornado and "
              "RBD-FAST on the draws" if sob is not None else
              "screening only: the tornado and RBD-FAST on the draws (the output does not vary enough for "
              "Sobol' indices)")
    return {"method": method, "output": OUTPUT_LABELS[key], "output_key": key, "meaning": MEANING.format(
                out=OUTPUT_LABELS[key]),
            "inputs": ranked, "screened_out": screened, "indices": indices, "tornado": rows,
            "base": at[0][key], "base_p_at_least_one_stopped": at[0]["p_at_least_one_stopped"]}


def no_sensitivity(p_all: float, p_one: float) -> dict[str, Any]:
    """The ``sensitivity`` part when nothing is uncertain."""
    return {"method": None, "output": OUTPUT_LABELS["p_all_stopped"], "output_key": "p_all_stopped",
            "meaning": MEANING.format(out=OUTPUT_LABELS["p_all_stopped"]), "inputs": [], "screened_out": [],
            "indices": [], "tornado": [], "base": p_all, "base_p_at_least_one_stopped": p_one}
