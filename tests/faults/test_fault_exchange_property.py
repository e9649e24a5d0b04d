"""Issue 14, must show: the exchange under random interleavings of drop, duplicate, reorder, truncate, kill and
restart (hypothesis). Invariants: every notice ends acknowledged or alarmed (never silently queued), none is
processed twice, an acknowledged notice was processed, and both parties' stores pass the whole audit (chain,
Merkle tree, derived tables, the heads each signed for the other)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duel.notify.audit import audit
from duel.notify.dist import Dist
from duel.notify.party import Party, Policy
from duel.notify.sim import SIM_EPOCH, notice_fields, sim_keys
from duel.notify.simnet import Faults, SimNet
from duel.notify.store import Store

POLICY = Policy(retries=4, first_timeout_s=5.0, max_timeout_s=20.0)


class TruncatingNet(SimNet):
    """A link that, besides the faults, also delivers a truncated copy of a transmission with ``p_truncate``."""

    def __init__(self, *args, p_truncate: float = 0.0, **kw):
        super().__init__(*args, **kw)
        self.p_truncate = p_truncate

    def transmit(self, dst: str, raw: bytes) -> None:
        if self.rng.random() < self.p_truncate:
            self.inject(dst, raw[: int(self.rng.integers(0, len(raw)))], self.now + 0.5)
        super().transmit(dst, raw)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), drop=st.floats(0.0, 0.5), duplicate=st.floats(0.0, 0.5),
       reorder=st.booleans(), truncate=st.floats(0.0, 0.3), notices=st.integers(1, 4),
       restarts=st.lists(st.tuples(st.sampled_from(["A", "B"]), st.floats(0.0, 120.0)), max_size=4))
def test_random_faults_keep_every_invariant(seed, drop, duplicate, reorder, truncate, notices, restarts):
    ring, signers = sim_keys(["A", "B"], seed, SIM_EPOCH)
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as d:
        def party(name: str) -> Party:  # a process (re)started on its files
            return Party(name, Store(Path(d) / f"{name}.db", fsync=False), ring, signers[name], POLICY,
                         new_id=lambda: str(__import__("uuid").UUID(bytes=rng.bytes(16), version=4)))

        parties = {"A": party("A"), "B": party("B")}
        net = TruncatingNet(parties, Faults(drop=drop, duplicate=duplicate, delay=Dist("lognormal", 1.0, 0.5),
                                            reorder_s=3.0 if reorder else 0.0), rng, SIM_EPOCH, p_truncate=truncate)
        sent = [parties["A"].submit(notice_fields("B", SIM_EPOCH + 1800.0 + k), SIM_EPOCH + k)
                for k in range(notices)]
        for name, at in sorted(restarts, key=lambda r: r[1]):  # kill and restart: only committed state survives
            net.run(SIM_EPOCH + at)
            net.parties[name].store.close()
            net.parties[name] = party(name)
        net.run(SIM_EPOCH + POLICY.last_ack_s() + 200.0)
        a, b = net.parties["A"], net.parties["B"]
        states = a.outbox_states()
        counts = b.processed_counts()
        for m in sent:
            assert states[m["id"]] in ("acked", "alarm"), states  # acknowledged or alarmed, never silent
            if states[m["id"]] == "acked":
                assert counts.get(("A", m["id"])) == 1
        assert all(n == 1 for n in counts.values()), counts  # nothing processed twice
        for p in (a, b):
            res = audit(p)
            assert res["ok"], res
            for h in res["countersigned"]:
                assert h["problem"] is None and h["size"] <= res["entries"]
        a.store.close()
        b.store.close()
