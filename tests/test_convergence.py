"""Monte Carlo convergence (issue 5, Must show): the estimate's reported 95 % interval covers the closed form
at a rate of at least 93 % over seeded repetitions of a small raid; the convergence series behaves."""

from __future__ import annotations

import numpy as np

from duel.defence.raid import Layer, closed_form_raid
from duel.montecarlo import RaidTrials, convergence, run_monte_carlo

CASE = dict(warheads=4, decoys=2, layers=(Layer(sspk=0.6, shots=2), Layer(sspk=0.5, shots=1, opportunities=2,
                                                                          doctrine="sls", p_kill_assessment=0.9)),
            p_track=0.95, p_decoy_engaged=0.5)
TRIALS = 2_000


def test_interval_covers_the_closed_form_at_the_93_percent_rate():
    """Issue 5 asks: the closed form lies in the reported 95 % interval in >= 93 of 100 seeded repetitions.

    For a correct 95 % interval that literal criterion fails by chance about one time in ten per set of 100
    seeds (measured on this case: seeds 0-99 give 92/100 for P(no leaker); of ten disjoint blocks of 100
    seeds, 4 have a block below 93 for one of the two estimates, the worst 91). So the test checks the same
    rate over 1000 seeded repetitions (seeds 0-999): >= 930 covered, which a true 95 % interval misses with
    probability ~0.2 %; and <= 970, so that an interval far too wide fails too. Measured: 953 (Wilson
    interval of P(no leaker)) and 945 (normal interval of the mean leakers); 3000 repetitions give 95.6 %
    and 95.1 %.
    """
    exact = closed_form_raid(**CASE)
    fn = RaidTrials(**CASE)
    hits_p0 = hits_mean = 0
    reps = 1000
    for seed in range(reps):
        s = run_monte_carlo(fn, TRIALS, seed, chunk_trials=TRIALS).summary
        hits_p0 += s["no_leaker"].covers(exact.p_zero_leakers)
        hits_mean += s["leakers"].covers(exact.expected_leakers)
    assert 930 <= hits_p0 <= 970, hits_p0
    assert 930 <= hits_mean <= 970, hits_mean


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
