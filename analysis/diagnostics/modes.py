"""How far a pooled prediction from chains in different modes can be trusted.

A Bayesian network's chains settle in different modes, and no amount of sampling in one
chain moves it to another: R-hat across chains says only that they disagree. What a
reader needs instead (Sommer et al. 2024; Yao, Vehtari & Gelman 2022):

- whether each chain has converged *in its own mode* (:func:`per_chain_convergence`);
- the Monte Carlo error of the pooled predicted probability that comes from which modes
  the chains happened to find (:func:`pooled_mcse`), and whether adding chains still moves
  the pooled prediction (:func:`saturation`);
- how many distinct modes the chains found (:func:`group_modes`);
- how much each chain deserves in the pooled prediction: stacking weights from each
  chain's PSIS-LOO predictive densities on the training rows
  (:func:`analysis.diagnostics.stacking.stacking_weights`).

Everything takes the predicted probabilities ``p (chain, draw, test)`` of a posterior file
(and, for stacking, the training rows' log-likelihood), so it is computed from the file
alone.
"""

from __future__ import annotations

import arviz_stats as azs
import numpy as np
import pandas as pd
import xarray as xr
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from analysis.predictive.metrics import SAMPLE_DIMS, accuracy

__all__ = [
    "CHAIN_RHAT_MAX",
    "CHAIN_SHARE",
    "MCSE_TARGET",
    "accuracy_mcse",
    "chain_ess",
    "group_modes",
    "per_chain_convergence",
    "pooled_mcse",
    "saturation",
]

#: A chain has converged in its own mode when the within-chain R-hat of p is at most this
#: on at least :data:`CHAIN_SHARE` of the test simulations.
CHAIN_RHAT_MAX = 1.05
CHAIN_SHARE = 0.95
#: The pooled prediction is called stable when its mean Monte Carlo error is at most this.
MCSE_TARGET = 0.008
#: Two chains are in one mode when their mean predictions differ, in root mean square
#: over the test simulations, by at most this many of their own standard errors.
MODE_Z = 2.0


def _halves(p: xr.DataArray) -> xr.DataArray:
    """One chain's draws cut into two halves, as two chains (for a within-chain R-hat)."""
    half = p.sizes["draw"] // 2
    first = p.isel(draw=slice(0, half))
    second = p.isel(draw=slice(half, 2 * half)).assign_coords(draw=first["draw"])
    return xr.concat([first, second], dim="chain")


def chain_ess(p: xr.DataArray) -> xr.DataArray:
    """Bulk ESS of p within each chain, dims ``(chain, test)``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> draws = np.random.default_rng(0).uniform(size=(2, 100, 3))
    >>> p = xr.DataArray(draws, dims=("chain", "draw", "test"))
    >>> chain_ess(p).dims
    ('chain', 'test')
    """
    return xr.concat(
        [
            azs.ess(p.isel(chain=[c]), sample_dims=list(SAMPLE_DIMS))
            for c in range(p.sizes["chain"])
        ],
        dim="chain",
    ).transpose("chain", ...)


