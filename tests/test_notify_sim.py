"""duel.notify over the simulated transport: loss with retries against the closed form, duplicates,
reordering, skewed clocks, partitions, seeding, and the scenario hook."""

from __future__ import annotations

import numpy as np
import pytest

from duel.errors import InputError
from duel.notify import message as msg
from duel.notify.chain import simulate_notice_chain
from duel.notify.dist import Dist
from duel.notify.party import Policy
from duel.notify.sim import SIM_EPOCH, notice_fields, sim_keys, sim_party, simulate_exchange
from duel.notify.simnet import Faults, SimNet
from duel.scenario.inputs import Inputs
from duel.scenario.registry import Registry
from duel.trials.runner import chain_latencies

T0 = SIM_EPOCH


@pytest.mark.parametrize("p,r", [(0.5, 2), (0.3, 1)])
def test_delivered_share_matches_closed_form_within_mc_error(p, r):
    res = simulate_exchange(800, seed=11, drop=p, retries=r)
    expected = 1 - p ** (r + 1)
    assert res["delivered_expected"] == pytest.approx(expected)
    assert abs(res["delivered_share"] - expected) < 3.5 * res["delivered_stderr"]
    assert abs(res["acked_share"] - res["acked_expected"]) < 3.5 * res["acked_stderr"]
    assert res["alarms"] == res["trials"] - res["acked"]
    assert res["processed_more_than_once"] == 0


def test_retries_reach_the_model():
    lo, hi = (simulate_exchange(300, 2, drop=0.5, retries=r)["delivered_share"] for r in (0, 3))
    assert lo < 0.6 < 0.85 < hi


def test_duplicates_and_reordering_never_process_twice_and_latest_update_wins():
    res = simulate_exchange(300, 4, drop=0.2, duplicate=0.5, reorder=True, retries=3, update=True)
    assert res["duplicates_received"] > 100  # the dedupe store was exercised...
    assert res["held_before_notify"] > 0  # ...and UPDATEs overtook their NOTIFY
    assert res["processed_more_than_once"] == 0 and res["final_state_not_latest"] == 0


def test_trial_streams_do_not_depend_on_trial_count():
    whole = simulate_exchange(60, 9, drop=0.4, duplicate=0.3, retries=1)
    halves = [simulate_exchange(30, 9, drop=0.4, duplicate=0.3, retries=1, first_trial=k) for k in (0, 30)]
    for key in ("delivered", "acked", "alarms", "duplicates_received"):
        assert whole[key] == halves[0][key] + halves[1][key]
    assert simulate_exchange(30, 9, drop=0.4, retries=1) != simulate_exchange(30, 10, drop=0.4, retries=1)


def _net(offsets=None, faults=Faults(), seed=0):
    ring, s = sim_keys(["A", "B"], seed, T0)
    rng = np.random.default_rng(seed)
    a, b = sim_party("A", ring, s["A"], Policy(), rng), sim_party("B", ring, s["B"], Policy(), rng)
    return a, b, SimNet({"A": a, "B": b}, faults, rng, T0, offsets)


@pytest.mark.parametrize("skew,delivered", [(90.0, True), (-90.0, True), (400.0, False)])
def test_skewed_sender_clock_through_the_network(skew, delivered):
    a, b, net = _net(offsets={"A": skew})
    a.submit(notice_fields("B", T0 + 1800), net.clock("A"))
    net.run(T0 + 600)
    assert (len(b.notices()) == 1) is delivered
    assert set(a.outbox_states().values()) == ({"acked"} if delivered else {"alarm"})


def test_partition_then_heal_delivers_after_retry():
    a, b, net = _net(faults=Faults(delay=Dist("fixed", 1.0), partitions=((T0, T0 + 20.0),)))
    a.submit(notice_fields("B", T0 + 1800), T0)
    net.run(T0 + 600)
    (view,) = b.notices()
    assert view["first_at"] > T0 + 20 and set(a.outbox_states().values()) == {"acked"}


