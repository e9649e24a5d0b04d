"""Solved aims kept on disk: a flight asked for again is flown once instead of searched for again.

An aim (:mod:`duel.flight.aim`) flies a boost grid of 63 kick angles and one to twelve Newton batches to find a
few numbers: the launch azimuth, the kick angle and the thrust cut-off time (with the miss distance and the
iterations it took). The store keeps those numbers for every staged-missile aim solved on NumPy (refusals and
burnout-state aims are not kept) under a key that hashes everything they depend on: every parameter of the
missile, the launch point and the target, the trajectory shape, the Earth model and the atmosphere switch, the
reentry ballistic coefficient, the step policy, and the code that computes them (:data:`CODE`: the source files
of ``duel.flight`` and ``duel.physics`` and ``duel/backend.py`` as they were when this module was imported, and
the versions of Python, NumPy, its BLAS, pyproj and pymap3d, the machine and the CPU features NumPy uses).

A stored answer is trusted only after its flight, flown once more and recorded, comes down exactly where it came
down when it was solved (the miss distance equal bit for bit); otherwise, and when an entry is missing,
unreadable or cannot be flown, the target is aimed afresh. Lanes of a batch are flown independently
(:mod:`duel.flight.stepping`), so a replayed flight is the flight the search ended on; that a fresh search would
end on the same answer rests on the key holding everything the search depends on.

Where: ``PATH/aims`` for the environment variable ``DUEL_CACHE_DIR=PATH``, else ``aims`` in the user's cache folder
(platformdirs: ``~/.cache/duel/aims`` on Linux); ``DUEL_CACHE_DIR=off`` turns the store off. Each entry is a small
JSON file written whole or not at all (:func:`duel.files.write_atomic`), so processes that run at once share the
folder safely; a folder that cannot be written is passed over (the aims are done as without a store). Entries are
never removed by duel (about 200 bytes each, one per distinct aim); the folder can be deleted at any time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import math
import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from duel.backend import Backend
from duel.errors import InputError
from duel.files import write_atomic
from duel.flight.aim import AimResult, Shape, Target, aim_staged_many, is_numpy, miss_of
from duel.flight.dynamics import Physics
from duel.flight.stepping import StepPolicy
from duel.flight.trajectory import fly_staged
from duel.flight.vehicles import StagedMissile

ENV = "DUEL_CACHE_DIR"
FORMAT = 1  # the layout of an entry; a new layout gets new keys
PARAMS = ("kick_deg", "cutoff_s", "cutoff_stage")  # the flight parameters an aim of a staged missile finds


def code_files() -> list[Path]:
    """The files whose bytes :data:`CODE` hashes: every ``.py`` and ``.csv`` file of ``duel/flight`` and
    ``duel/physics``, and ``duel/backend.py``."""
    root = Path(__file__).resolve().parents[1]
    found = [*(root / "flight").glob("*.py"), *(root / "physics").glob("*.py"), *(root / "physics").glob("*.csv")]
    return sorted([*found, root / "backend.py"])


def _code_fingerprint() -> str:
    """SHA-256 over :func:`code_files` and the versions, machine and CPU features that run them."""
    try:
        numpy_core = importlib.import_module("numpy._core._multiarray_umath")
    except ImportError:  # NumPy 1
        numpy_core = importlib.import_module("numpy.core._multiarray_umath")
    features = sorted(k for k, on in getattr(numpy_core, "__cpu_features__", {}).items() if on)
    blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    versions = {name: metadata.version(name) for name in ("numpy", "pyproj", "pymap3d")}
    h = hashlib.sha256(json.dumps([FORMAT, versions, platform.machine(), platform.python_version(), features,
                                   blas.get("name"), blas.get("version")], sort_keys=True).encode())
    for f in code_files():
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


CODE = _code_fingerprint()
"""The code's part of every key, taken when this module is imported (an edit made after that, in a running
process, does not pass for the code that was imported)."""


def aim_key(missile: StagedMissile, target: Target, shape: Shape, physics: Physics, beta_kg_m2: float | None,
            policy: StepPolicy) -> str:
    """The store's key of one aim: SHA-256 of its inputs as canonical JSON and of :data:`CODE`."""
    what = {"missile": missile.model_dump(mode="json"), "target": dataclasses.asdict(target),
            "shape": dataclasses.asdict(shape), "physics": dataclasses.asdict(physics), "beta_kg_m2": beta_kg_m2,
            "policy": dataclasses.asdict(policy), "code": CODE}
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
        """The entry under ``key``, or None when there is none or it cannot be read as one."""
        try:
            raw = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            params = dict(raw["params"])
            numbers = [raw["azimuth_deg"], raw["miss_m"], *params.values()]
            finite = all(type(v) in (int, float) and math.isfinite(v) for v in numbers)  # bools are not numbers
            if not finite or set(params) != set(PARAMS) or type(raw["iterations"]) is not int:
                return None
            return StoredAim(float(raw["azimuth_deg"]), params, float(raw["miss_m"]), raw["iterations"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, key: str, aim: StoredAim) -> None:
        """Write the entry whole or not at all; a folder that cannot be written is passed over."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(self.folder / f"{key}.json", json.dumps(dataclasses.asdict(aim)), what=ENV)
        except (OSError, InputError):
            return


def aim_staged_stored(
    missile: StagedMissile, targets: Sequence[Target], shapes: Sequence[Shape], physics: Physics,
    beta_kg_m2: float | None = None, policy: StepPolicy = StepPolicy(), backend: Backend | None = None,
    store: AimStore | None = None,
) -> list[AimResult | InputError]:
    """:func:`duel.flight.aim.aim_staged_many` with ``store``: the pairs found there are flown once (all in one
    recorded batch) and each kept if it comes down where it came down when it was solved; the others are aimed,
    and their answers stored. Equal results with and without a store. ``backend``: None or NumPy's (any other
    backend's aims are neither looked up nor stored)."""
    if store is None or not is_numpy(backend):
        return aim_staged_many(missile, targets, shapes, physics, beta_kg_m2, policy, backend)
    keys = [aim_key(missile, tg, sh, physics, beta_kg_m2, policy) for tg, sh in zip(targets, shapes)]
    out: list[AimResult | InputError | None] = [None] * len(targets)
    found = {i: s for i, k in enumerate(keys) if (s := store.load(k)) is not None}
    if found:
        idx = list(found)
        got = [found[i] for i in idx]
        try:
            tr = fly_staged(missile, [targets[i].lat0 for i in idx], [targets[i].lon0 for i in idx],
                            [s.azimuth_deg for s in got], [s.params["kick_deg"] for s in got],
                            [s.params["cutoff_s"] for s in got], physics, beta_kg_m2, policy, True, backend)
            miss = miss_of([targets[i] for i in idx], tr)
        except Exception:  # noqa: BLE001  (entries that cannot be flown are no entries: every pair is aimed afresh)
            idx, got, miss = [], [], np.zeros(0)
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
