"""One variational fit's loop: PyMC's ``pm.fit`` under the stopping rule, how it ended.

Shared by mean-field ADVI (:mod:`inference.methods.advi`) and full-rank ADVI
(:mod:`inference.methods.fullrank_advi`): the optimiser, the stopping rule, the errors and the
file's
``vi_history`` group are the same; only the family of the approximation differs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import pymc as pm
import xarray as xr

from common.errors import StudyError
from inference.methods.shared.convergence import LossConvergence

__all__ = ["ADVIError", "model_order", "optimised", "pymc_fit", "vi_history"]

logger = logging.getLogger(__name__)


class ADVIError(StudyError, ValueError):
    """The optimisation diverged: its loss became NaN or infinite.

    ``option`` names the step size to lower (``--learning-rate`` by default).
    """

    def __init__(self, message: str, *, option: str = "--learning-rate"):
        super().__init__(message)
        self.option = option


def pymc_fit(
    model: pm.Model,
    rule: LossConvergence,
    *,
    method: type[pm.ADVI] | type[pm.FullRankADVI] = pm.ADVI,
    learning_rate: float,
    max_steps: int,
    mode: str,
    seed: int,
    progressbar: bool,
    initialise: Callable[[Any], None] | None = None,
):
    """``method().fit`` with Adam under ``rule``, one compiled step per Python call.

    ``initialise(group)``, if given, sets the approximation's parameters (the shared
    variables of its one group) before the fit starts.

    Returns
    -------
    approx : pymc.variational.approximations.Approximation
        The fitted approximation.
    loss : numpy.ndarray
        Negative ELBO per step.
    """
    with model:
        inference = method(random_seed=seed)
        if initialise is not None:
            initialise(inference.approx.groups[0])
        approx = inference.fit(
            max_steps,
            obj_optimizer=pm.adam(learning_rate=learning_rate),
            callbacks=[rule],
            progressbar=progressbar,
            backend=mode,
        )
    return approx, np.asarray(inference.hist)


def optimised(
    run,
    rule: LossConvergence,
    *,
    name: str,
    learning_rate: float,
    max_steps: int,
    option: str = "--learning-rate",
):
    """Call ``run()``, an optimisation under ``rule``, and judge how it ended.

    ``run`` returns a tuple whose last item is the loss per step. A NaN loss raises
    :class:`ADVIError` naming ``option`` (the step size to lower), an interrupted fit
    ``KeyboardInterrupt``; one that did not converge is logged as a warning.
    """
    try:
        result = run()
    except FloatingPointError:
        raise ADVIError(
            f"{name} diverged: its loss became NaN or infinite at learning rate {learning_rate:g}; "
            f"try a smaller learning rate, e.g. {learning_rate / 10:g}",
            option=option,
        ) from None
    loss = result[-1]
    if not rule.converged and len(loss) < max_steps:
        # pm.fit catches KeyboardInterrupt and returns the fit so far: not a result
        raise KeyboardInterrupt(f"{name} interrupted after {len(loss)} steps")
    if not rule.converged:
        logger.warning("%s reached max_steps=%d before the loss converged", name, max_steps)
    return result


def vi_history(loss: np.ndarray, converged: bool) -> xr.Dataset:
    """Build the file's ``vi_history`` group: the loss per step and how the fit ended."""
    return xr.Dataset(
        {"loss": ("iteration", loss)},
        attrs={
            "converged": int(converged),
            "objective": "negative ELBO",
            "gradient_evaluations": len(loss),  # one Monte Carlo sample per step
        },
    )


def model_order(model: pm.Model, group) -> np.ndarray:
    """Return where each raveled value variable sits in an approximation group's vector.

    Indexing the group's flat vector by the result gives the model's order
    (:func:`inference.methods.shared.gaussian.ravel_point`).
    """
    ordering = group.ordering
    return np.concatenate(
        [np.arange(ordering[v.name][1].stop)[ordering[v.name][1]] for v in model.value_vars]
    )
