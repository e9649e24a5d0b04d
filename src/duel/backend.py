"""Array backends: NumPy on the CPU by default; JAX on an NVIDIA GPU as the optional extra ``duel[gpu]``.

``get_backend(name)`` returns a :class:`Backend`: the array namespace ``xp``, the float dtype, a description
of the device, the trajectories per program run, and two helpers: :meth:`Backend.put` (host -> device) and
:meth:`Backend.compiled` (``jax.jit`` once per key on JAX backends, the function itself on NumPy). The
integrators (:mod:`duel.flight.integrate`) and the batch engine run their array code on ``xp``. Names:

* ``numpy`` (default): NumPy arrays; the flight loop's compacting driver.
* ``gpu``: ``jax.numpy`` (float64) on the first JAX GPU device; every loop one compiled program. Fails with
  an :class:`~duel.errors.InputError` naming ``--backend gpu`` when JAX is not installed or sees no GPU.

Hidden names for tests and benchmarks (not offered on the command line):

* ``jax-cpu``: exactly the ``gpu`` programs, compiled for the CPU (what CI and machines without a GPU can
  run of the GPU path);
* ``numpy-xp``: the fixed-shape loop body of the GPU path run by NumPy in a Python loop (no JAX needed).

Why JAX (measured on an NVIDIA H100 for the simplified model of ``benchmarks/limit.py``, float64, ~400 s
flights): a hand-written one-thread-per-trajectory CUDA kernel 2.0e7 trajectories/s; JAX ``jit`` over a
``lax.fori_loop`` of RK4 steps on whole-batch arrays 1.4e7/s at N = 4e6 (70 % of the kernel; 1.5-4 s
compile); eager PyTorch 2.8e5/s. The whole loop must be compiled and fused, and JAX runs the same array
code as NumPy. See ``docs/performance.md``.

Processes: :func:`fork_map` shares independent pieces of one run (the parts of a batch of draws, the report's
figures) out over the cores in forked processes (POSIX ``fork``: a child inherits the parent's memory, so the
work needs no pickling; only each result travels back), the parent computing the first piece; the results come
back in order, equal to a sequential run's. :class:`ForkedJobs` starts different jobs in forked processes at once
while the caller does its own work, and hands each result over when asked for (``duel run`` aims the threat
beside its imports, and runs the tornado, the impact dispersion and the notice exchange beside the draws).
:func:`can_fork` says where everything runs in this process instead.

Importing this module imports neither JAX nor NumPy (``duel --help`` stays fast); it imports nothing else
from duel but :mod:`duel.errors`.
"""

from __future__ import annotations

import operator
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from duel.errors import InputError

if TYPE_CHECKING:
    import numpy as np

PUBLIC_BACKENDS = ("numpy", "gpu")
HIDDEN_BACKENDS = ("jax-cpu", "numpy-xp")
GPU_INSTALL_HINT = "install the GPU extra: pip install '.[gpu]' from the project folder (JAX with CUDA 12, NVIDIA driver >= 525)"

# trajectories per compiled-program run (the last chunk is padded to this size: one compile per shape)
DEFAULT_CHUNK = {"numpy": 20_000, "gpu": 1 << 20, "jax-cpu": 2_048, "numpy-xp": 20_000}
# memory blocks of the batch engine, relative to the CPU's (a few hundred MB): a GPU has tens of GB (a guess
# until measured, docs/performance.md)
BLOCK_SCALE = {"gpu": 40.0}
_COMPILED: dict[Any, Any] = {}