def per_chain_convergence(p: xr.DataArray, *, ess: xr.DataArray | None = None) -> pd.DataFrame:
    """Is each chain converged in its own mode? R-hat and ESS of p within each chain.

    The within-chain R-hat is arviz-stats' rank-normalised split R-hat of the chain cut
    into two halves (so, over its four quarters): near 1 when the chain's first and
    second halves, and their halves, describe the same distribution.

    Parameters
    ----------
    p : xarray.DataArray
        Predicted probabilities, dims ``(chain, draw, test)``.
    ess : xarray.DataArray, optional
        :func:`chain_ess` of ``p``, if computed already.

    Returns
    -------
    pandas.DataFrame
        Index ``chain``; columns ``max R-hat``, ``median R-hat``, ``share R-hat <= 1.05``
        (of the test simulations), ``min ESS``, ``median ESS`` (bulk ESS of the chain's
        own draws) and ``converged`` (the share is at least 95 %).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> rng = np.random.default_rng(0)
    >>> p = xr.DataArray(rng.uniform(size=(2, 200, 5)), dims=("chain", "draw", "test"))
    >>> p[1] = np.linspace(0, 1, 200)[:, None]  # chain 1 drifts: not converged
    >>> per_chain_convergence(p)["converged"].tolist()
    [True, False]
    """
    ess = chain_ess(p) if ess is None else ess
    rows = {}
    for c in range(p.sizes["chain"]):
        rhat = azs.rhat(_halves(p.isel(chain=[c])), sample_dims=list(SAMPLE_DIMS)).to_numpy()
        share = float(np.mean(rhat <= CHAIN_RHAT_MAX))
        rows[int(p["chain"][c]) if "chain" in p.coords else c] = {
            "max R-hat": float(np.nanmax(rhat)),
            "median R-hat": float(np.nanmedian(rhat)),
            "share R-hat <= 1.05": share,
            "min ESS": float(ess[c].min()),
            "median ESS": float(ess[c].median()),
            "converged": share >= CHAIN_SHARE,
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("chain")


def pooled_mcse(p: xr.DataArray) -> xr.DataArray:
    """Monte Carlo standard error of the pooled mean probability, from chain to chain.

    Each chain's mean prediction is taken as one independent estimate (chains started
    apart land in modes at random); the pooled mean's error is their standard deviation
    over the square root of the number of chains. It counts the error of which modes
    were found, which no within-chain ESS sees.

    Returns
    -------
    xarray.DataArray
        Dim ``test``; NaN with one chain.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> means = np.array([0.2, 0.4, 0.3, 0.5])  # four chains in four modes
    >>> p = xr.DataArray(np.repeat(means[:, None, None], 10, 1), dims=("chain", "draw", "test"))
    >>> round(float(pooled_mcse(p)[0]), 4)  # sd 0.1291 over sqrt(4)
    0.0645
    """
    chains = p.sizes["chain"]
    if chains < 2:
        return xr.full_like(p.isel(chain=0, draw=0, drop=True), np.nan, dtype=float)
    return p.mean("draw").std("chain", ddof=1) / np.sqrt(chains)


def accuracy_mcse(p: xr.DataArray, y: np.ndarray) -> float:
    """Monte Carlo standard error of the pooled prediction's test accuracy, chain by chain.

    The jackknife over chains: the accuracy of the prediction pooled over all chains but
    one, for each chain left out; the error is ``sqrt((C - 1) / C * sum((a_i - a_mean)^2))``.
    Like :func:`pooled_mcse`, it counts which modes the chains found; NaN with one chain.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> means = np.array([[0.1, 0.1], [0.6, 0.6], [0.6, 0.6], [0.6, 0.6]])  # (chain, test)
    >>> p = xr.DataArray(np.repeat(means[:, None, :], 5, 1), dims=("chain", "draw", "test"))
    >>> accuracy_mcse(p, np.array([1, 1]))  # one left out: accuracy 1, 0, 0, 0
    0.75
    >>> accuracy_mcse(p.isel(chain=[0]), np.array([1, 1]))
    nan
    """
    chains = p.sizes["chain"]
    if chains < 2:
        return float("nan")
    means = p.mean("draw").transpose("chain", ...).to_numpy()
    left_out = (means.sum(axis=0) - means) / (chains - 1)
    scores = ((left_out > 0.5) == np.asarray(y)).mean(axis=1)
    return float(np.sqrt((chains - 1) / chains * ((scores - scores.mean()) ** 2).sum()))


def saturation(
    p: xr.DataArray, y: np.ndarray, *, orders: int = 50, random_state: int = 0
) -> pd.DataFrame:
    """How the pooled prediction changes as chains are added (a saturation curve).

    For k = 1 … C chains, the prediction pooled over k chains is scored, averaged over
    ``orders`` random orders of the chains: test accuracy at 0.5, log loss, the mean
    |p̄_k − p̄_C| to the prediction of all chains, and the share of test simulations
    given the same class as by all chains (the log loss as scikit-learn's, of p clipped
    to [1e-12, 1 − 1e-12]). If the last chains still move it, more chains would too.

    Returns
    -------
    pandas.DataFrame
        Index ``chains`` (1 … C); columns ``accuracy``, ``log_loss``,
        ``mean_abs_diff_to_all``, ``agreement_with_all``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> rng = np.random.default_rng(1)
    >>> p = xr.DataArray(rng.uniform(size=(4, 50, 30)), dims=("chain", "draw", "test"))
    >>> curve = saturation(p, rng.integers(0, 2, 30))
    >>> curve.index.tolist(), round(float(curve["mean_abs_diff_to_all"].iloc[-1]), 12)
    ([1, 2, 3, 4], 0.0)
    """
    means = p.mean("draw").transpose("chain", ...).to_numpy()
    chains = means.shape[0]
    everything = means.mean(0)
    rng = np.random.default_rng(random_state)
    y = np.asarray(y)
    scores = np.zeros((chains, 4))
    for _ in range(orders):  # every k of one order at once
        cumulative = np.cumsum(means[rng.permutation(chains)], axis=0)
        pooled = cumulative / np.arange(1, chains + 1)[:, None]
        clipped = np.clip(pooled, 1e-12, 1 - 1e-12)
        scores += np.stack(
            [
                accuracy(pooled, y),
                -np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped), axis=-1),
                np.mean(np.abs(pooled - everything), axis=-1),
                np.mean((pooled > 0.5) == (everything > 0.5), axis=-1),
            ],
            axis=-1,
        )
    columns = ["accuracy", "log_loss", "mean_abs_diff_to_all", "agreement_with_all"]
    index = pd.RangeIndex(1, chains + 1, name="chains")
    return pd.DataFrame(scores / orders, index=index, columns=columns)


