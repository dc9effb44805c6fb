"""How much each chain deserves in a pooled prediction: stacking of their PSIS-LOO densities.

Each chain of a multimodal posterior is taken as a model of its own; its leave-one-out
predictive densities on the training rows (PSIS-LOO, arviz-stats' smoothing) are stacked
(Yao, Vehtari & Gelman 2022), so chains stuck in poorer modes get little weight. It needs
the training rows' log-likelihood per draw, computed from the file alone.
"""

from __future__ import annotations

import warnings

import arviz_stats as azs
import numpy as np
import xarray as xr
from arviz_stats.base import array_stats
from arviz_stats.utils import ELPDDataLOO
from scipy.special import logsumexp

__all__ = ["chain_loo", "stacking_weights"]


def chain_loo(loglik: xr.DataArray) -> list[ELPDDataLOO]:
    """PSIS-LOO of each chain taken as a model of its own, each row's weights smoothed once.

    Per chain, arviz-stats' Pareto-smoothed log weights (``psislw``) of every training
    row at once, over the chain's draws (one chain: a relative efficiency of 1, as
    ``arviz_stats.loo`` takes it); then the pointwise elpd, its sum, standard error and
    effective number of parameters as ``arviz_stats.loo`` computes them. It equals
    ``arviz_stats.loo`` of each chain alone, which smooths every row's weights twice.

    Parameters
    ----------
    loglik : xarray.DataArray
        Each training row's log-likelihood per draw, dims ``(chain, draw, obs)``.

    A chain that hardly moved (so few distinct values that no Pareto tail is left to
    smooth: arviz-stats refuses it) gets plain importance-sampling LOO, with k̂ infinite
    on every row: its estimate stands, marked unreliable.

    Returns
    -------
    list of arviz_stats.utils.ELPDDataLOO
        One per chain, pointwise (``elpd_i``, ``pareto_k``).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ll = np.random.default_rng(4).normal(-0.3, 0.05, (2, 100, 20))
    >>> loo = chain_loo(xr.DataArray(ll, dims=("chain", "draw", "obs")))
    >>> [round(float(r.elpd), 2) for r in loo]
    [-6.02, -6.03]
    """
    draws = loglik.sizes["draw"]
    good_k = min(1 - 1 / np.log10(draws), 0.7) if draws > 1 else 0.7
    results = []
    for c in range(loglik.sizes["chain"]):  # one chain at a time: a chain's memory at most
        chain = loglik.isel(chain=c).transpose("obs", "draw")
        ll = chain.to_numpy()
        try:
            with warnings.catch_warnings():  # a chain's k-hat warnings are not the point here
                warnings.simplefilter("ignore")
                log_weights, khat = chain.azstats.psislw(r_eff=1.0, dim=["draw"])
            log_weights = log_weights.transpose("obs", "draw").to_numpy()
        except ValueError:  # a chain that hardly moved: repeated values leave no Pareto tail
            log_weights = -ll - logsumexp(-ll, axis=-1, keepdims=True)  # plain IS-LOO
            khat = xr.DataArray(np.full(ll.shape[0], np.inf), dims="obs")  # not reliable
        elpd_i = logsumexp(log_weights + ll, axis=-1)
        p_loo_i = logsumexp(ll, b=1 / draws, axis=-1) - elpd_i
        elpd, se, p, _ = array_stats.loo_summary(elpd_i, p_loo_i)
        results.append(
            ELPDDataLOO(
                elpd=elpd,
                se=se,
                p=p,
                n_samples=draws,
                n_data_points=ll.shape[0],
                scale="log",
                warning=bool(np.any(khat > good_k)),
                good_k=good_k,
                elpd_i=xr.DataArray(elpd_i, dims="obs", name="elpd_i"),
                pareto_k=khat.rename("pareto_k"),
            )
        )
    return results


def stacking_weights(loglik: xr.DataArray) -> np.ndarray:
    """Stacking weights of the chains from their PSIS-LOO predictive densities.

    Each chain is taken as a model of its own: its PSIS-LOO on the training rows
    (:func:`chain_loo`), then stacking (``arviz_stats.compare(method="stacking")``, Yao,
    Vehtari & Gelman 2022): the weights that maximise the leave-one-out log score of the
    mixture of the chains. Chains stuck in poorer modes get little weight.

    Parameters
    ----------
    loglik : xarray.DataArray
        Each training row's log-likelihood per draw, dims ``(chain, draw, obs)``.

    Returns
    -------
    numpy.ndarray
        One weight per chain, summing to 1.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> rng = np.random.default_rng(3)
    >>> ll = rng.normal(-0.3, 0.05, (3, 200, 60))
    >>> ll[2] -= 0.5  # chain 2 fits every row worse
    >>> w = stacking_weights(xr.DataArray(ll, dims=("chain", "draw", "obs")))
    >>> bool(abs(w.sum() - 1) < 1e-9), bool(w[2] < 0.01)
    (True, True)
    """
    chains = loglik.sizes["chain"]
    if chains < 2:
        return np.ones(chains)
    models = {str(c): result for c, result in enumerate(chain_loo(loglik))}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = azs.compare(models, method="stacking")
    return np.array([float(table.loc[str(c), "weight"]) for c in range(chains)])
