"""Writing files so that a crash or a concurrent reader never sees half a file.

Keys, certificates, metadata and configuration are read by other processes
(a web server, a broker simulator) while ehkit may be rewriting them. A reader
must see either the old or the new content, and a private key must never exist
on disk, even for a moment, with permissions wider than asked for.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

__all__ = ["atomic_write"]


def atomic_write(path: str | os.PathLike[str], data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` atomically (temp file in the same directory, fsync, rename).

    ``mode`` sets the exact permission bits (``0o600`` for private keys); it is
    applied before any byte is written, and the umask does not weaken or widen
    it. Without ``mode`` an existing file keeps its permissions and a new file
    gets the usual ``0o666`` minus the umask, as with ``open(path, "wb")``.

    The temp file lives next to the target because ``os.replace`` is only atomic
    within one file system. The directory is fsynced too, so the rename itself
    survives a power cut.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"atomic_write needs bytes, got {type(data).__name__}")
    target = Path(path)
    directory = target.parent
    if mode is None:
        try:
            final_mode: int | None = os.stat(target).st_mode & 0o7777
        except FileNotFoundError:
            final_mode = None
    else:
        final_mode = mode

    tmp = directory / f".{target.name}.{secrets.token_hex(6)}.tmp"
    # Open narrow (0600) and widen afterwards: nobody else can open the temp file
    # in between. O_EXCL refuses to follow a planted symlink or reuse a file.
    fd = os.open(
        tmp,
        os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
        0o600 if final_mode is not None else 0o666,
    )
    try:
        try:
            if final_mode is not None:
                os.fchmod(fd, final_mode)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    # Not every platform lets you open a directory (Windows); the rename is then
    # as durable as the OS makes it.
    try:
        dir_fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
