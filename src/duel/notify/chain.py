"""The scenario hook: a launch notice through the exchange and a human latency chain to the defender.

Times are seconds relative to launch (t = 0). Per trial: the notifier queues a NOTIFY at
``-lead_time_s``; it crosses the simulated link (``link`` delay, drop, retries, partition) to the
recipient (e.g. the third party that received the Nov 2024 notice); then a watch officer
(``watch``), a relay decision (relayed with ``relay_probability`` after ``relay``) and the defender's
dissemination (``dissemination``). Every one of these is a notional distribution (the ``notice.exchange.*`` model
inputs): no public document gives hotline link latencies, watch-officer times or relay policies. Sensors
alone inform the defender at ``sensor_cue_s``.
Warning time = ``impact_s`` minus the time the defender is informed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from duel.errors import InputError
from duel.notify.dist import Dist
from duel.notify.party import Policy
from duel.notify.sim import SIM_EPOCH, notice_fields, sim_keys, sim_party
from duel.notify.simnet import Faults, SimNet


def _pct(xs: list[float]) -> dict[str, float] | None:
    import numpy as np

    if not xs:
        return None
    a = np.asarray(xs)
    return {"median": float(np.median(a)), "p05": float(np.percentile(a, 5)), "p95": float(np.percentile(a, 95))}


@dataclass(frozen=True)
class Chain:
    """What every trial of the notice chain shares (times in s from launch; the keywords of
    :func:`simulate_notice_chain`)."""

    apogee_s: float
    reentry_s: float
    impact_s: float
    link: Dist
    watch: Dist
    relay: Dist
    dissemination: Dist
    relay_probability: float
    drop: float
    retries: int
    sensor_cue_s: float | None = None
    duplicate: float = 0.0
    partition: tuple[float, float] | None = None
    regime: str = "goodwill"
    missile_class: str = "IRBM"

    def check(self, lead_time_s: float) -> None:
        """One-line errors naming the bad value."""
        if lead_time_s < 0:
            raise InputError("lead_time_s: must be >= 0")
        if not 0 <= self.apogee_s <= self.reentry_s <= self.impact_s:
            raise InputError("apogee_s, reentry_s, impact_s: must satisfy 0 <= apogee <= reentry <= impact")
        if not 0.0 <= self.relay_probability <= 1.0:
            raise InputError("relay_probability: must be in [0, 1]")


@dataclass(frozen=True)
class ChainTrials:
    """Outcomes of the trials of the chain: when the defender was informed by the notice (s from launch; None:
    never), how many notices were delivered and acked, how many trials alarmed, and the events of trial 0."""

    informed: tuple[float | None, ...]
    delivered: int
    acked: int
    alarms: int
    events_0: tuple[tuple[str, float], ...]


def chain_trials(chain: Chain, lead_time_s: float, trials: int, seed: int) -> ChainTrials:
    """``trials`` trials of the chain; trial i from the stream (seed, i)."""
    import numpy as np

    policy = Policy(retries=chain.retries)
    ring, signers = sim_keys(["notifier", "recipient"], seed, SIM_EPOCH - lead_time_s)
    parts = () if chain.partition is None else ((SIM_EPOCH + chain.partition[0], SIM_EPOCH + chain.partition[1]),)
    faults = Faults(drop=chain.drop, duplicate=chain.duplicate, delay=chain.link, partitions=parts)
    informed: list[float | None] = []
    delivered = acked = alarms = 0
    events_0: list[tuple[str, float]] = []
    for i in range(trials):
        rng = np.random.default_rng([seed, i])
        a = sim_party("notifier", ring, signers["notifier"], policy, rng)
        b = sim_party("recipient", ring, signers["recipient"], policy, rng)
        t_sent = SIM_EPOCH - lead_time_s
        net = SimNet({"notifier": a, "recipient": b}, faults, rng, t_sent)
        n = a.submit(notice_fields("recipient", SIM_EPOCH, chain.regime, chain.missile_class), t_sent)
        net.run(SIM_EPOCH + chain.impact_s)
        row = b.store.db.execute("SELECT received_at FROM inbox WHERE sender='notifier' AND id=?", (n["id"],)).fetchone()
        state = a.outbox_states()[n["id"]]
        acked += state == "acked"
        alarm = [e["t"] - SIM_EPOCH for e in a.store.events("alarm")]
        alarms += bool(alarm)
        events = [("notice_sent", t_sent - SIM_EPOCH)] + [("alarm", t) for t in alarm]
        t_def = None
        if row is not None:
            delivered += 1
            t = row[0] - SIM_EPOCH
            events.append(("notice_delivered", t))
            t += chain.watch.sample(rng)
            events.append(("watch_officer_done", t))
            if rng.random() < chain.relay_probability:
                t += chain.relay.sample(rng)
                events.append(("relayed", t))
                t += chain.dissemination.sample(rng)
                events.append(("defender_informed", t))
                t_def = t
        informed.append(t_def)
        if i == 0:
            events += [("launch", 0.0), ("apogee", chain.apogee_s), ("reentry", chain.reentry_s),
                       ("impact", chain.impact_s)]
            if chain.sensor_cue_s is not None:
                events.append(("sensor_cue", chain.sensor_cue_s))  # the IR launch report (a cue, not a track)
            events_0 = sorted(events, key=lambda x: x[1])
        a.store.close()
        b.store.close()
    return ChainTrials(tuple(informed), delivered, acked, alarms, tuple(events_0))


def simulate_notice_chain(lead_time_s: float, trials: int, seed: int, **chain: Any) -> dict[str, Any]:
    """Monte Carlo of notice → defender (times in s from launch); trial i from the stream (seed, i).

    ``chain``: the keywords of :class:`Chain` (``apogee_s``, ``reentry_s``, ``impact_s``, the delay
    distributions ``link``, ``watch``, ``relay``, ``dissemination``, ``relay_probability``, ``drop``,
    ``retries``; optional ``sensor_cue_s``, ``duplicate``, ``partition`` = (start, end) s from launch while the
    link is down, ``regime``, ``missile_class``). Returns :func:`chain_summary`.
    """
    if trials < 1:
        raise InputError("trials: must be at least 1")
    c = Chain(**chain)
    c.check(lead_time_s)
    return chain_summary(c, lead_time_s, seed, chain_trials(c, lead_time_s, trials, seed))


def chain_summary(c: Chain, lead_time_s: float, seed: int, run: ChainTrials) -> dict[str, Any]:
    """The summary of the chain's trials: delivered/acked shares, alarms, the share of trials in which the
    defender is informed by the notice before launch, apogee and reentry, warning-time percentiles (notice,
    sensors alone, the earlier of both), and trial 0's timeline."""
    import numpy as np

    trials = len(run.informed)
    if trials < 1:
        raise InputError("trials: must be at least 1")
    informed = run.informed
    got = [t for t in informed if t is not None]
    share = {name: sum(t < lim for t in got) / trials
             for name, lim in (("before_launch", 0.0), ("before_apogee", c.apogee_s), ("before_reentry", c.reentry_s))}
    sensor_w = None if c.sensor_cue_s is None else c.impact_s - c.sensor_cue_s
    combined = [c.impact_s - min(t if t is not None else np.inf, np.inf if c.sensor_cue_s is None else c.sensor_cue_s)
                for t in informed]
    return {
        "trials": trials, "seed": seed, "lead_time_s": lead_time_s, "regime": c.regime,
        "missile_class": c.missile_class,
        "delivered_share": run.delivered / trials, "acked_share": run.acked / trials, "alarms": run.alarms,
        "defender_informed_share": len(got) / trials,
        "share_informed_before_launch": share["before_launch"],
        "share_informed_before_apogee": share["before_apogee"],
        "share_informed_before_reentry": share["before_reentry"],
        "warning_time_s": {"notice": _pct([c.impact_s - t for t in got]), "sensors_alone": sensor_w,
                           "earlier_of_both": _pct([w for w in combined if np.isfinite(w)])},
        "latency_chain": {"link": c.link.describe(), "watch_officer": c.watch.describe(), "relay": c.relay.describe(),
                          "relay_probability": {"value": c.relay_probability, "status": "notional"},
                          "dissemination": c.dissemination.describe()},
        "timeline_trial_0": [{"event": e, "t_s": t} for e, t in run.events_0],
    }
