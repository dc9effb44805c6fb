"""Multi-path Pathfinder (Zhang, Carpenter, Gelman & Vehtari 2022) by BlackJAX.

The method ``"pathfinder"`` of :data:`inference.methods.registry.METHODS`. Each path is BlackJAX's
single-path Pathfinder (``blackjax.vi.pathfinder.approximate``: L-BFGS from a prior draw,
and along its path the normal approximation of largest ELBO) on the PyMC model's own log
density compiled to JAX. Each path's normal gives ``draws`` draws; the pool of all paths
is importance-resampled by Pareto-smoothed importance sampling (BlackJAX's
``psis_weights``) to ``draws`` final draws, one chain: the paper's Algorithm 2.

BlackJAX's own ``multi_approximate`` runs the paths under one ``vmap`` and uses one draw
count for the ELBO estimates and the pool; on this network that holds every path's
every iterate's ELBO draws in memory at once, so the paths run one after another here,
with :data:`ELBO_DRAWS` draws per ELBO estimate. Within a path, BlackJAX evaluates every
iterate's ELBO draws under one ``vmap`` too; the density given to it evaluates those
draws one after another (:func:`inference.backends.jax_model.one_batch_at_a_time`), each
for every iterate at once: 1.1 GB instead of 4.0 GB for a whole ``run``.

The file keeps what Pathfinder itself reports, in group ``pathfinder``: the pool's
``lp`` and ``log_q`` per path and draw (the importance ratios PSIS k-hat is computed
from), each path's best ``elbo`` and its L-BFGS ``iterations``; attr ``pareto_k`` is
BlackJAX's k-hat of the pool.
"""

from __future__ import annotations

import logging

import numpy as np
import pymc as pm
import xarray as xr

from inference.backends.jax_model import BLACKJAX, flat_logp, one_batch_at_a_time
from inference.backends.runtime import Runtime
from inference.methods.result import MethodFit
from inference.methods.shared.gaussian import prior_points, unravel_draws
from inference.model.variables import require_untransformed

__all__ = ["ELBO_DRAWS", "MAX_ITERATIONS", "fit_pathfinder"]

logger = logging.getLogger(__name__)

#: L-BFGS iterations per path at most (the paper's and pymc-extras' 1000).
MAX_ITERATIONS = 1000
#: Monte Carlo draws per ELBO estimate along a path (the paper's 5; pymc-extras' 10).
ELBO_DRAWS = 10


def _paths(model: pm.Model, starts: np.ndarray, *, draws: int, seed: int):
    """Run single-path Pathfinder from each start; the pool's draws, lp, log q; path info."""
    import jax
    import jax.numpy as jnp
    from blackjax.vi import pathfinder

    density = flat_logp(model)
    sequential = one_batch_at_a_time(density)

    approximate = jax.jit(
        lambda key, x0: pathfinder.approximate(
            key, sequential, x0, ELBO_DRAWS, maxiter=MAX_ITERATIONS
        )
    )
    sample = jax.jit(lambda key, state: pathfinder.sample(key, state, draws))
    evaluate = jax.jit(jax.vmap(density))
    pool, lp, log_q, elbo, iterations = [], [], [], [], []
    for k, key in enumerate(jax.random.split(jax.random.key(seed), len(starts))):
        fit_key, draw_key = jax.random.split(key)
        state, info = approximate(fit_key, jnp.asarray(starts[k]))
        phi, q = sample(draw_key, state)
        pool.append(np.asarray(phi))
        log_q.append(np.asarray(q))
        lp.append(np.asarray(evaluate(phi)))
        elbo.append(float(state.elbo))
        iterations.append(int(np.isfinite(np.asarray(info.path.elbo)).sum()))
    return np.stack(pool), np.stack(lp), np.stack(log_q), np.array(elbo), np.array(iterations)


