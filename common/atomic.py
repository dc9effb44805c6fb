"""Writing files atomically: a temporary name beside the target, renamed into place.

Every file this project writes (posterior files, reports, comparisons, a sweep's tables)
goes through :func:`atomic_write`, so a reader never sees a half-written file, and an
interrupted process leaves nothing behind (:func:`remove_partial_files`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from common.errors import StudyError

__all__ = [
    "OutputError",
    "atomic_stream",
    "atomic_write",
    "check_output",
    "check_target",
    "remove_partial_files",
]


class OutputError(StudyError, OSError):
    """A file cannot be written where it was asked for."""


#: Temporary files being written by :func:`atomic_write` in this process.
_PARTIAL: set[Path] = set()


def check_target(path: Path) -> None:
    """Refuse to write over something that exists and is not a regular file.

    Renaming over a directory or a device (``/dev/null``, as root) must never happen.

    Raises
    ------
    OutputError
        ``path`` exists and is not a regular file.
    """
    if path.exists() and not path.is_file():
        raise OutputError(f"cannot write {path}: it exists and is not a regular file")


def check_directory(directory: Path) -> None:
    """Refuse a directory that cannot be made or written in; make nothing.

    Raises
    ------
    OutputError
        The nearest existing ancestor is not a directory, or is not writable.
    """
    try:
        existing = next(p for p in (directory, *directory.parents) if p.exists())
    except OSError as err:
        raise OutputError(f"cannot write in {directory}: {err.strerror or err}") from None
    if not existing.is_dir():
        raise OutputError(f"cannot write in {directory}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write in {directory}: {existing} is not writable")


def check_output(path: Path, *, inputs: Sequence[os.PathLike] = ()) -> None:
    """Refuse, before any work, an output file that cannot be written or is an input.

    Examples
    --------
    >>> from pathlib import Path
    >>> check_output(Path("/tmp/report.html"))
    >>> check_output(Path("a.nc"), inputs=[Path("a.nc")])
    Traceback (most recent call last):
    ...
    common.atomic.OutputError: cannot write a.nc: it is one of the input files
    """
    check_target(path)
    if any(path.resolve() == Path(source).resolve() for source in inputs):
        raise OutputError(f"cannot write {path}: it is one of the input files")
    check_directory(path.parent)


def atomic_write(path: str | os.PathLike, content: bytes | memoryview | str) -> Path:
    """Write ``content`` to a temporary file beside ``path``, then rename it into place.

    The content is made in memory first, so no library writes to the disk: what can
    fail there (a full disk, a quota, a lost permission, an I/O error) fails in one
    plain ``write``, ``fsync`` or ``rename`` here. A reader never sees a half-written
    ``path``; if the write fails or is interrupted (by any exception,
    ``KeyboardInterrupt`` included), the temporary file is removed and any old
    ``path`` is untouched. While it exists, the temporary file is listed for
    :func:`remove_partial_files`.

    Parameters
    ----------
    path : path-like
        The file to write.
    content : bytes, memoryview or str
        What it holds; text is written as UTF-8.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    OutputError
        ``path`` exists and is not a regular file (a directory, a device), or the
        directory cannot be made, or the file cannot be written there; its message
        names the path and the system's reason.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> target = Path(tempfile.mkdtemp()) / "note.txt"
    >>> atomic_write(target, "done").read_text()
    'done'
    >>> atomic_write("/proc/version", "x")
    Traceback (most recent call last):
    ...
    common.atomic.OutputError: cannot write /proc/version: ...
    """
    path = Path(path)
    check_target(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    _PARTIAL.add(tmp)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_new(tmp, data)
        os.replace(tmp, path)
        _sync_directory(path.parent)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror or err}") from None
    finally:
        _remove(tmp)
    return path


@contextlib.contextmanager
def atomic_stream(path: str | os.PathLike) -> Iterator[TextIO]:
    """Write a text file piece by piece to a temporary name, renamed into place at the end.

    For output too large to hold in memory (the predictions of a million scenarios):
    what :func:`atomic_write` promises, for a file written in parts. If the ``with``
    block raises (bad input found half-way, an interrupt), the temporary file is
    removed and nothing is left at ``path``.

    Raises
    ------
    OutputError
        As :func:`atomic_write`.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> target = Path(tempfile.mkdtemp()) / "rows.csv"
    >>> with atomic_stream(target) as out:
    ...     _ = out.write("a,b")
    >>> target.read_text()
    'a,b'
    """
    path = Path(path)
    check_target(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    _PARTIAL.add(tmp)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with open(fd, "w", encoding="utf-8", newline="") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        _sync_directory(path.parent)
    except OutputError:
        raise
    except OSError as err:  # the body's readers raise their own errors: this is the writing
        raise OutputError(f"cannot write {path}: {err.strerror or err}") from None
    finally:
        _remove(tmp)


def _write_new(tmp: Path, data: bytes | memoryview) -> None:
    """Create ``tmp`` (never over or through anything there), write ``data``, flush it to disk."""
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        view = memoryview(data).cast("B")
        while view:
            written = os.write(fd, view)
            if not written:
                raise OSError(errno.EIO, "the file system took no bytes")
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_directory(directory: Path) -> None:
    """Flush the rename to disk, where the file system allows it."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # some file systems cannot sync a directory
            os.fsync(fd)
    finally:
        os.close(fd)


def _remove(tmp: Path) -> None:
    with contextlib.suppress(OSError):  # never mask why the write failed
        tmp.unlink(missing_ok=True)
    _PARTIAL.discard(tmp)


def remove_partial_files() -> None:
    """Remove the temporary files of writes still in progress (for a forced exit)."""
    for tmp in list(_PARTIAL):
        _remove(tmp)
