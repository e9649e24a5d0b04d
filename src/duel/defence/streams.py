"""Counter-based random streams: the uniforms of trial i depend only on (seed, i).

Trial i reads positions [i k, (i + 1) k) of the Philox-4x64 stream keyed by the seed (4 words per counter
step, so a block of trials opens the stream at counter start k / 4): chunk sizes, the order of chunks, the
number of workers and a restart never change a single draw. :func:`salted_key` derives independent streams
for different purposes (threat normals, defence bands, raid draws, ...) under one user seed. The raid's
realisations (:mod:`duel.defence.raid`), the Monte Carlo over uncertain inputs and the threat dispersion
(:mod:`duel.trials`) all draw from here.
"""

from __future__ import annotations

import numpy as np


def philox_block(seed: int, start: int, stop: int, draws_per_trial: int) -> np.ndarray:
    """Uniforms [0, 1) for trials [start, stop): shape (stop - start, k), k = draws rounded up to 4."""
    k = -(-int(draws_per_trial) // 4) * 4
    gen = np.random.Generator(np.random.Philox(key=int(seed), counter=int(start) * (k // 4)))
    return gen.random((stop - start, k))


def salted_key(seed: int, salt: int) -> int:
    """A 128-bit Philox key derived from (``seed``, ``salt``) by NumPy's SeedSequence."""
    state = np.random.SeedSequence([int(seed), int(salt)]).generate_state(2, dtype=np.uint64)
    return int(state[0]) + (int(state[1]) << 64)