def group_modes(
    p: xr.DataArray, *, z: float = MODE_Z, ess: xr.DataArray | None = None
) -> np.ndarray:
    """Group chains whose predictions agree within their own Monte Carlo error.

    For two chains, the difference of their mean predictions on each test simulation
    is divided by its standard error (each chain's own: its sd over the square root of
    its ESS, :func:`chain_ess`, given or computed here); they agree
    when the root mean square of those over the test set is at most ``z``. Groups are
    formed by complete linkage: every two chains of a group agree.

    Returns
    -------
    numpy.ndarray
        A group number (1, 2, …) per chain; the number of distinct groups is the
        number of modes found.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> rng = np.random.default_rng(2)
    >>> centres = np.array([0.2, 0.2, 0.7])[:, None, None] + np.linspace(0, 0.1, 20)
    >>> draws = centres + rng.normal(0, 0.01, (3, 400, 20))
    >>> p = xr.DataArray(draws, dims=("chain", "draw", "test"))
    >>> group_modes(p).tolist()
    [1, 1, 2]
    """
    chains = p.sizes["chain"]
    if chains < 2:
        return np.ones(chains, dtype=int)
    means = p.mean("draw").transpose("chain", ...).to_numpy()
    ess = chain_ess(p) if ess is None else ess
    se = (p.std("draw", ddof=1).transpose("chain", ...) / np.sqrt(ess)).to_numpy()
    se = np.where(np.isfinite(se) & (se > 0), se, np.inf)
    diff = means[:, None, :] - means[None, :, :]
    scale = np.sqrt(se[:, None, :] ** 2 + se[None, :, :] ** 2)
    rms = np.sqrt(np.mean((diff / scale) ** 2, axis=-1))
    np.fill_diagonal(rms, 0.0)
    tree = linkage(squareform(rms, checks=False), method="complete")
    return fcluster(tree, t=z, criterion="distance").astype(int)
