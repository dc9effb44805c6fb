"""Draws from a Gaussian (or an equal-weight mixture of Gaussians) over a model's free variables.

What the Laplace approximation, the deep ensemble and full-rank ADVI have in common: each
fits one or more multivariate normals over the raveled unconstrained parameters, and the
posterior file holds draws from them with, per draw, the model's log density ``lp`` and
the approximation's ``log_q``, so PSIS k-hat judges them all alike.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pymc as pm
import xarray as xr
from pymc.blocking import DictToArrayBijection
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from inference.model.network import sample_prior
from inference.model.variables import value_dims

__all__ = [
    "mixture_draws",
    "prior_points",
    "ravel_point",
    "unravel_draws",
]


def prior_points(model: pm.Model, count: int, *, rng: np.random.Generator) -> np.ndarray:
    """Draw ``count`` points from the prior, raveled (:func:`ravel_point`): ``(count, n)``.

    Examples
    --------
    >>> import numpy as np, pymc as pm
    >>> with pm.Model() as model:
    ...     a = pm.Normal("a", shape=2)
    >>> prior_points(model, 3, rng=np.random.default_rng(0)).shape
    (3, 2)
    """
    names = [rv.name for rv in model.free_RVs]
    prior = sample_prior(model, draws=count, random_seed=rng, var_names=names)
    points = [{n: prior[n].values[0, k] for n in names} for k in range(count)]
    return np.stack([ravel_point(model, point) for point in points])


def ravel_point(model: pm.Model, point: dict) -> np.ndarray:
    """Ravel a point of the model's value variables in the model's own order.

    Examples
    --------
    >>> import pymc as pm
    >>> with pm.Model() as model:
    ...     a = pm.Normal("a", shape=2)
    ...     b = pm.Normal("b")
    >>> ravel_point(model, {"a": [1.0, 2.0], "b": 3.0, "other": 9.0})
    array([1., 2., 3.])
    """
    names = [v.name for v in model.value_vars]
    return DictToArrayBijection.map({n: np.asarray(point[n], dtype=float) for n in names}).data


def unravel_draws(model: pm.Model, flat: np.ndarray) -> xr.Dataset:
    """Turn raveled draws ``(chain, draw, n)`` into the model's free variables, with dims.

    Examples
    --------
    >>> import numpy as np, pymc as pm
    >>> with pm.Model(coords={"unit": ["a", "b"]}) as model:
    ...     w = pm.Normal("w", dims="unit")
    ...     s = pm.Normal("s")
    >>> draws = unravel_draws(model, np.arange(12.0).reshape(2, 2, 3))
    >>> draws["w"].dims, draws["s"].values.tolist()
    (('chain', 'draw', 'unit'), [[2.0, 5.0], [8.0, 11.0]])
    """
    initial = model.initial_point()
    names = [v.name for v in model.value_vars]
    template = DictToArrayBijection.map({n: initial[n] for n in names})
    chains, draws = flat.shape[:2]
    points = [
        DictToArrayBijection.rmap(template._replace(data=row))
        for row in flat.reshape(chains * draws, -1)
    ]
    dims = value_dims(model)
    return xr.Dataset(
        {
            n: (
                ("chain", "draw", *dims[n]),
                np.stack([p[n] for p in points]).reshape(chains, draws, *np.shape(initial[n])),
            )
            for n in names
        },
        coords={"chain": np.arange(chains), "draw": np.arange(draws)}
        | {d: list(model.coords[d]) for n in names for d in dims[n] if d in model.coords},
    )


def mixture_draws(
    model: pm.Model,
    means: Sequence[np.ndarray],
    covariances: Sequence[np.ndarray],
    *,
    draws: int,
    rng: np.random.Generator,
) -> tuple[xr.Dataset, xr.Dataset]:
    """Draw ``draws`` per component from an equal-weight mixture of normals; one chain each.

    Parameters
    ----------
    model : pymc.Model
        A model whose free variables are untransformed.
    means, covariances : sequences of numpy.ndarray
        Each component's mean ``(n,)`` and covariance ``(n, n)`` over the raveled value
        variables (:func:`ravel_point`'s order).
    draws : int
        Draws per component.
    rng : numpy.random.Generator
        The draws' randomness.

    Returns
    -------
    posterior : xarray.Dataset
        The free variables, dims ``(chain, draw, ...)``, one chain per component.
    draw_stats : xarray.Dataset
        ``lp`` (log p(θ, y)) and ``log_q`` (the mixture's log density) per draw.

    Examples
    --------
    >>> import numpy as np, pymc as pm
    >>> with pm.Model() as model:
    ...     mu = pm.Normal("mu", 0.0, 1.0, shape=2)
    >>> posterior, stats = mixture_draws(model, [np.zeros(2)], [np.eye(2)], draws=100,
    ...                                  rng=np.random.default_rng(0))
    >>> posterior["mu"].sizes
    Frozen({'chain': 1, 'draw': 100, 'mu_dim_0': 2})
    >>> gap = (stats["lp"] - stats["log_q"]).to_numpy()  # q is the prior here
    >>> bool(np.ptp(gap) < 1e-8)
    True
    """
    gaussians = [multivariate_normal(m, c) for m, c in zip(means, covariances, strict=True)]
    members, size = len(gaussians), len(means[0])
    flat = np.stack([g.rvs(size=draws, random_state=rng).reshape(draws, size) for g in gaussians])
    components = np.stack([g.logpdf(flat.reshape(-1, size)).reshape(-1) for g in gaussians])
    log_q = (logsumexp(components, axis=0) - np.log(members)).reshape(members, draws)
    posterior = unravel_draws(model, flat)
    logp = model.compile_logp()
    names = list(posterior.data_vars)
    lp = np.array(
        [
            [logp({n: posterior[n].values[c, d] for n in names}) for d in range(draws)]
            for c in range(members)
        ]
    )
    sample = {"chain": np.arange(members), "draw": np.arange(draws)}
    stats = xr.Dataset(
        {"lp": (("chain", "draw"), lp), "log_q": (("chain", "draw"), log_q)}, coords=sample
    )
    return posterior, stats
