"""duel: open, transparent physics for the proposed IRBM "high-tech duel".

Trajectories of public-parameter ballistic missiles on a rotating WGS84 Earth, defence timelines and
intercept probabilities, every real-world number traced to a cited source in the data catalogue.
Scope: textbook physics and public estimates; no guidance laws, evasion or damage models.

The public API is re-exported here and imported on first use (so ``import duel`` stays light):
``solve_flight``/``FlightRequest`` (one flight as ``duel fly`` does it), ``fly_staged``/``fly_burnout`` (batches),
``aim_staged``/``aim_burnout``, ``load_scenario``/``Scenario``/``run_scenario`` (``duel run``),
``Registry``/``Inputs``/``scenario_inputs`` (the model's inputs), ``closed_form_raid``/``simulate_raid``/``Layer``
(raids), ``get_backend``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_API = {
    "solve_flight": "duel.flight.api", "FlightRequest": "duel.flight.api",
    "fly_staged": "duel.flight.trajectory", "fly_burnout": "duel.flight.trajectory",
    "Trajectory": "duel.flight.trajectory",
    "aim_staged": "duel.flight.aim", "aim_burnout": "duel.flight.aim", "parse_shape": "duel.flight.aim",
    "load_scenario": "duel.scenario", "Scenario": "duel.scenario", "run_scenario": "duel.pipeline",
    "Registry": "duel.scenario.registry", "Inputs": "duel.scenario.inputs", "scenario_inputs": "duel.scenario.inputs",
    "closed_form_raid": "duel.defence.raid", "simulate_raid": "duel.defence.raid", "Layer": "duel.defence.raid",
    "get_backend": "duel.backend",
}
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'duel' has no attribute {name!r}")
