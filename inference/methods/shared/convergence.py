"""When ADVI stops: a rule on the windowed mean of its loss."""

from __future__ import annotations

import numpy as np
from pymc.variational.callbacks import Callback

from common import progress

__all__ = ["LossConvergence"]


class LossConvergence(Callback):
    """Stop when the windowed mean loss stops falling.

    Every ``window`` steps the mean loss of the latest window is compared with
    the mean of the window before it; the fit stops once the relative decrease
    is below ``tolerance`` for ``patience`` checks in a row. A NaN or infinite
    loss raises ``FloatingPointError`` (as ``pm.fit`` does for NaN).

    Parameters
    ----------
    window : int
        Steps per window.
    tolerance : float
        Relative decrease of the window mean regarded as no progress.
    patience : int
        Consecutive checks without progress before stopping.

    Examples
    --------
    >>> import numpy as np
    >>> rule = LossConvergence(window=10, tolerance=1e-3)
    >>> flat = np.full(40, 5.0)
    >>> rule.check(flat, 29) is None  # the first window without progress
    True
    >>> rule.check(flat, 39)  # the second in a row
    'loss converged after 40 steps (window mean 5.00, relative decrease 0.00e+00 < 0.001)'
    >>> rule.converged
    True
    """

    def __init__(self, *, window: int = 1000, tolerance: float = 1e-3, patience: int = 2):
        self.window = window
        self.tolerance = tolerance
        self.patience = patience
        self.stalled = 0
        self.converged = False
        self._finite_until = 0
        self.progress = progress.current()  # where each window's step and loss are shown

    def check(self, loss: np.ndarray, i: int) -> str | None:
        """Take the losses up to step ``i``; return why the fit stops, or None to go on."""
        if not np.isfinite(loss[self._finite_until :]).all():
            raise FloatingPointError(f"the ADVI loss is not finite before step {len(loss)}")
        self._finite_until = len(loss)
        if (i + 1) % self.window == 0:
            window_mean = f"{np.mean(loss[i + 1 - self.window : i + 1]):.1f}"
            self.progress.set(step=i + 1, window_mean_loss=window_mean)
        if i < 2 * self.window or (i + 1) % self.window:
            return None
        current = np.mean(loss[i + 1 - self.window : i + 1])
        previous = np.mean(loss[i + 1 - 2 * self.window : i + 1 - self.window])
        decrease = (previous - current) / abs(previous)
        self.stalled = self.stalled + 1 if decrease < self.tolerance else 0
        if self.stalled < self.patience:
            return None
        self.converged = True
        return (
            f"loss converged after {i + 1} steps (window mean {current:.2f}, "
            f"relative decrease {decrease:.2e} < {self.tolerance:g})"
        )

    def __call__(self, approx, loss, i) -> None:
        """Stop ``pm.fit`` (PyMC's callback protocol) once :meth:`check` gives a reason."""
        if (reason := self.check(loss, i)) is not None:
            raise StopIteration(reason)
