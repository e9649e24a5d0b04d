"""The simulated transport: parties exchange wire bytes on a simulated clock through a faulty link.

Each transmission is dropped with probability ``drop`` (and always while a partition is up), otherwise
delivered once, or twice with probability ``duplicate``, after a ``delay`` draw (s) plus, with
``reorder_s`` > 0, a uniform extra delay in [0, reorder_s] per copy so that later messages can overtake
earlier ones. Each party may run on its own clock: party time = true time + ``offsets[party]`` (s).
All randomness comes from the numpy Generator handed in (one per trial, from (seed, trial)).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

from duel.notify.dist import Dist
from duel.notify.party import Party


@dataclass(frozen=True)
class Faults:
    """Link faults: probabilities, delays (s) and partition intervals [start, end) in true time (POSIX s)."""

    drop: float = 0.0
    duplicate: float = 0.0
    delay: Dist = Dist("lognormal", 2.0, 0.5)
    reorder_s: float = 0.0
    partitions: tuple[tuple[float, float], ...] = ()


@dataclass
class LinkStats:
    """Counts of what the link did."""

    transmissions: int = 0
    dropped: int = 0
    duplicated: int = 0
    deliveries: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


class SimNet:
    """Discrete-event network between ``parties`` (name → Party) with ``faults``, starting at ``t0`` (POSIX s)."""

    def __init__(self, parties: dict[str, Party], faults: Faults, rng: Any, t0: float,
                 offsets: dict[str, float] | None = None):
        self.parties, self.faults, self.rng, self.now = parties, faults, rng, t0
        self.offsets = offsets or {}
        self.stats = LinkStats()
        self._queue: list[tuple[float, int, str, bytes]] = []
        self._n = 0

    def clock(self, party: str) -> float:
        """``party``'s clock now (POSIX s)."""
        return self.now + self.offsets.get(party, 0.0)

    def inject(self, dst: str, raw: bytes, at: float) -> None:
        """Deliver ``raw`` to ``dst`` at true time ``at`` regardless of faults (tests: replays, tampering)."""
        self._n += 1
        heapq.heappush(self._queue, (at, self._n, dst, raw))

    def transmit(self, dst: str, raw: bytes) -> None:
        """Hand ``raw`` to the link towards ``dst`` now."""
        f, rng = self.faults, self.rng
        self.stats.transmissions += 1
        down = any(a <= self.now < b for a, b in f.partitions)
        if down or rng.random() < f.drop:
            self.stats.dropped += 1
            return
        copies = 2 if rng.random() < f.duplicate else 1
        self.stats.duplicated += copies - 1
        for _ in range(copies):
            extra = rng.uniform(0.0, f.reorder_s) if f.reorder_s > 0 else 0.0
            self.inject(dst, raw, self.now + f.delay.sample(rng) + extra)

    def _next_due(self) -> tuple[float, str, float] | None:
        """(true time, party, party time) of the earliest due attempt, or None."""
        best = None
        for name, p in self.parties.items():
            t = p.next_due()
            if t is not None and (best is None or t - self.offsets.get(name, 0.0) < best[0]):
                best = (t - self.offsets.get(name, 0.0), name, t)
        return best

    def run(self, until: float, max_events: int = 100_000) -> None:
        """Process deliveries and due attempts in time order up to true time ``until`` (bounded)."""
        for _ in range(max_events):
            due = self._next_due()
            t_ev = self._queue[0][0] if self._queue else None
            if t_ev is not None and (due is None or t_ev <= due[0]):
                if t_ev > until:
                    break
                self.now, _, dst, raw = heapq.heappop(self._queue)
                self.stats.deliveries += 1
                out = self.parties[dst].receive(raw, self.clock(dst))
                self.stats.outcomes[out.status] = self.stats.outcomes.get(out.status, 0) + 1
                if out.reply is not None and out.message is not None:
                    self.transmit(out.message["sender"], out.reply)
            elif due is not None:
                if due[0] > until:
                    break
                self.now = max(self.now, due[0])
                for tx in self.parties[due[1]].due(max(self.clock(due[1]), due[2])):
                    self.transmit(tx.recipient, tx.raw)
            else:
                break
        else:
            raise RuntimeError("simulation did not settle within max_events")
        self.now = max(self.now, until)
