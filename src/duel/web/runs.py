"""Runs for the web API: a bounded pool of worker processes, each run with a time limit and a private folder.

A run is one :func:`duel.pipeline.run_scenario` of a validated scenario in its own process (``spawn``: a fresh
interpreter, so nothing of the server's threads is inherited), writing ``result.json`` and ``report.html`` into a
server-side temporary folder (never a client's path). At most ``workers`` run at once; the others wait in order.
A run that passes ``time_limit_s`` is killed and marked ``timeout``. Runs do not depend on any HTTP connection:
a client that disconnects leaves its run to finish (or time out) and be collected.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from duel.flight.aim_store import ENV as AIM_STORE_ENV

__all__ = ["Run", "RunManager"]

STATES = ("queued", "running", "done", "failed", "timeout")


@dataclass
class Run:
    """One run's state (times in s since the epoch)."""

    id: str
    folder: Path
    scenario: Any  # duel.scenario.Scenario (validated)
    seed: int | None
    trials: int | None
    sets: tuple[str, ...]
    state: str = "queued"
    done: int = 0
    total: int = 0
    error: str | None = None
    submitted: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    process: Any = None
    channel: Any = None

    def status(self) -> dict[str, Any]:
        """JSON-ready status: ``id``, ``state``, ``progress`` {``done``, ``total``}, ``error``, ``seconds``."""
        end = self.finished or time.time()
        return {"id": self.id, "state": self.state, "progress": {"done": self.done, "total": self.total},
                "error": self.error, "seconds": None if self.started is None else round(end - self.started, 2)}


def _work(scenario: Any, trials: int | None, seed: int | None, sets: Sequence[str], folder: str, channel: Any,
          cache: str | None = None) -> None:
    """The child process: run the scenario, write its outputs, report progress and the end on ``channel``;
    ``cache``: the folder of the solved aims it shares with the server's other runs (``DUEL_CACHE_DIR``)."""
    if cache is not None:
        os.environ[AIM_STORE_ENV] = cache
    try:
        from duel.pipeline import run_scenario
        from duel.report.build import write_outputs

        doc = run_scenario(scenario, trials, seed, lambda done, total: channel.send(("progress", done, total)),
                           "numpy", sets).document
        write_outputs(doc, Path(folder))
        channel.send(("done",))
    except Exception as exc:  # noqa: BLE001  (any failure of the run is reported to the client as one line)
        channel.send(("failed", " ".join(str(exc).split()) or type(exc).__name__))
    finally:
        channel.close()


class RunManager:
    """A queue of runs served by at most ``workers`` processes, each killed after ``time_limit_s``."""

    def __init__(self, workers: int = 2, time_limit_s: float = 300.0, keep: int = 50) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers, self.time_limit_s, self.keep = int(workers), float(time_limit_s), int(keep)
        self.root = Path(tempfile.mkdtemp(prefix="duel-serve-"))
        # solved aims: shared by this server's runs in its temporary folder (removed with it), unless the user
        # named a store (DUEL_CACHE_DIR) when starting it; no client's input leaves a file behind
        self.cache = None if os.environ.get(AIM_STORE_ENV) else str(self.root / "cache")
        self._runs: dict[str, Run] = {}
        self._queue: deque[str] = deque()
        self._lock = threading.Lock()
        self._ctx = multiprocessing.get_context("spawn")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="duel-runs", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ API
    def submit(self, scenario: Any, trials: int | None = None, seed: int | None = None,
               sets: Sequence[str] = ()) -> Run:
        """Queue a run of a validated scenario; returns it (state ``queued``)."""
        rid = uuid.uuid4().hex[:12]
        run = Run(rid, self.root / rid, scenario, seed, trials, tuple(sets))
        run.folder.mkdir()
        with self._lock:
            self._runs[rid] = run
            self._queue.append(rid)
            self._forget_old()
        return run

    def get(self, rid: str) -> Run | None:
        """The run ``rid``, or None."""
        with self._lock:
            return self._runs.get(rid)

    @property
    def running(self) -> int:
        """Runs whose process is alive."""
        with self._lock:
            return sum(1 for r in self._runs.values() if r.state == "running")

    def shutdown(self) -> None:
        """Kill every running process and remove every run's folder."""
        self._stop.set()
        self._thread.join(timeout=5)
        with self._lock:
            for run in self._runs.values():
                if run.process is not None and run.process.is_alive():
                    run.process.kill()
                    run.process.join(timeout=5)
        shutil.rmtree(self.root, ignore_errors=True)

    # ------------------------------------------------------------------ the loop
    def _loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                self._collect()
                self._start_queued()
            self._stop.wait(0.05)

    def _start_queued(self) -> None:
        active = sum(1 for r in self._runs.values() if r.state == "running")
        while self._queue and active < self.workers:
            run = self._runs[self._queue.popleft()]
            parent, child = self._ctx.Pipe(duplex=False)
            run.process = self._ctx.Process(target=_work, args=(run.scenario, run.trials, run.seed, run.sets,
                                                                str(run.folder), child, self.cache), daemon=True)
            run.process.start()
            child.close()
            run.channel, run.state, run.started = parent, "running", time.time()
            active += 1

    def _collect(self) -> None:
        now = time.time()
        for run in self._runs.values():
            if run.state != "running":
                continue
            try:
                while run.channel.poll():
                    msg = run.channel.recv()
                    if msg[0] == "progress":
                        run.done, run.total = int(msg[1]), int(msg[2])
                    elif msg[0] == "done":
                        self._end(run, "done", None)
                    else:
                        self._end(run, "failed", msg[1])
            except (EOFError, OSError):
                if run.state == "running":
                    self._end(run, "failed", "the run's process ended without a result")
            if run.state == "running" and now - (run.started or now) > self.time_limit_s:
                run.process.kill()
                self._end(run, "timeout", f"the run passed the server's time limit of {self.time_limit_s:g} s")

    def _end(self, run: Run, state: str, error: str | None) -> None:
        run.state, run.error, run.finished = state, error, time.time()
        run.process.join(timeout=5)
        run.channel.close()

    def _forget_old(self) -> None:
        """Keep at most ``keep`` finished runs (oldest removed, with their folders)."""
        ended = [r for r in self._runs.values() if r.state in ("done", "failed", "timeout")]
        for run in sorted(ended, key=lambda r: r.submitted)[:max(0, len(ended) - self.keep)]:
            shutil.rmtree(run.folder, ignore_errors=True)
            del self._runs[run.id]
