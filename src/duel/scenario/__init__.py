"""The scenario floor: what a duel is made of, as data.

* :mod:`~duel.scenario.schema`: the scenario file's schema; :mod:`~duel.scenario.loading`: reading one;
* :mod:`~duel.scenario.registry`: every number the model uses, as an input with unit, band, status and sources;
* :mod:`~duel.scenario.inputs`: the values of those inputs for one evaluation (a scenario's, ``--set``'s,
  or one draw per trial), and the uncertain inputs with their distributions.

Nothing here computes physics; the flight and defence floors read their numbers from :class:`Inputs`.
"""

from __future__ import annotations

from duel.scenario.loading import in_file, load_scenario, parse_scenario
from duel.scenario.schema import Scenario

__all__ = ["Scenario", "in_file", "load_scenario", "parse_scenario"]