def test_injected_replay_of_delivered_message_is_not_processed_again():
    a, b, net = _net()
    n = a.submit(notice_fields("B", T0 + 1800), T0)
    net.run(T0 + 100)
    net.inject("B", msg.wire(n), T0 + 200)
    net.run(T0 + 300)
    assert list(b.processed_counts().values()) == [1] and b.store.count_events("duplicate") == 1


# ---------------------------------------------------------------- the scenario hook
TIMES = {"apogee_s": 200.0, "reentry_s": 600.0, "impact_s": 700.0}
_NOTIONAL = Inputs(Registry.default())
# the notional latency chain and link of the registry (notice.exchange.*): what a scenario's exchange runs with
CHAIN = {**chain_latencies(_NOTIONAL),
         "relay_probability": float(_NOTIONAL["notice.exchange.relay_probability"]),
         "drop": float(_NOTIONAL["notice.exchange.drop"]), "retries": int(_NOTIONAL["notice.exchange.retries"])}


def test_chain_shares_and_warning_time():
    r = simulate_notice_chain(1800.0, 200, 1, sensor_cue_s=60.0, **CHAIN, **TIMES)
    assert r["delivered_share"] == 1.0 and r["alarms"] == 0
    assert 0 < r["share_informed_before_launch"] <= r["share_informed_before_apogee"] <= r[
        "share_informed_before_reentry"] <= 1
    assert r["warning_time_s"]["sensors_alone"] == 640.0
    assert r["warning_time_s"]["earlier_of_both"]["p05"] >= 640.0
    assert all(v["status"] == "notional" for k, v in r["latency_chain"].items())
    names = [e["event"] for e in r["timeline_trial_0"]]
    assert names.index("notice_sent") < names.index("defender_informed") and "launch" in names


def test_chain_inputs_reach_outputs():
    long = simulate_notice_chain(86400.0, 100, 2, **CHAIN, **TIMES)["share_informed_before_launch"]
    short = simulate_notice_chain(300.0, 100, 2, **CHAIN, **TIMES)["share_informed_before_launch"]
    none = simulate_notice_chain(1800.0, 100, 2, **{**CHAIN, "relay_probability": 0.0}, **TIMES)
    assert long == 1.0 and short < 0.2 and none["defender_informed_share"] == 0.0


def test_chain_partition_through_lead_time_raises_alarm_and_no_notice():
    r = simulate_notice_chain(1800.0, 50, 3, partition=(-1e6, 1e6), sensor_cue_s=60.0, **CHAIN, **TIMES)
    assert r["alarms"] == 50 and r["delivered_share"] == 0.0 and r["share_informed_before_reentry"] == 0.0
    names = [e["event"] for e in r["timeline_trial_0"]]
    assert "alarm" in names and "notice_delivered" not in names and "defender_informed" not in names
    assert r["warning_time_s"]["notice"] is None and r["warning_time_s"]["earlier_of_both"]["median"] == 640.0


def test_backlog_after_outage_is_delivered_despite_the_replay_window():
    """100 notices queued during a partition: flow control keeps them inside B's 64-wide window."""
    a, b, net = _net(faults=Faults(delay=Dist("uniform", 0.5, 3.0), partitions=((T0, T0 + 100.0),)))
    for k in range(100):
        a.submit(notice_fields("B", T0 + 1800), T0 + k * 0.5)
    net.run(T0 + 900)
    assert set(a.outbox_states().values()) == {"acked"} and len(b.notices()) == 100
    assert b.store.count_events("rejected_in") == 0


def test_chain_checks_name_the_bad_value():
    """The chain's checks: one line naming the value; no trials, no summary."""
    from duel.notify.chain import Chain, chain_summary, chain_trials

    chain = Chain(sensor_cue_s=60.0, **CHAIN, **TIMES)
    with pytest.raises(InputError, match="relay_probability"):
        Chain(**{**CHAIN, "relay_probability": 1.5}, **TIMES).check(900.0)
    with pytest.raises(InputError, match="lead_time_s"):
        chain.check(-1.0)
    with pytest.raises(InputError, match="trials"):
        chain_summary(chain, 900.0, 4, chain_trials(chain, 900.0, 0, 4))
