"""Mean-field ADVI with Adam, stopped by a convergence rule on the loss.

The method ``"advi"`` of :data:`inference.methods.registry.METHODS`: :func:`fit_advi` fits the
approximation, :func:`fit` turns it into the groups of a posterior file.
"""

from __future__ import annotations

import logging

import numpy as np
import pymc as pm
import xarray as xr
from pymc.pytensorf import get_mode
from scipy import stats

from inference.backends import jax_advi
from inference.backends.choice import compiled_by
from inference.backends.runtime import Runtime
from inference.methods.result import MethodFit
from inference.methods.shared.convergence import LossConvergence
from inference.methods.shared.vi_loop import ADVIError, optimised, pymc_fit, vi_history
from inference.model.variables import require_untransformed, value_dims

__all__ = ["ADVIError", "fit_advi"]

logger = logging.getLogger(__name__)


def _parameters(
    model: pm.Model, mean: dict[str, np.ndarray], sd: dict[str, np.ndarray]
) -> xr.Dataset:
    """Arrange the mean-field normal's mean and sd per variable, with the model's dims."""
    dims = value_dims(model)
    data = {name: (("stat", *dims[name]), np.stack([mean[name], sd[name]])) for name in mean}
    used = {d for dims, _ in data.values() for d in dims[1:] if d in model.coords}
    return xr.Dataset(
        data, coords={"stat": ["mean", "sd"]} | {d: list(model.coords[d]) for d in used}
    )


def _fit_pymc(model: pm.Model, rule: LossConvergence, **options):
    """Mean-field ADVI by :func:`pymc_fit`: the normal's mean and sd per variable."""
    approx, loss = pymc_fit(model, rule, **options)
    mean, sd = approx.mean.eval(), approx.std.eval()
    shaped = {
        name: (mean[where].reshape(shape), sd[where].reshape(shape))
        for name, (_, where, shape, _) in approx.groups[0].ordering.items()
    }
    return (
        {n: m for n, (m, _) in shaped.items()},
        {n: s for n, (_, s) in shaped.items()},
        loss,
    )


def _fit_jax(
    model: pm.Model, rule: LossConvergence, *, learning_rate, max_steps, seed, progressbar
):
    """Run the same algorithm with a window of steps per compiled JAX call."""
    return jax_advi.optimise(
        model,
        learning_rate=learning_rate,
        max_steps=max_steps,
        window=rule.window,
        stop=rule.check,
        random_seed=seed,
        progressbar=progressbar,
    )


def _draw(parameters: xr.Dataset, draws: int, rng: np.random.Generator) -> xr.Dataset:
    """Draw from the mean-field normal, as one chain: ``mean + sd * N(0, 1)`` per element."""
    data = {}
    for name, q in parameters.data_vars.items():
        mean, sd = q.sel(stat="mean").to_numpy(), q.sel(stat="sd").to_numpy()
        values = mean + sd * rng.standard_normal((1, draws, *mean.shape))
        data[name] = (("chain", "draw", *q.dims[1:]), values)
    coords = {"chain": [0], "draw": np.arange(draws)}
    return xr.Dataset(
        data, coords=coords | {d: parameters[d] for d in parameters.dims if d != "stat"}
    )


def _draw_log_densities(
    model: pm.Model, values: xr.Dataset, parameters: xr.Dataset, *, mode: str
) -> xr.Dataset:
    """Compute log p(θ, y) and log q(θ) for each draw of the unconstrained variables."""
    names = list(parameters.data_vars)
    stacked = {n: values[n].stack(sample=("chain", "draw")).transpose("sample", ...) for n in names}
    n_draws = values.sizes["chain"] * values.sizes["draw"]
    if mode == "jax":
        lp = jax_advi.log_density(model, {n: stacked[n].values for n in names})
    else:
        logp = model.compile_logp(mode=get_mode("cvm" if mode == "c" else mode))
        lp = np.array([logp({n: stacked[n].values[i] for n in names}) for i in range(n_draws)])
    log_q = sum(
        stats.norm.logpdf(
            stacked[n].values,
            parameters[n].sel(stat="mean").values,
            parameters[n].sel(stat="sd").values,
        )
        .reshape(n_draws, -1)
        .sum(axis=1)
        for n in names
    )
    shape = (values.sizes["chain"], values.sizes["draw"])
    return xr.Dataset(
        {
            "lp": (("chain", "draw"), lp.reshape(shape)),
            "log_q": (("chain", "draw"), log_q.reshape(shape)),
        },
        coords={"chain": values["chain"], "draw": values["draw"]},
    )


