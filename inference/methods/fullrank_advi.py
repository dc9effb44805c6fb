"""Full-rank ADVI: a multivariate normal over all parameters, fitted by PyMC's ``pm.fit``.

The method ``"fullrank_advi"`` of :data:`inference.methods.registry.METHODS`. The approximation
is ``pm.FullRankADVI``'s normal with a dense covariance (a Cholesky factor learned by
Adam), so it can represent the correlations between weights that mean-field ADVI cannot.

On this network full-rank ADVI started as PyMC starts it (the model's initial point, a
saddle of the ReLU network, and an identity Cholesky factor) does not reach mean-field
ADVI's ELBO in 40,000 steps at any step size tried: Adam moves each of the 7,381 Cholesky
entries by about one step size per step, so a mean-field step size turns the factor
into noise. So the fit has two stages: mean-field ADVI (:func:`inference.methods.advi.fit_advi`,
the run's ADVI options), then full-rank ADVI started at its mean with its sds as a
diagonal Cholesky factor, at the smaller step size ``fullrank_learning_rate``, under the
same stopping rule. Both stages' losses are kept in ``vi_history``. Draws keep ``lp`` and
``log_q`` (:func:`inference.methods.shared.gaussian.mixture_draws`) for PSIS k-hat.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import xarray as xr

from inference.backends.choice import compiled_by
from inference.backends.runtime import Runtime
from inference.methods.advi import fit_advi
from inference.methods.result import MethodFit
from inference.methods.shared.convergence import LossConvergence
from inference.methods.shared.gaussian import mixture_draws
from inference.methods.shared.vi_loop import model_order, optimised, pymc_fit, vi_history
from inference.model.variables import require_untransformed

__all__ = ["fit_fullrank_advi"]


def _in_model_order(model: pm.Model, approx) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of the fitted normal, raveled in the model's value-variable order."""
    index = model_order(model, approx.groups[0])
    mean, cov = approx.mean.eval(), approx.cov.eval()
    return mean[index], cov[np.ix_(index, index)]


def _warm_start(model: pm.Model, parameters: xr.Dataset):
    """Set a full-rank group to the mean-field normal ``parameters`` (mean, sd per variable)."""

    def initialise(group) -> None:
        stat = {
            s: np.concatenate(
                [parameters[name].sel(stat=s).to_numpy().ravel() for name in group.ordering]
            )
            for s in ("mean", "sd")
        }
        rho = np.log(np.expm1(stat["sd"]))  # the factor's diagonal is softplus(rho)
        group.params_dict["mu"].set_value(stat["mean"])
        group.params_dict["L_tril"].set_value(np.diag(rho)[np.tril_indices(rho.size)])

    return initialise


def fit_fullrank_advi(
    model: pm.Model,
    *,
    runtime: Runtime | None = None,
    random_seed: int | None = None,
    progressbar: bool = False,
    learning_rate: float = 0.01,
    fullrank_learning_rate: float = 1e-4,
    max_steps: int = 100_000,
    window: int = 1000,
    tolerance: float = 1e-3,
    draws: int = 1000,
) -> MethodFit:
    """Fit a full-rank normal approximation by ADVI with Adam and draw from it.

    Parameters
    ----------
    model : pymc.Model
        A model whose free variables are untransformed (the network; any Gaussian model).
    runtime : Runtime, optional
        Its ADVI compile mode runs the mean-field stage; the full-rank stage runs
        ``pm.fit`` on numba where that is ``"jax"``. Default: the fastest installed.
    random_seed : int, optional
        Seeds the fit and the draws.
    progressbar : bool
        Show progress on the terminal.
    learning_rate, max_steps, window, tolerance
        The mean-field stage, as :func:`inference.methods.advi.fit_advi`; ``max_steps``,
        ``window`` and ``tolerance`` bound and stop the full-rank stage too.
    fullrank_learning_rate : float
        Adam's step size in the full-rank stage.
    draws : int
        Draws from the fitted normal, as one chain.

    Returns
    -------
    MethodFit
        The free variables, dims ``(chain, draw, ...)``, one chain; ``sample_stats``:
        ``lp`` and ``log_q`` per draw; group ``vi_history``: the loss per step of both
        stages and how the full-rank stage ended
        (:func:`inference.methods.shared.vi_loop.vi_history`), attr ``meanfield_steps``.

    Examples
    --------
    A Gaussian posterior with correlated parameters: its covariance is recovered.

    >>> import numpy as np, pymc as pm
    >>> cov = np.array([[1.0, 0.8], [0.8, 1.0]])
    >>> with pm.Model() as model:
    ...     _ = pm.MvNormal("theta", mu=np.zeros(2), cov=cov)
    >>> from inference.backends.runtime import Runtime
    >>> fit = fit_fullrank_advi(
    ...     model, runtime=Runtime.resolve(advi_backend="c"), learning_rate=0.05,
    ...     fullrank_learning_rate=0.01, max_steps=6000, window=500, draws=4000, random_seed=1)
    >>> draws = fit.posterior["theta"].stack(s=("chain", "draw")).to_numpy()
    >>> bool(abs(np.corrcoef(draws)[0, 1] - 0.8) < 0.1)
    True
    """
    require_untransformed(model, who="fit_fullrank_advi")
    runtime = runtime or Runtime.resolve()
    mode = runtime.advi_mode
    fullrank_mode = "numba" if mode == "jax" else mode  # pm.fit's full-rank step has no JAX mode
    meanfield_seed, fit_seed, draw_seed = np.random.SeedSequence(random_seed).generate_state(3)
    meanfield = fit_advi(
        model,
        runtime=runtime,
        random_seed=int(meanfield_seed),
        progressbar=progressbar,
        learning_rate=learning_rate,
        max_steps=max_steps,
        window=window,
        tolerance=tolerance,
        draws=2,
    )
    meanfield_loss = meanfield.groups["vi_history"]["loss"].to_numpy()
    rule = LossConvergence(window=window, tolerance=tolerance)

    def run():
        return pymc_fit(
            model,
            rule,
            method=pm.FullRankADVI,
            learning_rate=fullrank_learning_rate,
            max_steps=max_steps,
            mode=fullrank_mode,
            seed=int(fit_seed),
            progressbar=progressbar,
            initialise=_warm_start(model, meanfield.groups["vi_parameters"]),
        )

    approx, loss = optimised(
        run,
        rule,
        name="full-rank ADVI",
        learning_rate=fullrank_learning_rate,
        max_steps=max_steps,
        option="--fullrank-learning-rate",
    )
    mean, cov = _in_model_order(model, approx)
    posterior, stats = mixture_draws(
        model, [mean], [cov], draws=draws, rng=np.random.default_rng(draw_seed)
    )
    history = vi_history(np.concatenate([meanfield_loss, loss]), rule.converged)
    history.attrs["meanfield_steps"] = len(meanfield_loss)
    return MethodFit(
        posterior=posterior,
        sample_stats=stats,
        groups={"vi_history": history},
        libraries=tuple(dict.fromkeys(compiled_by(fullrank_mode) + meanfield.libraries)),
        backend=mode if mode == fullrank_mode else f"{mode}, then {fullrank_mode}",
    )
