"""``python -m duel ARGS`` for the tests, without paying the interpreter's start and duel's imports each time.

Each pytest worker starts one *zygote* once (``python tests/cli_process.py``): a fresh interpreter, started in
the project folder with the environment the worker had when this module was imported (not a test's), that
imports duel's command line, the pipeline and the packages a run's later stages import (SciPy, SALib,
matplotlib), then waits for commands on its standard input, one JSON line each. For every command it forks a
child, which takes the test's working directory, environment, argument list and output files, runs
``duel.cli.main`` as ``python -m duel`` does (the same program name in the help, the same exit codes, a
traceback printed for an uncaught exception, the non-daemon threads joined and the exit handlers run) and exits;
the zygote answers with the child's exit status. So the exit code, standard output and standard error a test
sees are those of a real process, started from a state no test has touched (not a fork of the pytest worker,
whose warnings filters, logging handlers, monkeypatches and JAX threads would leak in), in 0.15-0.25 s instead
of 0.7-1 s (``duel --version`` and a ``duel fly`` that fails on its first option, 3 December 2026; the suite runs
several hundred commands).

A ``duel`` process differs from such a child in ways a test could see:

* modules that read an environment variable when they are imported read the zygote's, not the test's (duel
  reads its own variables, ``DUEL_CACHE_DIR``, ``COLUMNS``, ..., when it uses them); a command whose
  environment changes what the interpreter reads at its start (``PYTHON*``, ``LANG``, ``LC_*``: the hash seed,
  the encodings, the warnings) runs as a new interpreter instead;
* the children of one zygote share its string-hash seed, so a test that two runs write the same bytes compares
  one of them with a new interpreter's (tests/test_duel_run.py);
* standard output and error are files, not pipes: a command that left a process behind holding them would not
  keep the test waiting, as it would with ``subprocess.run``.

Where there is no ``fork`` (Windows), each command is a new interpreter.
"""

from __future__ import annotations

import atexit
import io
import json
import locale
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PRELOAD = ("duel.cli", "duel.pipeline.run", "duel.report.build")
"""The modules the zygote imports before it takes commands (with the warm-up steps' imports, :func:`_serve`)."""

ROOT = Path(__file__).resolve().parents[1]
START_ENV = dict(os.environ)
"""The environment the zygote starts with: the worker's when this module is first imported (at collection)."""

AT_START = ("PYTHON", "LANG", "LC_")
"""Variables the interpreter reads as it starts: a command that sets them otherwise runs as a new interpreter."""

GRACE_S = 30.0
"""How long past a command's timeout the client waits for the zygote's answer before it stops the zygote."""

SETUP_FAILED = 250
"""The child's exit status when it could not become the command (a missing folder, say); its traceback is on
the zygote's standard error."""


class DuelProcess:
    """The client side, in the pytest worker: one zygote, started on first use, restarted if it died or was
    stopped."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._asked = 0

    def run(self, args: list[str], timeout: float | None = 300, env: dict[str, str] | None = None,
            cwd: str | Path | None = None) -> subprocess.CompletedProcess[str]:
        """``subprocess.run([sys.executable, "-m", "duel", *args], capture_output=True, text=True,
        timeout=timeout, env=env, cwd=cwd)``, run as a fork of the zygote (module docstring)."""
        cmd = [sys.executable, "-m", "duel", *args]
        env = dict(os.environ if env is None else env)
        if not hasattr(os, "fork") or _at_start(env) != _at_start(START_ENV):
            return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)
        with self._lock, tempfile.TemporaryDirectory(prefix="duel-cli-") as folder:
            out, err = Path(folder, "out"), Path(folder, "err")
            request = {"args": list(args), "cwd": str(Path(cwd or os.getcwd()).resolve()), "env": env,
                       "timeout": timeout, "out": str(out), "err": str(err)}
            code = self._ask(request, cmd)
            stdout = _text(out.read_bytes()) if out.exists() else ""
            stderr = _text(err.read_bytes()) if err.exists() else ""
        if code == SETUP_FAILED:
            raise RuntimeError(f"the duel runner could not start {cmd} in {request['cwd']} (its traceback is on "
                               "the zygote's standard error)")
        if code == -signal.SIGALRM:
            raise subprocess.TimeoutExpired(cmd, timeout or 0, stdout, stderr)
        return subprocess.CompletedProcess(cmd, code, stdout, stderr)

    def _ask(self, request: dict, cmd: list[str]) -> int:
        """Send one request and wait for its answer (the zygote's own timeout stops the child; past it and
        :data:`GRACE_S`, or on any failure here, the zygote is stopped and the next command starts another)."""
        try:
            if self._proc is None or self._proc.poll() is not None:
                self._proc = subprocess.Popen([sys.executable, __file__], stdin=subprocess.PIPE,
                                              stdout=subprocess.PIPE, env=START_ENV, cwd=ROOT,
                                              start_new_session=True)
            assert self._proc.stdin is not None and self._proc.stdout is not None
            self._asked += 1
            request["id"] = self._asked
            self._proc.stdin.write(json.dumps(request).encode() + b"\n")
            self._proc.stdin.flush()
            limit = None if request["timeout"] is None else time.monotonic() + request["timeout"] + GRACE_S
            while not select.select([self._proc.stdout], [], [], 1.0)[0]:
                if limit is not None and time.monotonic() > limit:
                    raise subprocess.TimeoutExpired(cmd, request["timeout"])
            answer = self._proc.stdout.readline()
            if not answer:
                raise RuntimeError(f"the duel zygote ended (exit {self._proc.wait()}) running {request['args']}")
            reply = json.loads(answer)
            if reply["id"] != request["id"]:
                raise RuntimeError(f"the duel zygote answered request {reply['id']}, not {request['id']}")
            return int(reply["code"])
        except BaseException:
            self._stop()
            raise

    def _stop(self) -> None:
        """End the zygote and whatever it runs (its own session) at once."""
        if self._proc is not None and self._proc.poll() is None:
            os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait(timeout=30)
        self._proc = None

    def close(self) -> None:
        """End the zygote after the command it runs, if any (its input closed)."""
        if self._proc is not None and self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            self._proc.wait(timeout=30)
        self._proc = None


SHARED = DuelProcess()
"""This worker's zygote, stopped when the worker exits."""
atexit.register(SHARED.close)