def fit_advi(
    model: pm.Model,
    *,
    runtime: Runtime | None = None,
    random_seed: int | None = None,
    progressbar: bool = False,
    learning_rate: float = 0.01,
    max_steps: int = 100_000,
    window: int = 1000,
    tolerance: float = 1e-3,
    draws: int = 1000,
) -> MethodFit:
    """Fit a mean-field normal approximation by ADVI with the Adam optimiser.

    Parameters
    ----------
    model : pymc.Model
        The network from :func:`inference.model.network.build_model` (any model whose
        free variables are continuous and untransformed works).
    runtime : Runtime, optional
        Its ADVI compile mode says how the optimisation runs: ``pm.fit`` with its step
        compiled by PyTensor's C (``"c"``) or numba backend, or (``"jax"``) the same
        algorithm with the model's log density compiled to JAX and a window of steps per
        compiled call (:mod:`inference.backends.jax_advi`). Default: the fastest installed.
    random_seed : int, optional
        Seeds the fit and the draws.
    progressbar : bool
        Show progress on the terminal.
    learning_rate : float
        Adam's step size.
    max_steps : int
        Upper bound on optimisation steps.
    window, tolerance : int, float
        The stopping rule, see :class:`LossConvergence`.
    draws : int
        Draws taken from the approximation.

    Returns
    -------
    MethodFit
        ``draws`` draws of the model's free variables from the fitted approximation, as
        one chain; ``sample_stats``: per draw ``lp``, the model's log density log p(θ, y),
        and ``log_q``, the approximation's log density log q(θ), both on the
        unconstrained scale (their difference is what PSIS needs); groups ``vi_history``
        (``loss (iteration)``: the negative ELBO per step; attrs ``converged``,
        ``objective``, ``gradient_evaluations``) and ``vi_parameters`` (the
        approximation itself: per free variable its ``mean`` and ``sd`` along dim
        ``stat``, unconstrained scale).

    Raises
    ------
    ADVIError
        The loss became NaN or infinite: the step size is too large.

    Examples
    --------
    >>> import pymc as pm
    >>> with pm.Model() as model:
    ...     mu = pm.Normal("mu", 0.0, 10.0)
    ...     _ = pm.Normal("y", mu, 1.0, observed=[2.9, 3.1, 3.0])
    >>> from inference.backends.runtime import Runtime
    >>> result = fit_advi(model, runtime=Runtime.resolve(advi_backend="c"), learning_rate=0.05,
    ...                   max_steps=3000, window=500, draws=200, random_seed=1)
    >>> result.posterior["mu"].dims
    ('chain', 'draw')
    >>> bool(abs(float(result.posterior["mu"].mean()) - 3.0) < 0.5)
    True
    """
    require_untransformed(model, who="fit_advi")
    mode = (runtime or Runtime.resolve()).advi_mode
    fit_seed, draw_seed = np.random.SeedSequence(random_seed).generate_state(2)
    rule = LossConvergence(window=window, tolerance=tolerance)
    options = {"learning_rate": learning_rate, "max_steps": max_steps, "seed": int(fit_seed)}
    if mode == "jax":
        run = lambda: _fit_jax(model, rule, progressbar=progressbar, **options)  # noqa: E731
    else:
        run = lambda: _fit_pymc(model, rule, mode=mode, progressbar=progressbar, **options)  # noqa: E731
    mean, sd, loss = optimised(
        run, rule, name="ADVI", learning_rate=learning_rate, max_steps=max_steps
    )
    parameters = _parameters(model, mean, sd)
    values = _draw(parameters, draws, np.random.default_rng(draw_seed))
    return MethodFit(
        posterior=values[[rv.name for rv in model.free_RVs]],
        sample_stats=_draw_log_densities(model, values, parameters, mode=mode),
        groups={"vi_history": vi_history(loss, rule.converged), "vi_parameters": parameters},
        # the JAX loop is this project's (inference.backends.jax_advi); the others are pm.fit's
        libraries=("rupture-bnn", *compiled_by(mode)) if mode == "jax" else compiled_by(mode),
        backend=mode,
    )
