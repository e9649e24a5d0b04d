"""Monte Carlo of the exchange over the simulated transport: one notifier, one recipient, one notice per
trial, trial i's faults and ids drawn from the stream (seed, i) so results never depend on the trial count.

Closed forms (independent drop probability p on every transmission, duplicate probability q for a copy that
gets through, R retries, acks in time). Delivered = 1 - p^(R+1). One attempt is acknowledged when its notice
gets through (1 - p) and at least one ACK comes back: the receiver answers every copy it receives (the second
copy of a duplicated notice with the stored ACK), so with one copy (1 - q) an ACK returns with 1 - p and with
two (q) with 1 - p^2, giving s = (1-p) [(1-q)(1-p) + q(1-p^2)] = (1-p)^2 (1 + q p) per attempt and
acked = 1 - (1 - s)^(R+1); alarms = trials x (1 - acked). With q = 0 it is the duplicate-free
1 - (1 - (1-p)^2)^(R+1).
"""

from __future__ import annotations

import hashlib
import math
import uuid
from typing import Any

from duel.notify.canonical import fmt_time, parse_time
from duel.notify.dist import Dist
from duel.notify.keys import Keyring, Signer
from duel.notify.party import Party, Policy
from duel.notify.simnet import Faults, SimNet
from duel.notify.store import Store

SIM_EPOCH = parse_time("2024-11-21T00:00:00Z")
NOTIONAL_LAUNCH_AREA = {"desc": "notional launch area (exercise)",
                        "circle": {"lat_deg": 48.6, "lon_deg": 45.7, "radius_m": 50_000.0}}


def sim_keys(names: list[str], seed: int, t0: float) -> tuple[Keyring, dict[str, Signer]]:
    """Deterministic keys for a simulation (from ``seed``), pinned from ``t0`` (POSIX s)."""
    ring, signers = Keyring(), {}
    for n in names:
        s = Signer.generate(n, hashlib.sha256(f"duel-notify-sim:{seed}:{n}".encode()).digest())
        ring.add(n, s.public_raw, t0 - 86_400.0)
        signers[n] = s
    return ring, signers


def sim_party(name: str, ring: Keyring, signer: Signer, policy: Policy, rng: Any) -> Party:
    """A party on an in-memory store whose message ids come from ``rng``."""
    return Party(name, Store(":memory:"), ring, signer, policy,
                 new_id=lambda: str(uuid.UUID(bytes=rng.bytes(16), version=4)))


def notice_fields(recipient: str, launch_t: float, regime: str = "goodwill", missile_class: str = "IRBM",
                  window_s: float = 3600.0) -> dict[str, Any]:
    """A NOTIFY for a launch window [launch_t, launch_t + window_s] (POSIX s), notional areas."""
    return {"type": "NOTIFY", "recipients": [recipient], "regime": regime, "missile_class": missile_class,
            "num_missiles": 1, "launch_area": NOTIONAL_LAUNCH_AREA,
            "window": {"start": fmt_time(launch_t), "end": fmt_time(launch_t + window_s)},
            "note": "SIMULATED - duel exercise"}


def expected_shares(drop: float, duplicate: float, retries: int) -> tuple[float, float]:
    """(delivered, acked): the closed-form shares of notices delivered and acknowledged (module docstring)."""
    p, q, r = drop, duplicate, retries
    per_attempt = (1.0 - p) ** 2 * (1.0 + q * p)  # notice through, and at least one of its ACKs back
    return 1.0 - p ** (r + 1), 1.0 - (1.0 - per_attempt) ** (r + 1)


def simulate_exchange(trials: int, seed: int, drop: float = 0.0, duplicate: float = 0.0, reorder: bool = False,
                      retries: int = 5, update: bool = False, delay: Dist = Dist("lognormal", 2.0, 0.5),
                      first_trial: int = 0) -> dict[str, Any]:
    """Send one NOTIFY per trial (and with ``update`` an UPDATE 1 s later) through a faulty link; trials
    are numbered from ``first_trial`` (so runs can be split into chunks with identical results).

    Returns shares, counts, the closed forms and their Monte Carlo standard errors. ``reorder`` adds a
    uniform extra delay of up to 3 s per copy (s), so copies and later messages overtake earlier ones.
    """
    import numpy as np

    policy = Policy(retries=retries)
    ring, signers = sim_keys(["notifier", "recipient"], seed, SIM_EPOCH)
    faults = Faults(drop=drop, duplicate=duplicate, delay=delay, reorder_s=3.0 if reorder else 0.0)
    delivered = acked = alarms = twice = dups = held = wrong_state = attempts = 0
    for i in range(first_trial, first_trial + trials):
        rng = np.random.default_rng([seed, i])
        a = sim_party("notifier", ring, signers["notifier"], policy, rng)
        b = sim_party("recipient", ring, signers["recipient"], policy, rng)
        net = SimNet({"notifier": a, "recipient": b}, faults, rng, SIM_EPOCH)
        n = a.submit(notice_fields("recipient", SIM_EPOCH + 1800.0), SIM_EPOCH)
        if update:
            net.run(SIM_EPOCH + 1.0)
            upd = dict(notice_fields("recipient", SIM_EPOCH + 3600.0), type="UPDATE", references=[
                {"sender": n["sender"], "id": n["id"], "sent": n["sent"]}])
            u = a.submit(upd, SIM_EPOCH + 1.0)
        net.run(SIM_EPOCH + policy.last_ack_s() + 120.0)
        counts = b.processed_counts()
        delivered += ("notifier", n["id"]) in counts
        twice += sum(c > 1 for c in counts.values())
        dups += b.store.count_events("duplicate")
        held += b.store.count_events("held")
        state = a.outbox_states()[n["id"]]
        acked += state == "acked"
        alarms += sum(s == "alarm" for s in a.outbox_states().values())
        attempts += a.store.db.execute("SELECT attempts FROM outbox WHERE id=?", (n["id"],)).fetchone()[0]
        if update and ("notifier", u["id"]) in counts and ("notifier", n["id"]) in counts:
            wrong_state += b.notices()[0]["seq"] != u["seq"]
        a.store.close()
        b.store.close()
    d_exp, a_exp = expected_shares(drop, duplicate, retries)
    return {
        "trials": trials, "seed": seed, "drop": drop, "duplicate": duplicate, "reorder": reorder, "retries": retries,
        "delivered_share": delivered / trials, "delivered_expected": d_exp,
        "delivered_stderr": math.sqrt(d_exp * (1 - d_exp) / trials),
        "acked_share": acked / trials, "acked_expected": a_exp, "acked_stderr": math.sqrt(a_exp * (1 - a_exp) / trials),
        "delivered": delivered, "acked": acked, "alarms": alarms, "processed_more_than_once": twice, "duplicates_received": dups,
        "held_before_notify": held, "final_state_not_latest": wrong_state, "mean_attempts": attempts / trials,
        "link_delay": delay.describe(),
    }
