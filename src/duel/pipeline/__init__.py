"""The one pipeline: resolve a scenario, fly, defend, run the trials, judge (:func:`run_scenario`).

Every command, the web page and notebooks build a scenario (or a part of one) and call these stages; none
holds physics.
"""

from __future__ import annotations

from duel.pipeline.resolve import Setup, check_scenario, resolve
from duel.pipeline.run import RunResult, duel_trials, run_scenario

__all__ = ["RunResult", "Setup", "check_scenario", "duel_trials", "resolve", "run_scenario"]