def fit_pathfinder(
    model: pm.Model,
    *,
    runtime: Runtime | None = None,
    random_seed: int | None = None,
    progressbar: bool = False,
    draws: int = 1000,
    chains: int = 4,
) -> MethodFit:
    """Fit multi-path Pathfinder and draw from it by PSIS importance resampling.

    Parameters
    ----------
    model : pymc.Model
        A model whose free variables are untransformed (the network; any Gaussian model).
    runtime : Runtime, optional
        Unused: the paths run on the model's JAX log density, one after another.
    random_seed : int, optional
        Seeds the prior draws, the paths and the resampling.
    progressbar : bool
        Unused (BlackJAX shows none).
    draws : int
        Draws per path into the pool, and final draws resampled from it.
    chains : int
        Single-path Pathfinder runs (paths), each from its own prior draw.

    Returns
    -------
    MethodFit
        ``draws`` resampled draws of the free variables, one chain; ``sample_stats``:
        ``lp`` per draw, attr ``gradient_evaluations`` (L-BFGS iterations over the
        paths: a lower bound, line searches not counted); group ``pathfinder``: the pool
        (dims ``path``, ``pool_draw``): ``lp``, ``log_q``; per path ``elbo`` and
        ``iterations``; attrs ``pareto_k`` (BlackJAX's PSIS k-hat of the pool) and
        ``distinct_draws`` (how many pool draws the resampling kept).

    Examples
    --------
    A Gaussian posterior: Pathfinder's normal is exact, so the importance ratios are flat.

    >>> import numpy as np, pymc as pm
    >>> with pm.Model() as model:
    ...     mu = pm.Normal("mu", 0.0, 10.0, shape=2)
    ...     _ = pm.Normal("y", mu, 1.0, observed=np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> fit = fit_pathfinder(model, chains=2, draws=400, random_seed=1)
    >>> posterior, info = fit.posterior, fit.groups["pathfinder"]
    >>> posterior["mu"].sizes
    Frozen({'chain': 1, 'draw': 400, 'mu_dim_0': 2})
    >>> np.round(posterior["mu"].mean(("chain", "draw")).to_numpy(), 1)
    array([2., 3.])
    >>> bool(info.attrs["pareto_k"] < 0.5)
    True
    """
    import jax.numpy as jnp
    from blackjax.diagnostics import psis_weights

    require_untransformed(model, who="fit_pathfinder")
    paths = chains
    rng = np.random.default_rng(random_seed)
    starts = prior_points(model, paths, rng=rng)
    pool, lp, log_q, elbo, iterations = _paths(
        model, starts, draws=draws, seed=int(rng.integers(2**31))
    )
    log_weights, pareto_k = psis_weights(jnp.asarray((lp - log_q).ravel()))
    weights = np.exp(np.asarray(log_weights, dtype=float))
    chosen = rng.choice(weights.size, size=draws, replace=True, p=weights / weights.sum())
    posterior = unravel_draws(model, pool.reshape(-1, pool.shape[-1])[chosen][None])
    sample = {"chain": [0], "draw": np.arange(draws)}
    stats = xr.Dataset(
        {"lp": (("chain", "draw"), lp.ravel()[chosen][None])},
        coords=sample,
        attrs={"gradient_evaluations": int(iterations.sum())},
    )
    info = xr.Dataset(
        {
            "lp": (("path", "pool_draw"), lp),
            "log_q": (("path", "pool_draw"), log_q),
            "elbo": ("path", elbo),
            "iterations": ("path", iterations),
        },
        coords={"path": np.arange(paths), "pool_draw": np.arange(draws)},
        attrs={
            "pareto_k": float(pareto_k),
            "resampled": "PSIS, with replacement",
            "distinct_draws": len(np.unique(chosen)),
        },
    )
    logger.info("Pathfinder: %d paths, PSIS k-hat of the pool %.2f", paths, float(pareto_k))
    return MethodFit(
        posterior=posterior,
        sample_stats=stats,
        groups={"pathfinder": info},
        libraries=BLACKJAX,
        backend="jax",
    )
