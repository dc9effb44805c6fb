"""Stop promptly and cleanly on SIGINT (Ctrl-C) and SIGTERM.

While :class:`SignalGuard` is active, either signal raises :class:`Interrupted` in
the main thread, so every ``finally`` runs and :func:`common.atomic.atomic_write`
removes its temporary file. Two things could delay or swallow that exception: a main
thread blocked in compiled code (NumPyro's NUTS runs whole XLA programs, which never
return to Python mid-way), and a library that catches it. A watchdog thread therefore
sees every signal at once (through :func:`signal.set_wakeup_fd`). If the main thread
has not taken the signal ``grace`` seconds later, or has taken it but not exited
``wind_down`` seconds after that, or at a second signal, the watchdog removes the
temporary files itself and ends the process with the signal's exit code.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable

from common.atomic import remove_partial_files

#: The signals handled, and the exit code each ends the process with (128 + number).
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived.

    A ``BaseException`` but not a ``KeyboardInterrupt``: PyMC's ADVI catches
    ``KeyboardInterrupt`` and returns the fit so far, which must not be saved as if
    it were finished; no ``except Exception`` catches this either.
    """

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """The process's exit code: 130 for SIGINT, 143 for SIGTERM."""
        return EXIT_CODES[self.signum]

    def __str__(self) -> str:
        return f"interrupted by {signal.Signals(self.signum).name}; no partial files left"


class SignalGuard:
    """Turn SIGINT and SIGTERM into :class:`Interrupted`, with a watchdog behind it.

    Use as a context manager in the main thread; elsewhere it does nothing. After
    catching :class:`Interrupted`, call :meth:`finish` to print its one-line message.

    Parameters
    ----------
    grace : float
        Seconds the main thread has to take the signal (run Python again) before the
        watchdog ends the process itself.
    wind_down : float
        Seconds the main thread then has to clean up and exit.
    cleanup : callable
        What the watchdog calls before ending the process.
    """

    def __init__(
        self,
        *,
        grace: float = 2.0,
        wind_down: float = 30.0,
        cleanup: Callable[[], None] = remove_partial_files,
    ):
        self.grace = grace
        self.wind_down = wind_down
        self.cleanup = cleanup
        self.signum: int | None = None
        self._said = threading.Lock()
        self._active = False
        self._finished = False

    def __enter__(self) -> SignalGuard:
        if threading.current_thread() is not threading.main_thread():
            return self
        self._active = True
        self._reader, writer = socket.socketpair()
        writer.setblocking(False)
        self._writer = writer
        self._wakeup = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        self._handlers = {s: signal.signal(s, self._raise) for s in EXIT_CODES}
        self._unraisable_hook = sys.unraisablehook
        sys.unraisablehook = self._raise_again
        threading.Thread(target=self._watch, name="signal-watchdog", daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        if not self._active:
            return
        for signum, handler in self._handlers.items():
            signal.signal(signum, handler)
        sys.unraisablehook = self._unraisable_hook
        signal.set_wakeup_fd(self._wakeup)
        if self.signum is None or self._finished:  # nothing left for the watchdog to do
            self._writer.close()

    def _raise(self, signum: int, frame) -> None:
        if self.signum is None:  # once: a second signal must not break the cleanup
            self.signum = signum
            raise Interrupted(signum)

    def _raise_again(self, unraisable) -> None:
        """Deliver again an interruption raised where it cannot propagate.

        A signal handled inside a garbage-collector callback (JAX has one) raises
        :class:`Interrupted` where Python can only report it; the signal is sent
        again, to be raised where the main thread next runs Python.
        """
        if isinstance(unraisable.exc_value, Interrupted) and not self._finished:
            self.signum = None
            signal.raise_signal(unraisable.exc_value.signum)
            return
        self._unraisable_hook(unraisable)

    def finish(self, interrupted: Interrupted) -> int:
        """Print the interruption's one line to stderr; return the exit code."""
        self._said.acquire()  # kept: the watchdog must not print it again
        print(interrupted, file=sys.stderr, flush=True)
        self._finished = True  # the main thread has cleaned up and is about to return
        return interrupted.exit_code

    def _watch(self) -> None:
        signum, deadline, winding_down = None, None, False
        while True:
            timeout = None if deadline is None else max(deadline - time.monotonic(), 0)
            self._reader.settimeout(timeout)
            try:
                data = self._reader.recv(1)
            except TimeoutError:
                if self.signum is None or winding_down:  # stuck in compiled code, or cleanup
                    break
                winding_down = True  # the main thread took the signal: let it clean up
                deadline = time.monotonic() + self.wind_down
                continue
            if not data:  # the guard closed: the main thread is done
                self._reader.close()
                return
            if data[0] not in EXIT_CODES:
                continue
            if signum is not None:  # a second signal: exit now
                break
            signum, deadline = data[0], time.monotonic() + self.grace
        self._force_exit(signum)

    def _force_exit(self, signum: int) -> None:
        self.cleanup()
        if self._said.acquire(blocking=False):  # the main thread has not said it
            print(Interrupted(signum), file=sys.stderr)
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(EXIT_CODES[signum])
