"""Files that are whole or absent, and folders with one writer at a time.

:func:`write_atomic` writes a temporary file beside the target, syncs it and renames it over the target
(atomic on POSIX), so a crash or a full disk never leaves a half-written result where a reader looks; on any
failure the temporary file is removed and the error is one line naming the option that chose the place
("disk full" for ENOSPC). :class:`FolderLock` keeps a second process out of a folder that one is writing
(an advisory lock that the kernel drops when its process ends).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import socket
from pathlib import Path
from types import TracebackType

from duel.errors import InputError

__all__ = ["FolderLock", "write_atomic"]


def _os_error(exc: OSError, what: str, path: Path | str) -> InputError:
    """A one-line InputError for ``exc`` met while writing ``path`` (``what``: the option that chose it)."""
    if exc.errno == errno.ENOSPC:
        return InputError(f"{what}: disk full while writing {path}")
    return InputError(f"{what}: cannot write {path}: {exc.strerror or exc}")


def _fsync_dir(path: Path) -> None:
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


def write_atomic(path: Path | str, data: str | bytes, what: str = "--out", mode: int = 0o644) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` whole or not at all (module docstring), with ``mode`` whatever
    the umask; the temporary file is new (``O_EXCL|O_NOFOLLOW``: nothing is written through a link) and the
    rename replaces whatever was at ``path``, a link included. Returns the path."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
        try:
            os.fchmod(fd, mode)
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        rename_durably(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise _os_error(exc, what, path) from None
    return path


def rename_durably(tmp: Path | str, path: Path | str) -> None:
    """Rename a finished (fsynced) temporary file onto ``path``, replacing what was there, and sync the folder
    so that the rename itself survives a crash."""
    os.replace(tmp, path)
    _fsync_dir(Path(path).parent)


_HELD: dict[str, FolderLock] = {}  # the locks this process holds, by the lock file's real path


class FolderLock:
    """An exclusive claim on ``folder`` (a context manager): an advisory lock (``flock``) on ``<folder>/.lock``,
    which also records ``host pid`` for the error message. A second claim while the owner runs is an InputError
    naming ``what`` and the owner; the kernel drops the lock when its process ends, however it ends, so a
    killed run leaves nothing to clean up (the file stays; it is only a place to lock)."""

    def __init__(self, folder: Path | str, what: str = "--out"):
        self.path = Path(folder) / ".lock"
        self.what = what
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> FolderLock:
        """Take the lock (see the class docstring); returns self. A claim on a folder that this process already
        holds takes it over (the earlier holder, e.g. a store left open, no longer holds it)."""
        key = os.path.realpath(self.path)
        earlier = _HELD.pop(key, None)
        if earlier is not None:
            earlier.release()
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            raise _os_error(exc, self.what, self.path) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            owner = os.pread(fd, 200, 0).decode(errors="replace").strip() or "starting"
            os.close(fd)
            raise InputError(f"{self.what}: {self.path.parent} is in use by another run ({owner}); "
                             "wait for it to finish or choose another folder") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{socket.gethostname()} {os.getpid()}\n".encode(), 0)
        self._fd = fd
        _HELD[key] = self
        return self

    def release(self) -> None:
        """Give the lock back (idempotent)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None
            key = os.path.realpath(self.path)
            if _HELD.get(key) is self:
                del _HELD[key]

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()
