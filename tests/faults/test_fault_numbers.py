"""Issue 14.6: numbers at the edges. A pinned peer's largest sequence number costs nothing (the anti-replay
window is never a dense array), and the acked share that `notify simulate` reports follows the closed form
with duplicates (an ACK can come back through either copy of a duplicated notice)."""

from __future__ import annotations

import time

import pytest

from duel.notify.party import Party
from duel.notify.sim import expected_shares, notice_fields, sim_keys, simulate_exchange
from duel.notify.store import Store

MAX_SEQ = 2**53 - 1


def test_the_largest_sequence_number_is_accepted_at_once_and_cannot_be_replayed():
    now = time.time()
    ring, signers = sim_keys(["notifier", "recipient"], 5, now)
    sender = Party("notifier", Store(":memory:"), ring, signers["notifier"])
    receiver = Party("recipient", Store(":memory:"), ring, signers["recipient"])
    first = sender.submit(notice_fields("recipient", now + 1800.0), now)
    with sender.store.tx():
        sender.store.set_meta("next_seq", str(MAX_SEQ))  # a peer that jumps to the top of the range
    last = sender.submit(notice_fields("recipient", now + 1800.0), now)
    assert last["seq"] == MAX_SEQ
    raw_first, raw_last = (sender.store.db.execute("SELECT body FROM outbox WHERE id=?", (m["id"],)).fetchone()[0]
                           for m in (first, last))
    t = time.perf_counter()
    assert receiver.receive(raw_last, now).status == "accepted"  # before the fix: MemoryError (a 2^53-bit shift)
    assert time.perf_counter() - t < 1.0
    late = receiver.receive(raw_first, now)  # seq 1 is far below the window now
    assert late.status == "rejected" and "below the anti-replay window" in late.error
    assert receiver.receive(raw_last, now).status == "duplicate"  # the same message: its stored reply again
    row = receiver.store.db.execute("SELECT top, bits FROM seqwin WHERE sender='notifier'").fetchone()
    assert row == (MAX_SEQ, "1")
    with sender.store.tx():
        sender.store.set_meta("next_seq", str(MAX_SEQ + 1))
    with pytest.raises(Exception, match="seq"):  # the schema bounds it: nothing beyond 2^53 - 1 is signed or read
        sender.submit(notice_fields("recipient", now + 1800.0), now)


@pytest.mark.parametrize("drop,duplicate,retries", [(0.2, 0.3, 0), (0.2, 0.8, 1), (0.45, 0.5, 0), (0.45, 0.9, 2),
                                                    (0.3, 0.0, 1), (0.6, 0.6, 1)])
def test_acked_share_follows_the_closed_form_with_duplicates_within_4_sigma(drop, duplicate, retries):
    res = simulate_exchange(300, seed=21, drop=drop, duplicate=duplicate, retries=retries)
    delivered, acked = expected_shares(drop, duplicate, retries)
    assert res["acked_expected"] == pytest.approx(acked) and res["delivered_expected"] == pytest.approx(delivered)
    assert abs(res["acked_share"] - acked) < 4 * res["acked_stderr"], res
    assert abs(res["delivered_share"] - delivered) < 4 * res["delivered_stderr"], res


def test_the_closed_form_reduces_to_the_duplicate_free_one_and_grows_with_duplicates():
    p, r = 0.35, 2
    assert expected_shares(p, 0.0, r)[1] == pytest.approx(1 - (1 - (1 - p) ** 2) ** (r + 1))
    assert expected_shares(p, 0.5, r)[1] > expected_shares(p, 0.0, r)[1]
    assert expected_shares(0.0, 0.7, r) == (1.0, 1.0) and expected_shares(1.0, 0.7, r) == (0.0, 0.0)
