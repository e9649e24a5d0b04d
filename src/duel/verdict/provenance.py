"""Every number a run used, with its status and sources: the report's table and the bibliography.

The rows come from the input registry: one per input the run read (:func:`duel.scenario.inputs.recording`),
with its label, value (as the scenario or ``--set`` gave it, or the nominal), band, unit, status (reported,
estimated, notional, user-set) and sources; then the scenario's per-battery overrides and the distribution
of each uncertain input.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from duel.scenario.inputs import Inputs, UncertainInput
from duel.scenario.schema import Scenario


def _value(v: Any) -> Any:
    """A value for the table: numbers and words as they are, tables as a comma-separated list."""
    if isinstance(v, tuple):
        return ", ".join(f"{x:g}" for x in v)
    return v


def numbers_used(inputs: Inputs, read: Iterable[str], sc: Scenario,
                 uncertain: Sequence[UncertainInput]) -> list[dict[str, Any]]:
    """The table rows: path, name (the input's label), value, low, high, unit, status, sources, note."""
    order = {s.path: i for i, s in enumerate(inputs.registry)}
    rows = []
    for path in sorted(set(read), key=lambda p: order.get(p, len(order))):
        spec = inputs.spec(path)
        value = inputs[path]
        if value is None:
            continue  # an optional input that is absent (e.g. no notice)
        user = inputs.status(path) == "user-set"
        rows.append({"path": path, "name": spec.label, "value": _value(value),
                     "low": None if user else spec.low, "high": None if user else spec.high,
                     "unit": "" if spec.unit == "-" else spec.unit, "status": inputs.status(path),
                     "sources": list(spec.sources), "note": spec.note})
    for i, b in enumerate(sc.batteries):
        for k in ("launchers", "magazine", "sspk"):
            if getattr(b, k) is not None:
                rows.append({"path": f"batteries[{i}].{k}", "name": f"{b.type} at {b.at}: {k}",
                             "value": getattr(b, k), "low": None, "high": None, "unit": "", "status": "user-set",
                             "sources": [], "note": "set in the scenario for this battery"})
    for u in uncertain:
        spec = {k: v for k, v in sc.uncertain[_given_key(sc, u.path, inputs)].model_dump().items() if v is not None}
        rows.append({"path": u.path, "name": f"uncertain: {u.spec.label}",
                     "value": ", ".join(f"{k}={v}" for k, v in spec.items()), "low": u.low, "high": u.high,
                     "unit": "" if u.spec.unit == "-" else u.spec.unit, "status": "user-set", "sources": [],
                     "note": "drawn per Monte Carlo trial"})
    return rows


def _given_key(sc: Scenario, path: str, inputs: Inputs) -> str:
    """The key of ``[uncertain]`` that names ``path`` (it may use the ``missile.FIELD`` shorthand)."""
    return next(k for k in sc.uncertain if inputs.registry.canonical(k, inputs.missile) == path)


def sources_of(inputs: Inputs, ids: Iterable[str]) -> list[dict[str, Any]]:
    """The bibliography entries of ``ids`` (sorted, each once) as JSON-ready dicts."""
    return [inputs.registry.source(i) for i in sorted(set(ids))]