def run_duel(*args: str, timeout: float | None = 300, env: dict[str, str] | None = None,
             cwd: str | Path | None = None) -> subprocess.CompletedProcess[str]:
    """``subprocess.run([sys.executable, "-m", "duel", *args], capture_output=True, text=True, timeout=timeout,
    env=env, cwd=cwd)``, as a fork of this worker's zygote (module docstring)."""
    return SHARED.run(list(args), timeout=timeout, env=env, cwd=cwd)


def _at_start(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith(AT_START)}


def _text(data: bytes) -> str:
    """Bytes as ``subprocess.run(text=True)`` decodes them: the locale's encoding, universal newlines."""
    return io.TextIOWrapper(io.BytesIO(data), encoding=locale.getpreferredencoding(False)).read()


def _become(request: dict) -> None:
    """In the forked child: the test's folder, environment, standard streams, timeout and argument list, and
    the ``__main__`` that ``python -m duel`` makes (click names the program by it)."""
    import importlib.util
    import types

    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    if request["timeout"] is not None:
        signal.alarm(max(1, int(request["timeout"] + 0.999)))  # SIGALRM's default action ends the child
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115 (the zygote's reader may hold buffered requests)
    for fd, path in ((1, request["out"]), (2, request["err"])):
        f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(f, fd)
        os.close(f)
    main = types.ModuleType("__main__")
    main.__package__ = "duel"
    main.__spec__ = importlib.util.find_spec("duel.__main__")
    sys.modules["__main__"] = main
    sys.argv = [str(main.__spec__.origin), *request["args"]]
    sys.path[0] = request["cwd"]  # `python -m` puts the working folder first


def _child(request: dict) -> None:
    """In the forked child: become ``python -m duel ARGS`` (:func:`_become`), run it, and exit as the
    interpreter would (never returns)."""
    try:
        _become(request)
    except BaseException:  # noqa: BLE001 (reported on the zygote's standard error and as SETUP_FAILED)
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
        os._exit(SETUP_FAILED)
    code = 1
    try:
        from duel.cli import main as duel_main

        try:
            duel_main()
            code = 0
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
        except KeyboardInterrupt:
            sys.excepthook(*sys.exc_info())
            code = -signal.SIGINT  # the interpreter ends itself with SIGINT after an uncaught Ctrl-C
        except BaseException:  # noqa: BLE001 (printed, exit 1, as the interpreter does)
            sys.excepthook(*sys.exc_info())
        threading._shutdown()  # type: ignore[attr-defined]  # the interpreter joins non-daemon threads first
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 (the interpreter exits 120 when it cannot flush)
                code = 120 if code == 0 else code
        if code == -signal.SIGINT:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        os._exit(code)


def _serve() -> None:
    """The zygote: import duel and what a run imports later, then fork one child per request line and answer
    with its id and exit status."""
    import importlib
    from functools import partial

    sys.path[0] = os.getcwd()  # as `python -m duel` would (not this file's folder)
    for name in PRELOAD:
        importlib.import_module(name)
    from duel.report.plots import WARM_UP as REPORT_WARM_UP
    from duel.trials.sensitivity import WARM_UP as SENSITIVITY_WARM_UP

    for step in (*SENSITIVITY_WARM_UP, *REPORT_WARM_UP):
        if isinstance(step, partial) and step.func is importlib.import_module:
            step()  # the imports only (the report's other steps draw and read files: each command does)
    for line in sys.stdin.buffer:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(request)
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(json.dumps({"id": request["id"], "code": os.waitstatus_to_exitcode(status)}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _serve()
