"""``python -m duel ARGS`` for the tests, without paying the interpreter's start and duel's imports each time.

Each pytest worker starts one *zygote* once (``python tests/cli_process.py``): a fresh interpreter that imports
duel's command line and the packages its commands load (as a ``duel`` process would, in the same environment),
then waits for commands on its standard input, one JSON line each. For every command it forks a child, which
takes the test's working directory, environment, argument list and output files, runs ``duel.cli.main`` as
``python -m duel`` does (the same program name in the help, the same exit codes, a traceback printed for an
uncaught exception, the exit handlers run) and exits; the zygote answers with the child's exit status. So the
exit code, standard output and standard error a test sees are those of a real process, started from a state
no test has touched (not a fork of the pytest worker, whose warnings filters, logging handlers, monkeypatches
and JAX threads would leak in), in 0.15-0.25 s instead of 0.7-1 s (`duel --version` and a `duel fly` that fails
on its first option, 3 December 2026; the suite starts several hundred).

A ``duel`` process differs from such a child in two ways a test could see: modules that read an environment
variable when they are imported read the zygote's (the worker's at the start), not the test's (duel reads its
own variables, ``DUEL_CACHE_DIR``, ``COLUMNS``, ..., when it uses them); and the children of one zygote share its
string-hash seed, so a test that two runs write the same bytes compares one of them with a new interpreter's
(tests/test_duel_run.py). Where there is no ``fork`` (Windows), each command is a new interpreter.
"""

from __future__ import annotations

import atexit
import io
import json
import locale
import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

PRELOAD = ("duel.cli", "duel.pipeline.run", "duel.commands.fly", "duel.commands.run", "duel.report.build")
"""The modules the zygote imports before it takes commands (the command line and what its commands load)."""


class DuelProcess:
    """The client side, in the pytest worker: one zygote, started on first use and restarted if it died."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def run(self, args: list[str], timeout: float = 300, env: dict[str, str] | None = None,
            cwd: str | Path | None = None) -> subprocess.CompletedProcess[str]:
        """``subprocess.run([sys.executable, "-m", "duel", *args], capture_output=True, text=True,
        timeout=timeout, env=env, cwd=cwd)``, run as a fork of the zygote."""
        cmd = [sys.executable, "-m", "duel", *args]
        if not hasattr(os, "fork"):  # no fork (Windows): a new interpreter each time
            return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)
        with self._lock, tempfile.TemporaryDirectory(prefix="duel-cli-") as folder:
            out, err = Path(folder, "out"), Path(folder, "err")
            request = {"args": list(args), "cwd": str(Path(cwd or os.getcwd()).resolve()),
                       "env": dict(os.environ if env is None else env), "timeout": timeout, "out": str(out),
                       "err": str(err)}
            code = self._ask(request)
            stdout, stderr = _text(out.read_bytes()), _text(err.read_bytes())
        if code == -signal.SIGALRM:
            raise subprocess.TimeoutExpired(cmd, timeout, stdout, stderr)
        return subprocess.CompletedProcess(cmd, code, stdout, stderr)

    def _ask(self, request: dict) -> int:
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen([sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(json.dumps(request).encode() + b"\n")
        self._proc.stdin.flush()
        answer = self._proc.stdout.readline()
        if not answer:
            raise RuntimeError(f"the duel zygote ended (exit {self._proc.wait()}) running {request['args']}")
        return int(json.loads(answer)["code"])

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            self._proc.wait(timeout=30)
        self._proc = None


SHARED = DuelProcess()
"""This worker's zygote, stopped when the worker exits."""
atexit.register(SHARED.close)


def run_duel(*args: str, timeout: float = 300, env: dict[str, str] | None = None,
             cwd: str | Path | None = None) -> subprocess.CompletedProcess[str]:
    """``subprocess.run([sys.executable, "-m", "duel", *args], capture_output=True, text=True, timeout=timeout,
    env=env, cwd=cwd)``, as a fork of this worker's zygote."""
    return SHARED.run(list(args), timeout=timeout, env=env, cwd=cwd)


def _text(data: bytes) -> str:
    """Bytes as ``subprocess.run(text=True)`` decodes them: the locale's encoding, universal newlines."""
    return io.TextIOWrapper(io.BytesIO(data), encoding=locale.getpreferredencoding(False)).read()


def _child(request: dict) -> None:
    """In the forked child: become ``python -m duel ARGS`` with the test's folder, environment and files."""
    import importlib.util
    import types

    code = 1
    try:
        signal.alarm(max(1, int(request["timeout"] + 0.999)))  # SIGALRM's default action ends the child
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        sys.stdin = open(0, closefd=False)  # noqa: SIM115 (the zygote's reader may hold buffered requests)
        for fd, path in ((1, request["out"]), (2, request["err"])):
            f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(f, fd)
            os.close(f)
        main = types.ModuleType("__main__")  # what `python -m duel` makes __main__ (click names the program by it)
        main.__package__ = "duel"
        main.__spec__ = importlib.util.find_spec("duel.__main__")
        sys.modules["__main__"] = main
        sys.argv = [str(main.__spec__.origin), *request["args"]]
        sys.path[0] = request["cwd"]  # `python -m` puts the working folder first
        from duel.cli import main as duel_main

        try:
            duel_main()
            code = 0
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
                code = 1
        except KeyboardInterrupt:
            sys.excepthook(*sys.exc_info())
            code = 130
        except BaseException:
            sys.excepthook(*sys.exc_info())
            code = 1
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 (a closed or broken stream: nothing more to write)
                pass
        os._exit(code)


def _serve() -> None:
    """The zygote: import duel, then fork one child per request line and answer with its exit status."""
    import importlib

    sys.path[0] = os.getcwd()  # as `python -m duel` would (not this file's folder)
    for name in PRELOAD:
        importlib.import_module(name)
    for line in sys.stdin.buffer:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(request)
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(json.dumps({"code": os.waitstatus_to_exitcode(status)}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _serve()
