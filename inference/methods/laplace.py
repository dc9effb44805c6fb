"""The Laplace approximation: a Gaussian at a posterior mode, with the log density's curvature.

The methods ``"laplace"`` (one mode) and ``"ensemble"`` (a deep ensemble: several modes,
each from its own prior draw, a Gaussian around each, their mixture) of
:data:`inference.methods.registry.METHODS`. The mode is found from a prior
draw by PyMC's ``find_MAP`` (:func:`inference.methods.shared.starts.map_starts`; the model's initial
point,
all weights zero, is a saddle of a ReLU network), the precision is minus the Hessian of the
model's own log density there (``Model.compile_d2logp``), and draws come from the Gaussian.
Each draw keeps ``lp`` (log p(θ, y)) and ``log_q`` (the Gaussian's log density), so the
approximation is judged by PSIS k-hat like ADVI's.

Where the Hessian is not negative definite (a ReLU network's curvature can be flat or
negative in some directions at a mode found numerically), its eigenvalues are floored at
:data:`MIN_PRECISION` and the count of floored directions is kept in the file.
"""

from __future__ import annotations

import logging

import numpy as np
import pymc as pm

from inference.backends.choice import compiled_by, default_mode
from inference.backends.runtime import Runtime
from inference.methods.result import MethodFit
from inference.methods.shared.gaussian import mixture_draws, ravel_point
from inference.methods.shared.starts import map_starts
from inference.model.variables import require_untransformed

__all__ = ["MIN_PRECISION", "fit_ensemble", "fit_laplace"]

logger = logging.getLogger(__name__)

#: Smallest precision kept along any direction (the prior's N(0, 1) has 1).
MIN_PRECISION = 1e-3


def _precision(hessian, mode: dict[str, np.ndarray]) -> tuple[np.ndarray, int]:
    """Minus the Hessian of the log density at ``mode``, eigenvalues floored; floored count."""
    values, vectors = np.linalg.eigh(-np.asarray(hessian(mode), dtype=float))
    floored = int(np.sum(values < MIN_PRECISION))
    values = np.maximum(values, MIN_PRECISION)
    return (vectors * values) @ vectors.T, floored


def fit_ensemble(
    model: pm.Model,
    *,
    runtime: Runtime | None = None,
    random_seed: int | None = None,
    progressbar: bool = False,
    draws: int = 1000,
    chains: int = 1,
) -> MethodFit:
    """Fit the Laplace approximation (or an ensemble of them) and draw from it.

    With ``chains`` > 1, each member is the Laplace approximation at its own mode, found
    from its own prior draw, and the approximation is their equal-weight mixture: a deep
    ensemble with a Gaussian around each member. Its draws are stored one chain per member;
    ``log_q`` is the mixture's density.

    Parameters
    ----------
    model : pymc.Model
        A model whose free variables are untransformed (the network; any Gaussian model).
    runtime : Runtime, optional
        Unused: ``find_MAP`` and the Hessian run in PyTensor's default mode.
    random_seed : int, optional
        Seeds the prior draws the modes are searched from, and the draws.
    progressbar : bool
        Unused.
    draws : int
        Draws from each member's Gaussian.
    chains : int
        Members: modes, one chain of draws each.

    Returns
    -------
    MethodFit
        The free variables, dims ``(chain, draw, ...)``, one chain per member;
        ``sample_stats``: ``lp`` and ``log_q`` per draw, attrs ``floored_directions``
        (Hessian eigenvalues raised to the floor, over the members), ``mode_lp`` (the
        highest log density at a member's mode) and ``members``. No gradient count:
        ``find_MAP`` does not report its optimiser's, so a comparison shows none.

    Examples
    --------
    A Gaussian posterior has one mode: three members find it, one chain of draws each.

    >>> import numpy as np, pymc as pm
    >>> with pm.Model() as model:
    ...     mu = pm.Normal("mu", 0.0, 10.0, shape=2)
    ...     _ = pm.Normal("y", mu, 1.0, observed=np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> fit = fit_ensemble(model, draws=50, chains=3, random_seed=1)
    >>> fit.posterior["mu"].sizes["chain"], fit.sample_stats.attrs["members"]
    (3, 3)
    """
    require_untransformed(model, who="fit_ensemble")
    members = chains
    rng = np.random.default_rng(random_seed)
    names = [v.name for v in model.value_vars]
    logp, hessian = model.compile_logp(), model.compile_d2logp(negate_output=False)
    means, covariances, floored, mode_lp = [], [], 0, -np.inf
    for start in map_starts(model, chains=members, random_seed=rng):
        mode = {n: np.asarray(start[n], dtype=float) for n in names}
        precision, count = _precision(hessian, mode)
        means.append(ravel_point(model, mode))
        covariances.append(np.linalg.inv(precision))
        floored, mode_lp = floored + count, max(mode_lp, float(logp(mode)))
    posterior, stats = mixture_draws(model, means, covariances, draws=draws, rng=rng)
    if floored:
        logger.warning("Laplace: %d directions of non-positive curvature floored", floored)
    stats.attrs.update(floored_directions=floored, mode_lp=mode_lp, members=members)
    mode = default_mode()  # compile_logp and find_MAP take PyTensor's default
    return MethodFit(
        posterior=posterior,
        sample_stats=stats,
        libraries=(*compiled_by(mode), "scipy"),
        backend=mode,
    )


def fit_laplace(
    model: pm.Model,
    *,
    runtime: Runtime | None = None,
    random_seed: int | None = None,
    progressbar: bool = False,
    draws: int = 1000,
) -> MethodFit:
    """Fit the Laplace approximation at one mode: :func:`fit_ensemble` of one member.

    Examples
    --------
    A Gaussian posterior is its own Laplace approximation: log p − log q is constant.

    >>> import numpy as np, pymc as pm
    >>> with pm.Model() as model:
    ...     mu = pm.Normal("mu", 0.0, 10.0, shape=2)
    ...     _ = pm.Normal("y", mu, 1.0, observed=np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> fit = fit_laplace(model, draws=200, random_seed=1)
    >>> fit.posterior["mu"].sizes
    Frozen({'chain': 1, 'draw': 200, 'mu_dim_0': 2})
    >>> gap = (fit.sample_stats["lp"] - fit.sample_stats["log_q"]).to_numpy()
    >>> bool(gap.max() - gap.min() < 1e-8)
    True
    """
    return fit_ensemble(model, random_seed=random_seed, draws=draws, chains=1)
