"""Progress that reaches a log: a line every so often while a long step runs.

On a terminal the libraries' progress bars show how a fit goes; in a log (CI, a batch
job, a Dask worker's log) they show nothing, so a 5-minute NUTS fit would be silent
between its first and last line. :func:`heartbeat` runs a step with a thread that logs
its latest status every :func:`interval` seconds, when stderr is not a terminal. Code
deep inside the step (a sampler's callback, an optimiser's window) sets that status
through :func:`current`, without being handed it.

Examples
--------
>>> import logging
>>> with heartbeat(logging.getLogger("demo"), "ADVI", every=0) as status:
...     status.set(step=1000, loss=1234.5)
>>> status.text()
'step 1000, loss 1234.5'
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["ENV", "Status", "current", "heartbeat", "interval"]

#: The environment variable that sets the seconds between progress lines (default 30;
#: 0 turns them off).
ENV = "STUDY_PROGRESS_SECONDS"
_DEFAULT = 30.0


def interval() -> float:
    """Return the seconds between progress lines: :data:`ENV`, else 30.

    Examples
    --------
    >>> interval() > 0
    True
    """
    try:
        seconds = float(os.environ.get(ENV, _DEFAULT))
    except ValueError:
        return _DEFAULT
    return seconds if 0 <= seconds <= 86_400 else _DEFAULT  # a thread's wait takes a day at most


class Status:
    """The latest status of a step, set from any thread, read as one line."""

    def __init__(self) -> None:
        self._fields: dict[str, object] = {}
        self._lock = threading.Lock()

    def set(self, **fields: object) -> None:
        """Set some fields (in the order first set); None removes one."""
        with self._lock:
            for key, value in fields.items():
                if value is None:
                    self._fields.pop(key, None)
                else:
                    self._fields[key] = value

    def add(self, key: str, amount: int) -> None:
        """Add ``amount`` to a count (from 0)."""
        with self._lock:
            self._fields[key] = self._fields.get(key, 0) + amount

    def text(self) -> str:
        """Return the fields as ``name value``, comma-separated, ``_`` read as a space."""
        with self._lock:
            return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in self._fields.items())


_CURRENT: ContextVar[Status | None] = ContextVar("progress", default=None)


def current() -> Status:
    """Return the status of the innermost running :func:`heartbeat` (a spare one outside).

    Read it in the step's own thread and keep it for callbacks run in other threads.

    Examples
    --------
    >>> current().set(chain=0)  # outside a heartbeat: kept nowhere
    """
    return _CURRENT.get() or Status()


def _elapsed(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


@contextmanager
def heartbeat(
    logger: logging.Logger, what: str, *, every: float | None = None, force: bool = False
) -> Iterator[Status]:
    """Run a step that logs ``what: <status> (<elapsed> so far)`` every ``every`` seconds.

    Parameters
    ----------
    logger : logging.Logger
        Where the lines go, at INFO.
    what : str
        The step, as the line names it (``"NUTS"``, ``"report of nuts.nc"``).
    every : float, optional
        Seconds between lines; default :func:`interval`. 0: none.
    force : bool
        Log also when stderr is a terminal (where progress bars show instead).

    Yields
    ------
    Status
        Set by the step as it goes; each line shows its latest fields.
    """
    status = Status()
    token = _CURRENT.set(status)
    every = interval() if every is None else every
    if every <= 0 or (sys.stderr.isatty() and not force):
        try:
            yield status
        finally:
            _CURRENT.reset(token)
        return
    stop, start = threading.Event(), time.monotonic()

    def beat() -> None:
        while not stop.wait(every):
            shown = status.text() or "running"
            logger.info("%s: %s (%s so far)", what, shown, _elapsed(time.monotonic() - start))

    thread = threading.Thread(target=beat, name=f"progress: {what}", daemon=True)
    thread.start()
    try:
        yield status
    finally:
        stop.set()
        thread.join()
        _CURRENT.reset(token)
