"""The verdict: pure functions of the stage results (no flight, no window, no Monte Carlo is computed here).

:mod:`~duel.verdict.quantities` (the answer's probabilities with their intervals, convergence),
:mod:`~duel.verdict.claims` (each public claim judged), :mod:`~duel.verdict.sensitivity` (which uncertain
inputs drive the answer), :mod:`~duel.verdict.prose` (the headline and the plain-language answer),
:mod:`~duel.verdict.provenance` (every number used, with status and sources) and
:mod:`~duel.verdict.document` (the result document, ``result.json``).
"""