@dataclass(frozen=True)
class Backend:
    """An array backend: namespace, dtype, device and the batch integration entry point.

    Attributes:
        name: ``numpy``, ``gpu``, ``jax-cpu`` or ``numpy-xp``.
        xp: the array namespace (``numpy`` or ``jax.numpy``).
        dtype: the float dtype of the namespace (float64 everywhere).
        device: the device in words, e.g. ``"cpu (numpy 2.4.6)"`` or ``"cuda:0 NVIDIA H100 80GB HBM3"``.
        chunk: trajectories per program run (:data:`DEFAULT_CHUNK`).
    """

    name: str
    xp: Any = field(repr=False)
    dtype: Any
    device: str
    chunk: int
    jax_device: Any = field(default=None, repr=False, compare=False)

    @property
    def block_scale(self) -> float:
        """How many times larger than on the CPU the engine's memory blocks are here (:data:`BLOCK_SCALE`)."""
        return BLOCK_SCALE.get(self.name, 1.0)

    def compiled(self, key: Any, fn: Any) -> Any:
        """``fn`` as this backend runs it: itself on NumPy; ``jax.jit(fn)`` on JAX backends, compiled once per
        ``key`` (which must identify everything ``fn`` closes over) and kept for the process."""
        if not self.uses_jax:
            return fn
        full = (key, self.name)
        if full not in _COMPILED:
            import jax

            _COMPILED[full] = jax.jit(fn)
        return _COMPILED[full]

    @property
    def uses_jax(self) -> bool:
        """True for the backends that run the compiled JAX program."""
        return self.jax_device is not None

    def put(self, a: Any) -> Any:
        """A host array on this backend's device (as is on NumPy)."""
        if not self.uses_jax:
            return a
        import jax
        import numpy as np

        return jax.device_put(np.asarray(a), self.jax_device)

    def asnumpy(self, a: Any) -> np.ndarray:
        """A NumPy copy of an array of this backend."""
        import numpy as np

        return np.asarray(a)


def enable_x64() -> None:
    """Switch JAX to float64 (a global JAX setting; must happen before JAX arrays are created)."""
    import jax

    jax.config.update("jax_enable_x64", True)


def jax_available() -> bool:
    """True if JAX can be imported (without importing it)."""
    import importlib.util

    return importlib.util.find_spec("jax") is not None


def _import_jax(option: str) -> Any:
    if not jax_available():
        raise InputError(f"{option}: JAX is not installed; {GPU_INSTALL_HINT}")
    try:
        import jax
    except Exception as exc:  # a broken install (e.g. a jaxlib/CUDA mismatch) must still read as one line
        raise InputError(f"{option}: JAX failed to import ({type(exc).__name__}: {exc}); {GPU_INSTALL_HINT}") from exc
    enable_x64()
    return jax


def get_backend(name: str = "numpy") -> Backend:
    """The backend called ``name``: ``numpy`` or ``gpu`` (and the hidden ``jax-cpu``, ``numpy-xp``).

    Raises:
        InputError: unknown name; ``gpu`` without JAX or without a GPU device JAX can use.
    """
    key = str(name).strip().lower()
    if key in ("numpy", "numpy-xp"):
        import numpy as np

        return Backend(key, np, np.float64, f"cpu (numpy {np.__version__})", DEFAULT_CHUNK[key])
    if key == "gpu":
        jax = _import_jax("--backend gpu")
        try:
            devices = jax.devices("gpu")
        except RuntimeError:
            devices = []
        if not devices:
            found = ", ".join(sorted({d.platform for d in jax.devices()})) or "none"
            raise InputError(
                f"--backend gpu: JAX {jax.__version__} found no GPU device (platforms present: {found}); "
                f"{GPU_INSTALL_HINT}, or use --backend numpy"
            )
        return _jax_backend(key, jax, devices[0])
    if key == "jax-cpu":
        jax = _import_jax("--backend jax-cpu")
        return _jax_backend(key, jax, jax.devices("cpu")[0])
    raise InputError(f"--backend: unknown backend '{name}' (use {' or '.join(PUBLIC_BACKENDS)})")


def _jax_backend(key: str, jax: Any, dev: Any) -> Backend:
    import jax.numpy as jnp

    kind = getattr(dev, "device_kind", "") or dev.platform
    desc = f"{dev.platform}:{dev.id} {kind} (jax {jax.__version__})"
    return Backend(key, jnp, jnp.float64, desc, DEFAULT_CHUNK[key], jax_device=dev)


# ------------------------------------------------------------------------------------------------ processes
T = TypeVar("T")
R = TypeVar("R")

_TASKS: dict[int, tuple[Callable[[Any], Any], list[Any]]] = {}  # what forked children run, and on what, by
# pool (set only while a pool forks its children: they inherit it, so neither the function nor the items are
# pickled; a child that forks again keeps its parent's entries)


def _run(token: int, i: int) -> Any:
    fn, items = _TASKS[token]
    return fn(items[i])


