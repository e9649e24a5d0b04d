"""Solved aims kept on disk: a flight asked for again is flown once instead of searched for again.

An aim (:mod:`duel.flight.aim`) flies a boost grid of 63 kick angles and two to twelve Newton batches to find a
few numbers: the launch azimuth, the kick angle and the thrust cut-off time (with the miss distance and the
iterations it took). The store keeps those numbers under a key that hashes everything they depend on: every
parameter of the missile, the launch point and the target, the trajectory shape, the Earth model and the
atmosphere switch, the reentry ballistic coefficient, the step policy, and the code that computes them (the
source files of ``duel.flight`` and ``duel.physics``, ``duel.backend``, NumPy's version, the machine).

A stored answer is trusted only after its flight, flown once more and recorded, comes down exactly where it came
down when it was solved (the miss distance equal bit for bit); otherwise, and when an entry is missing or
unreadable, the target is aimed afresh. Lanes of a batch are flown independently (:mod:`duel.flight.stepping`),
so a replayed flight is the flight the search ended on, and no result depends on whether the store was used.
Only the NumPy backend's aims are stored (a compiled backend's flights are not checked to replay bit for bit).

Where: the folder in the environment variable ``DUEL_CACHE_DIR``, else ``aims`` in the user's cache folder
(platformdirs: ``~/.cache/duel/aims`` on Linux); ``DUEL_CACHE_DIR=off`` turns the store off. Each entry is a
small JSON file written atomically (a temporary file renamed), so processes that run at once share the folder
safely; a folder that cannot be written is passed over (the aims are done as without a store).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from duel.errors import InputError
from duel.flight.aim import AimResult, Shape, Target, aim_staged_many, miss_of
from duel.flight.dynamics import Physics
from duel.flight.stepping import StepPolicy
from duel.flight.trajectory import fly_staged
from duel.flight.vehicles import StagedMissile

ENV = "DUEL_CACHE_DIR"
FORMAT = 1  # the layout of an entry; a new layout gets new keys


@cache
def code_fingerprint() -> str:
    """SHA-256 over the files that compute an aim (``duel/flight``, ``duel/physics``, ``duel/backend.py``) and
    the versions and machine that run them."""
    root = Path(__file__).resolve().parents[1]
    files = sorted([*(root / "flight").glob("*.py"), *(root / "physics").glob("*.*"), root / "backend.py"])
    h = hashlib.sha256(f"{FORMAT} {np.__version__} {platform.machine()} {platform.python_version()}".encode())
    for f in files:
        if f.suffix in (".py", ".csv"):
            h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def aim_key(missile: StagedMissile, target: Target, shape: Shape, physics: Physics, beta_kg_m2: float | None,
            policy: StepPolicy) -> str:
    """The store's key of one aim: SHA-256 of its inputs as canonical JSON and of :func:`code_fingerprint`."""
    what = {"missile": missile.model_dump(mode="json"), "target": dataclasses.asdict(target),
            "shape": [shape.kind, shape.value], "earth": dataclasses.asdict(physics.earth),
            "atmosphere": physics.atmosphere, "beta_kg_m2": beta_kg_m2, "policy": dataclasses.asdict(policy),
            "code": code_fingerprint()}
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class StoredAim:
    """What an aim found: azimuth (deg), the flight parameters (``kick_deg`` deg, ``cutoff_s`` s,
    ``cutoff_stage``), the miss distance (m) and the corrector's iterations."""

    azimuth_deg: float
    params: dict[str, float | int]
    miss_m: float
    iterations: int


class AimStore:
    """The folder of stored aims (see the module docstring); :meth:`from_environment` finds it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def from_environment(cls) -> AimStore | None:
        """The store that ``DUEL_CACHE_DIR`` names (``off``: none), else the user's cache folder's ``aims``."""
        named = os.environ.get(ENV)
        if named is not None and named.strip().lower() in ("off", "0", "false", "no"):
            return None
        if named:
            return cls(Path(named).expanduser() / "aims")
        import platformdirs

        return cls(Path(platformdirs.user_cache_dir("duel")) / "aims")

    def load(self, key: str) -> StoredAim | None:
        """The entry under ``key``, or None when there is none or it cannot be read."""
        try:
            raw = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            params = dict(raw["params"])
            if not all(isinstance(k, str) and isinstance(v, (int, float)) for k, v in params.items()):
                return None
            return StoredAim(float(raw["azimuth_deg"]), params, float(raw["miss_m"]), int(raw["iterations"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def save(self, key: str, aim: StoredAim) -> None:
        """Write the entry atomically; a folder that cannot be written is passed over."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{key[:16]}.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(dataclasses.asdict(aim), f)
            os.replace(tmp, self.folder / f"{key}.json")
        except OSError:
            return


def aim_staged_stored(
    missile: StagedMissile, targets: Sequence[Target], shapes: Sequence[Shape], physics: Physics,
    beta_kg_m2: float | None = None, policy: StepPolicy = StepPolicy(), backend: object = None,
    store: AimStore | None = None,
) -> list[AimResult | InputError]:
    """:func:`duel.flight.aim.aim_staged_many` with ``store``: the pairs found there are flown once (all in one
    recorded batch) and kept where they land where they landed; the others are aimed, and their answers stored.
    Equal results with and without a store."""
    numpy = backend is None or getattr(backend, "name", "numpy") == "numpy"
    if store is None or not numpy:
        return aim_staged_many(missile, targets, shapes, physics, beta_kg_m2, policy, backend)
    keys = [aim_key(missile, tg, sh, physics, beta_kg_m2, policy) for tg, sh in zip(targets, shapes)]
    out: list[AimResult | InputError | None] = [None] * len(targets)
    found = {i: s for i, k in enumerate(keys) if (s := store.load(k)) is not None}
    if found:
        idx = list(found)
        got = [found[i] for i in idx]
        tr = fly_staged(missile, [targets[i].lat0 for i in idx], [targets[i].lon0 for i in idx],
                        [s.azimuth_deg for s in got], [s.params["kick_deg"] for s in got],
                        [s.params["cutoff_s"] for s in got], physics, beta_kg_m2, policy, True, backend)
        miss = miss_of([targets[i] for i in idx], tr)
        for b, (i, s) in enumerate(zip(idx, got)):
            if miss[b] == s.miss_m:  # lands where the search left it: the same flight
                out[i] = AimResult(tr.take(b), shapes[i], s.azimuth_deg, s.miss_m, dict(s.params), s.iterations)
    todo = [i for i in range(len(targets)) if out[i] is None]
    if todo:
        aimed = aim_staged_many(missile, [targets[i] for i in todo], [shapes[i] for i in todo], physics, beta_kg_m2,
                                policy, backend)
        for i, res in zip(todo, aimed):
            out[i] = res
            if isinstance(res, AimResult):
                store.save(keys[i], StoredAim(res.azimuth_deg, dict(res.params), res.miss_m, res.iterations))
    return out  # type: ignore[return-value]
