"""Mean-field ADVI with Adam, stopped by a convergence rule on the loss."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pymc as pm
import xarray as xr
from pymc.variational.callbacks import Callback

logger = logging.getLogger(__name__)


class LossConvergence(Callback):
    """Stop when the windowed mean loss stops falling.

    Every ``window`` steps the mean loss of the latest window is compared with
    the mean of the window before it; the fit stops once the relative decrease
    is below ``tolerance`` for ``patience`` checks in a row.

    Parameters
    ----------
    window : int
        Steps per window.
    tolerance : float
        Relative decrease of the window mean regarded as no progress.
    patience : int
        Consecutive checks without progress before stopping.
    """

    def __init__(self, *, window: int = 1000, tolerance: float = 1e-3, patience: int = 2):
        self.window = window
        self.tolerance = tolerance
        self.patience = patience
        self.stalled = 0
        self.converged = False

    def __call__(self, approx, loss, i) -> None:  # noqa: D102
        if i < 2 * self.window or (i + 1) % self.window:
            return
        current = np.mean(loss[i + 1 - self.window : i + 1])
        previous = np.mean(loss[i + 1 - 2 * self.window : i + 1 - self.window])
        decrease = (previous - current) / abs(previous)
        self.stalled = self.stalled + 1 if decrease < self.tolerance else 0
        if self.stalled >= self.patience:
            self.converged = True
            raise StopIteration(
                f"loss converged after {i + 1} steps (window mean {current:.2f}, "
                f"relative decrease {decrease:.2e} < {self.tolerance:g})"
            )


@dataclass(frozen=True)
class ADVIFit:
    """Result of :func:`fit_advi`.

    Attributes
    ----------
    posterior : xarray.Dataset
        ``draws`` draws of the model's free variables from the fitted
        approximation, as one chain: dims ``(chain, draw, ...)``.
    loss : numpy.ndarray
        Negative ELBO per step.
    converged : bool
        Whether the convergence rule stopped the fit before ``max_steps``.
    """

    posterior: xr.Dataset
    loss: np.ndarray
    converged: bool


def fit_advi(
    model: pm.Model,
    *,
    learning_rate: float = 0.01,
    max_steps: int = 100_000,
    window: int = 1000,
    tolerance: float = 1e-3,
    draws: int = 1000,
    random_seed: int | None = None,
    progressbar: bool = False,
) -> ADVIFit:
    """Fit a mean-field normal approximation by ADVI with the Adam optimiser.

    Parameters
    ----------
    model : pymc.Model
        The network from :func:`inference.model.build_model` (any model with
        continuous free variables works).
    learning_rate : float
        Adam's step size.
    max_steps : int
        Upper bound on optimisation steps.
    window, tolerance : int, float
        The stopping rule, see :class:`LossConvergence`.
    draws : int
        Draws taken from the approximation.
    random_seed : int, optional
        Seeds the fit and the draws.
    progressbar : bool
        Show progress on the terminal.

    Returns
    -------
    ADVIFit
    """
    fit_seed, draw_seed = np.random.SeedSequence(random_seed).generate_state(2)
    rule = LossConvergence(window=window, tolerance=tolerance)
    with model:
        advi = pm.ADVI(random_seed=int(fit_seed))
        approx = advi.fit(
            max_steps,
            obj_optimizer=pm.adam(learning_rate=learning_rate),
            callbacks=[rule],
            progressbar=progressbar,
        )
    if not rule.converged:
        logger.warning("ADVI reached max_steps=%d before the loss converged", max_steps)
    tree = approx.sample(draws, random_seed=int(draw_seed))
    posterior = tree["posterior"].to_dataset()[[rv.name for rv in model.free_RVs]]
    return ADVIFit(posterior=posterior, loss=np.asarray(advi.hist), converged=rule.converged)