def can_fork() -> bool:
    """Whether this process may fork workers: not where forking is unsafe or impossible (a process that has
    loaded JAX, whose threads do not survive a fork; a daemonic process such as a Dask worker, which may not
    have children; a platform without ``fork``)."""
    import multiprocessing

    return (hasattr(os, "fork") and "jax" not in sys.modules
            and not multiprocessing.current_process().daemon)


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _forked_pool(fn: Callable[[T], R], items: list[T], first: int, processes: int) -> tuple[Any, list[Any]]:
    """A fork pool of ``processes`` children started on ``items[first:]`` (futures in order); the children
    are forked before this returns, so the task table entry is dropped again at once. Each child ends when
    this process ends, however it ends (:func:`_end_with_parent`)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    token = id(items)
    _TASKS[token] = (fn, items)
    try:
        pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_end_with_parent)
        futures = [pool.submit(_run, token, i) for i in range(first, len(items))]  # the first submit forks
    finally:
        del _TASKS[token]
    return pool, futures


def _end_with_parent() -> None:
    """In a forked child: exit as soon as the parent is gone (killed, say), instead of living on as an orphan
    that finishes its queued jobs for nobody."""
    import multiprocessing
    import threading
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is not None and parent.sentinel is not None:
        sentinel = parent.sentinel
        threading.Thread(target=lambda: (wait([sentinel]), os._exit(1)), daemon=True).start()


def _end_pool(pool: Any, failed: bool) -> None:
    """Shut a fork pool down: wait for its jobs, or (``failed``: the caller is leaving on an exception, e.g.
    Ctrl-C) end its processes at once rather than let them finish the jobs already handed to them."""
    if failed:  # the executor's own process table (Python 3.14 has ``terminate_workers`` for this)
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.terminate()
    pool.shutdown(wait=True, cancel_futures=failed)


def fork_map(fn: Callable[[T], R], items: Iterable[T], workers: int) -> list[R]:
    """``[fn(x) for x in items]``, the first item computed here and the others in at most ``workers - 1``
    forked processes; sequential with fewer than 2 workers or items, or where :func:`can_fork` says no."""
    todo = list(items)
    if workers < 2 or len(todo) < 2 or not can_fork():
        return [fn(x) for x in todo]
    pool, rest = _forked_pool(fn, todo, 1, min(workers - 1, len(todo) - 1))
    try:
        first = fn(todo[0])
        out = [first, *(f.result() for f in rest)]
    except BaseException:
        _end_pool(pool, True)
        raise
    _end_pool(pool, False)
    return out


class ForkedJobs(Generic[R]):
    """Jobs (functions of no argument) started at once in ``processes`` forked processes, in order, while the
    caller goes on with its own work; :meth:`result` waits for job i's result. With no process (``processes``
    < 1, or where :func:`can_fork` says no) job i runs here when its result is first asked for. A context
    manager: leaving it waits for the jobs not yet asked for and ends the processes; leaving it on an
    exception (an error, Ctrl-C) ends them at once."""

    def __init__(self, jobs: Sequence[Callable[[], R]], processes: int) -> None:
        self._jobs = list(jobs)
        self._done: dict[int, R] = {}
        self._pool: Any = None
        self._futures: list[Any] = []
        if processes >= 1 and self._jobs and can_fork():
            self._pool, self._futures = _forked_pool(operator.call, self._jobs, 0, min(processes, len(self._jobs)))

    @property
    def forked(self) -> bool:
        """Whether the jobs run in forked processes (else each runs here when asked for)."""
        return self._pool is not None

    def done(self, i: int) -> bool:
        """Whether job i has finished (well or not) in its process; False for a job that runs here."""
        return self._pool is not None and self._futures[i].done()

    def result(self, i: int) -> R:
        """Job i's result (computed once); its error, if it failed."""
        if i not in self._done:
            self._done[i] = self._futures[i].result() if self._pool is not None else self._jobs[i]()
        return self._done[i]

    def __enter__(self) -> ForkedJobs[R]:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            _end_pool(self._pool, exc[0] is not None)


def split(n: int, parts: int) -> list[tuple[int, int]]:
    """``[start, stop)`` ranges cutting ``range(n)`` into at most ``parts`` nearly equal non-empty pieces."""
    parts = max(1, min(parts, n))
    edges = [n * k // parts for k in range(parts + 1)]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:])]
