"""Monte Carlo convergence (issue 5, Must show): the estimate's reported 95 % interval covers the closed form
at a rate of at least 93 % over seeded repetitions of a small raid; the convergence series behaves."""

from __future__ import annotations

import numpy as np

from duel.defence.raid import Layer, closed_form_raid
from duel.trials.montecarlo import RaidTrials, convergence, run_monte_carlo

CASE = dict(warheads=4, decoys=2, layers=(Layer(sspk=0.6, shots=2), Layer(sspk=0.5, shots=1, opportunities=2,
                                                                          doctrine="sls", p_kill_assessment=0.9)),
            p_track=0.95, p_decoy_engaged=0.5)
TRIALS = 2_000


def test_interval_covers_the_closed_form_at_the_93_percent_rate():
    """Issue 5 asks: the closed form lies in the reported 95 % interval in >= 93 of 100 seeded repetitions.

    Checked literally on seeds 0-99, and, because for a correct 95 % interval that literal criterion fails by
    chance about one time in ten per set of 100 seeds (it depends on which seeds), also as a rate over 1000
    seeded repetitions (seeds 0-999): >= 930 covered, which a true 95 % interval misses with probability
    ~0.2 %; and <= 970, so that an interval far too wide fails too. Measured: seeds 0-99 cover 99 and 99;
    seeds 0-999 cover 949 (Wilson interval of P(no leaker)) and 947 (normal interval of the mean leakers).
    """
    exact = closed_form_raid(**CASE)
    fn = RaidTrials(**CASE)
    hits = np.zeros((1000, 2), dtype=bool)
    for seed in range(len(hits)):
        s = run_monte_carlo(fn, TRIALS, seed, chunk_trials=TRIALS).summary
        hits[seed] = s["no_leaker"].covers(exact.p_zero_leakers), s["leakers"].covers(exact.expected_leakers)
    assert (hits[:100].sum(axis=0) >= 93).all(), hits[:100].sum(axis=0)
    assert ((930 <= hits.sum(axis=0)) & (hits.sum(axis=0) <= 970)).all(), hits.sum(axis=0)


def test_convergence_series():
    exact = closed_form_raid(**CASE)
    res = run_monte_carlo(RaidTrials(**CASE), 20_000, seed=5, chunk_trials=5_000)
    ser = res.convergence("no_leaker", points=30)
    assert ser["trials"][0] == 10 and ser["trials"][-1] == 20_000 and np.all(np.diff(ser["trials"]) > 0)
    assert ser["estimate"][-1] == res.summary["no_leaker"].mean
    width = ser["ci_high"] - ser["ci_low"]
    assert width[-1] < width[0] / 20  # about 1/sqrt(n)
    assert ser["ci_low"][-1] <= exact.p_zero_leakers <= ser["ci_high"][-1]
    mean = convergence(res.columns["leakers"].astype(float), points=10)
    assert abs(mean["estimate"][-1] - exact.expected_leakers) < 4 * res.summary["leakers"].se
