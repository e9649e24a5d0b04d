"""Space-based infrared early warning: it sees the boost plume, and gives warning and a cue, never a track.

An early-warning satellite sees the *boost plume only*: it detects a launch ``detection_delay_s`` after
lift-off if the motor is still burning then (detection_delay < burnout time; otherwise nothing), and issues
a launch report / warning track ``track_latency_s`` after lift-off (the catalogue measures both from lift-off,
not the latency from detection). It gives *warning and a cue*, never a fire-control track: no battery can
fire on it. The cue reaches the batteries ``relay_s`` later (default 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from duel.scenario.inputs import Number


@dataclass(frozen=True)
class SpaceIR:
    """Space-based infrared early warning (e.g. SBIRS): sees the boost plume only.

    Attributes:
        detection_delay_s: first detection, s after lift-off (needs the motor still burning then); a scalar,
            or an array over trials.
        track_latency_s: launch report / warning track, s after lift-off (not after detection).
        relay_s: delay from the report to the batteries (the cue), s.
        id, sources: catalogue id and sources.
    """

    detection_delay_s: Number
    track_latency_s: Number
    relay_s: float = 0.0
    id: str = ""
    sources: tuple[str, ...] = ()

    def warning(self, burnout_s: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Detection, report and cue times (s from launch) per object; NaN where the plume was gone first.

        Detected iff detection_delay_s <= burnout (plume visible; an unknown burnout counts as visible).
        Report = max(track_latency_s, detection); cue = report + relay_s.
        """
        b = np.asarray(burnout_s, float)
        seen = ~(b < self.detection_delay_s)
        det = np.where(seen, self.detection_delay_s, np.nan)
        rep = np.where(seen, np.maximum(self.track_latency_s, self.detection_delay_s), np.nan)
        return det, rep, rep + self.relay_s
