"""Files that are whole or absent, and folders with one writer at a time.

:func:`write_atomic` writes a temporary file beside the target, syncs it and renames it over the target
(atomic on POSIX), so a crash or a full disk never leaves a half-written result where a reader looks; on any
failure the temporary file is removed and the error is one line naming the option that chose the place
("disk full" for ENOSPC). :class:`FolderLock` keeps a second process out of a folder that one is writing
(a lock file holding the owner's host and pid; a lock whose process is gone is taken over).
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
from pathlib import Path
from types import TracebackType

from duel.errors import InputError

__all__ = ["FolderLock", "fsync_dir", "os_error", "write_atomic"]


def os_error(exc: OSError, what: str, path: Path | str) -> InputError:
    """A one-line InputError for ``exc`` met while writing ``path`` (``what``: the option that chose it)."""
    if exc.errno == errno.ENOSPC:
        return InputError(f"{what}: disk full while writing {path}")
    return InputError(f"{what}: cannot write {path}: {exc.strerror or exc}")


def fsync_dir(path: Path) -> None:
    """Make a rename in folder ``path`` durable (where the platform allows a folder to be synced)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # platforms without directory file descriptors
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path | str, data: str | bytes, what: str = "--out") -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` whole or not at all (module docstring); returns the path."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        try:
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise os_error(exc, what, path) from None
    fsync_dir(path.parent)
    return path


class FolderLock:
    """An exclusive claim on ``folder`` (a context manager): ``<folder>/.lock`` holds ``host pid``. A second
    claim while the owner runs is an InputError naming ``what`` and the owner; a lock left by a process that
    no longer runs on this host is taken over."""

    def __init__(self, folder: Path | str, what: str = "--out"):
        self.path = Path(folder) / ".lock"
        self.what = what
        self.held = False

    def acquire(self) -> FolderLock:
        """Take the lock (see the class docstring); returns self."""
        me = f"{socket.gethostname()} {os.getpid()}\n"
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            except FileExistsError:
                if self._owner_alive():
                    owner = self.path.read_text(errors="replace").strip()
                    raise InputError(f"{self.what}: {self.path.parent} is in use by another run ({owner}); "
                                     "wait for it to finish or choose another folder") from None
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()  # stale: its process is gone
                continue
            except OSError as exc:
                raise os_error(exc, self.what, self.path) from None
            with os.fdopen(fd, "w") as fh:
                fh.write(me)
            self.held = True
            return self
        raise InputError(f"{self.what}: could not lock {self.path.parent} (another run keeps taking it)")

    def _owner_alive(self) -> bool:
        try:
            host, pid = self.path.read_text().split()
            pid_n = int(pid)
        except (OSError, ValueError):
            return False  # unreadable or half-written: treated as stale
        if host != socket.gethostname():
            return True  # another machine's run (a shared folder): never taken over
        if pid_n == os.getpid():
            return False
        try:
            os.kill(pid_n, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def release(self) -> None:
        """Give the lock back (idempotent)."""
        if self.held:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            self.held = False

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()
