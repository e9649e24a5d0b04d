"""Every number a run used, with its status and sources: the report's table and the bibliography.

The rows come from the input registry: one per input the run read (:func:`duel.scenario.inputs.recording`),
with its label, value (as the scenario or ``--set`` gave it, or the nominal), band, unit, status (reported,
estimated, notional, user-set), sources and either how it is drawn per Monte Carlo trial (``drawn``) or why it
is pinned at its value (``pinned``); then the scenario's per-battery overrides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from duel.scenario.inputs import Inputs, UncertainInput, pinned_reason
from duel.scenario.schema import Scenario


def _value(v: Any) -> Any:
    """A value for the table: numbers and words as they are, flags as TOML writes them (the schema's value is
    a number or a string), a table as its size and range."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, tuple):
        return f"{len(v)} values from {min(v):g} to {max(v):g}"
    return v


def numbers_used(inputs: Inputs, read: Iterable[str], sc: Scenario,
                 uncertain: Sequence[UncertainInput]) -> list[dict[str, Any]]:
    """The table rows: path, name (the input's label), value, low, high, unit, status, sources, note, drawn
    (how it is drawn per trial, or None) and pinned (why it is not drawn, or None)."""
    order = {s.path: i for i, s in enumerate(inputs.registry)}
    drawn = {p: _drawn(u) for u in uncertain for p in inputs.registry.expand(u.path)}
    rows = []
    for path in sorted((p for p in set(read) if "*" not in p), key=lambda p: order.get(p, len(order))):
        spec = inputs.spec(path)
        value = inputs[path]
        if value is None:
            continue  # an optional input that is absent (e.g. no notice)
        user = inputs.status(path) == "user-set"
        how = drawn.get(path)
        rows.append({"path": path, "name": spec.label, "value": _value(value),
                     "low": None if user else spec.low, "high": None if user else spec.high,
                     "unit": "" if spec.unit == "-" else spec.unit, "status": inputs.status(path),
                     "sources": list(spec.sources), "note": spec.note, "drawn": how,
                     "pinned": None if how else pinned_reason(spec, inputs)})
    for i, b in enumerate(sc.batteries):
        for k in ("launchers", "magazine", "sspk", "fire_control"):
            if getattr(b, k) is not None:
                rows.append({"path": f"batteries[{i}].{k}", "name": f"{b.type} at {b.at}: {k}",
                             "value": getattr(b, k), "low": None, "high": None, "unit": "", "status": "user-set",
                             "sources": [], "note": "set in the scenario for this battery", "drawn": None,
                             "pinned": "set by the scenario for this battery"})
    return rows


def _drawn(u: UncertainInput) -> str:
    """How an uncertain input is drawn per trial, in words with its numbers."""
    unit = "" if u.spec.unit in ("", "-") else f" {u.spec.unit}"
    if u.dist == "choice":
        return ", ".join(f"{c} {w:.0%}" for c, w in zip(u.choices, u.weights))
    if u.dist == "normal":
        return f"normal, mean {u.mean:g}, sd {u.sd:g}{unit}"
    if u.dist == "uniform":
        return f"uniform {u.low:g}..{u.high:g}{unit}"
    return f"triangular {u.low:g}..{u.high:g}{unit}, peak {u.mode:g}"


def sources_of(inputs: Inputs, ids: Iterable[str]) -> list[dict[str, Any]]:
    """The bibliography entries of ``ids`` (sorted, each once) as JSON-ready dicts."""
    return [inputs.registry.source(i) for i in sorted(set(ids))]
