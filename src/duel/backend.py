"""Array backends: NumPy on the CPU by default; JAX on an NVIDIA GPU as the optional extra ``duel[gpu]``.

``get_backend(name)`` returns a :class:`Backend`: the array namespace ``xp``, the float dtype, a
description of the device and :meth:`Backend.run_integration`, the one entry point through which callers
integrate a batch of trajectories. Names:

* ``numpy`` (default): :func:`duel.flight.integrate.integrate`, the NumPy loop that compacts landed
  trajectories out of the batch.
* ``gpu``: :func:`duel.flight.integrate_xp.integrate_xp` with ``xp = jax.numpy`` (float64), one
  ``jax.jit``-compiled ``lax.while_loop`` over the whole batch, on the first JAX GPU device. Fails with an
  :class:`~duel.errors.InputError` naming ``--backend gpu`` when JAX is not installed or sees no GPU.

Hidden names for tests and benchmarks (not offered on the command line):

* ``jax-cpu``: exactly the ``gpu`` program, compiled for the CPU (what CI and machines without a GPU can
  run of the GPU path);
* ``numpy-xp``: the fixed-shape loop body of the GPU path run by NumPy in a Python loop (no JAX needed).

Why JAX (measured on an NVIDIA H100 for the simplified model of ``benchmarks/limit.py``, float64, ~400 s
flights): a hand-written one-thread-per-trajectory CUDA kernel 2.0e7 trajectories/s; JAX ``jit`` over a
``lax.fori_loop`` of RK4 steps on whole-batch arrays 1.4e7/s at N = 4e6 (70 % of the kernel; 1.5-4 s
compile); eager PyTorch 2.8e5/s. The whole loop must be compiled and fused, and JAX runs the same array
code as NumPy. See ``docs/performance.md``.

Importing this module imports neither JAX nor NumPy-heavy modules (``duel --help`` stays fast).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from duel.errors import InputError

if TYPE_CHECKING:
    import numpy as np

    from duel.flight.dynamics import BoostTables, LaneParams, Physics
    from duel.flight.integrate import EventLog, StepPolicy

PUBLIC_BACKENDS = ("numpy", "gpu")
HIDDEN_BACKENDS = ("jax-cpu", "numpy-xp")
GPU_INSTALL_HINT = "install the GPU extra: pip install 'duel[gpu]' (JAX with CUDA 12, NVIDIA driver >= 525)"

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

    def run_integration(
        self,
        state0: np.ndarray,
        t0: np.ndarray,
        lanes: LaneParams,
        tables: BoostTables | None,
        physics: Physics,
        policy: StepPolicy | None = None,
        *,
        until_burnout: bool = False,
        chunk: int | None = None,
        **kwargs: Any,
    ) -> EventLog:
        """Integrate N trajectories (ECEF states ``state0`` (N, 6) in m and m/s, at times ``t0`` (N,) in s).

        Same arguments and result as :func:`duel.flight.integrate.integrate` (without recording): an
        :class:`~duel.flight.integrate.EventLog` of NumPy arrays, whatever the backend. ``chunk`` overrides
        the backend's trajectories per run; extra keyword arguments go to
        :func:`~duel.flight.integrate_xp.integrate_xp` (``events``, ``accel``, ``stats``, and
        ``record_steps``, with which the result is (log, times, states) as that function documents).
        """
        from duel.flight.integrate import StepPolicy

        policy = StepPolicy() if policy is None else policy
        size = self.chunk if chunk is None else int(chunk)
        if self.name == "numpy":
            import numpy as np

            from duel.flight.integrate import EventLog, integrate

            if kwargs:
                raise TypeError(f"backend numpy: unexpected arguments {sorted(kwargs)}")
            n = state0.shape[0]
            t0 = np.broadcast_to(np.asarray(t0, float), (n,))
            if n <= size:
                return integrate(state0, t0, lanes, tables, physics, policy, until_burnout=until_burnout)[0]
            log = EventLog(n, 0 if tables is None else len(tables.end_s))
            for i0 in range(0, n, size):
                idx = np.arange(i0, min(n, i0 + size))
                part, _ = integrate(state0[idx], t0[idx], lanes.take(idx), tables, physics, policy,
                                    until_burnout=until_burnout)
                for name, value in vars(part).items():
                    if isinstance(value, np.ndarray):
                        getattr(log, name)[idx] = value
            return log
        from duel.flight.integrate_xp import integrate_xp

        return integrate_xp(state0, t0, lanes, tables, physics, policy, until_burnout=until_burnout,
                            xp="jax" if self.uses_jax else "numpy", device=self.jax_device, chunk=size, **kwargs)

    def asnumpy(self, a: Any) -> np.ndarray:
        """A NumPy copy of an array of this backend."""
        import numpy as np

        return np.asarray(a)


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
    from duel.flight.integrate_xp import enable_x64

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
