"""Response curves: how P(propagate) changes with each feature, with a credible band.

Two estimates, both computed per posterior draw (so each comes with a band over draws)
and both in the dataset's physical units:

partial dependence (PD)
    The mean prediction over a fixed set of training simulations with one feature set
    to each grid value (Friedman 2001). Simple, but where features are correlated it
    averages over combinations the design never contains.
accumulated local effects (ALE)
    The local change of the prediction across small intervals of the feature, averaged
    over the simulations that lie in each interval, then summed (Apley & Zhu 2020): it
    stays on the design's own combinations, so it is the one to read for correlated
    features. Centred: 0 is the average prediction.

Each grid goes through the network once for all draws (as the permutation importance).
Draws are thinned evenly within chains to at most :data:`MAX_DRAWS`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from analysis.predictive.evaluator import Evaluator, evaluator
from analysis.predictive.metrics import SAMPLE_DIMS
from analysis.predictive.scenarios import feature_names, standardise, training_values

__all__ = [
    "CORRELATED",
    "MAX_DRAWS",
    "accumulated_local_effects",
    "averaged_prediction",
    "averaged_rows",
    "correlated_pairs",
    "curve_summary",
    "effect_sizes",
    "partial_dependence",
    "thin_draws",
]

#: Draws a response curve is computed from (evenly thinned within each chain).
MAX_DRAWS = 1000
#: |Spearman ρ| from which two features count as correlated in the design.
CORRELATED = 0.3
#: The grid spans these percentiles of each feature's training values.
SPAN = (5.0, 95.0)


def thin_draws(posterior: xr.Dataset, max_draws: int = MAX_DRAWS) -> xr.Dataset:
    """Keep every k-th draw of each chain, k the smallest giving at most ``max_draws``.

    Examples
    --------
    >>> from inference.testing import tiny_posterior_file
    >>> post = tiny_posterior_file(chains=2, draws=30)["posterior"].to_dataset()
    >>> thin_draws(post, 20).sizes["draw"]
    10
    """
    chains, draws = posterior.sizes["chain"], posterior.sizes["draw"]
    step = max(1, -(-chains * draws // max_draws))
    return posterior.isel(draw=slice(None, None, step))


def averaged_rows(values: pd.DataFrame, rows: int, *, random_state: int) -> np.ndarray:
    """Pick the training simulations a partial dependence averages over (seeded)."""
    rng = np.random.default_rng(random_state)
    return values.iloc[np.sort(rng.permutation(len(values))[:rows])].to_numpy()


def _evaluate(tree, network, posterior, X: np.ndarray) -> np.ndarray:
    """``p (chain, draw, row)`` for physical rows ``X``."""
    return network(posterior, standardise(tree, X), dim="row").to_numpy()


def averaged_prediction(
    tree: xr.DataTree, network: Evaluator, posterior: xr.Dataset, rows: np.ndarray, settings
) -> np.ndarray:
    """P(propagate) averaged over ``rows`` with columns set, per draw: ``(chain, draw, point)``.

    ``rows``: physical inputs ``(row, feature)``; ``settings``: column index to the values
    ``(point,)`` it takes at each point. All points go through the network in one pass.
    """
    points = len(next(iter(settings.values())))
    stacked = np.repeat(rows[None], points, axis=0)  # (point, row, feature)
    for column, values in settings.items():
        stacked[..., column] = np.asarray(values)[:, None]
    p = _evaluate(tree, network, posterior, stacked.reshape(-1, rows.shape[1]))
    return p.reshape(*p.shape[:2], points, len(rows)).mean(-1)


def partial_dependence(
    tree: xr.DataTree,
    *,
    points: int = 15,
    rows: int = 120,
    max_draws: int = MAX_DRAWS,
    random_state: int = 0,
    network: Evaluator | None = None,
) -> xr.DataArray:
    """Partial dependence of P(propagate) on each feature, per posterior draw.

    Parameters
    ----------
    tree : xarray.DataTree
        A posterior file.
    points : int
        Grid points per feature, evenly spaced between the 5th and 95th percentile of
        the feature's training values.
    rows : int
        Training simulations averaged over (a seeded subsample; all if fewer).
    max_draws : int
        Draws used (:func:`thin_draws`).
    random_state : int
        Seed of the subsample.
    network : callable, optional
        From :func:`analysis.predictive.evaluator.evaluator`.

    Returns
    -------
    xarray.DataArray
        ``pd (feature, point, chain, draw)``, with coordinate ``value (feature, point)``:
        the grid in physical units.
    """
    network = network or evaluator(tree)
    values = training_values(tree)
    posterior = thin_draws(tree["posterior"].to_dataset(), max_draws)
    chosen = averaged_rows(values, rows, random_state=random_state)
    lo, hi = np.percentile(values.to_numpy(), SPAN, axis=0)
    grid = np.linspace(lo, hi, points).T  # (feature, point)
    curves = [
        averaged_prediction(tree, network, posterior, chosen, {j: grid[j]})
        for j in range(values.shape[1])
    ]
    return _curves(np.stack(curves), grid, tree, posterior, name="pd").assign_attrs(
        rows=len(chosen)
    )


def _curves(values, grid, tree, posterior, *, name: str) -> xr.DataArray:
    """Wrap ``(feature, chain, draw, point)`` as ``(feature, point, chain, draw)``."""
    return xr.DataArray(
        np.moveaxis(values, -1, 1),
        dims=("feature", "point", *SAMPLE_DIMS),
        coords={
            "feature": feature_names(tree),
            "value": (("feature", "point"), grid),
            **{d: posterior[d] for d in SAMPLE_DIMS},
        },
        name=name,
    )


def _ale_one(tree, network, posterior, X: np.ndarray, j: int, edges: np.ndarray) -> np.ndarray:
    """Centred ALE of feature ``j`` at ``edges``, per draw: ``(chain, draw, edge)``."""
    bins = np.clip(np.searchsorted(edges, X[:, j], side="left"), 1, len(edges) - 1)
    keep = (X[:, j] >= edges[0]) & (X[:, j] <= edges[-1])
    rows, bins = X[keep], bins[keep]
    upper, lower = rows.copy(), rows.copy()
    upper[:, j], lower[:, j] = edges[bins], edges[bins - 1]
    p = _evaluate(tree, network, posterior, np.concatenate([upper, lower]))
    change = p[..., : len(rows)] - p[..., len(rows) :]
    counts = np.bincount(bins, minlength=len(edges))[1:]
    sums = np.stack([change[..., bins == k].sum(-1) for k in range(1, len(edges))], axis=-1)
    local = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    ale = np.concatenate([np.zeros((*local.shape[:2], 1)), np.cumsum(local, -1)], axis=-1)
    midpoints = (ale[..., 1:] + ale[..., :-1]) / 2
    return ale - (midpoints * counts).sum(-1, keepdims=True) / counts.sum()


def accumulated_local_effects(
    tree: xr.DataTree,
    *,
    points: int = 15,
    max_draws: int = MAX_DRAWS,
    network: Evaluator | None = None,
) -> xr.DataArray:
    """Accumulated local effects of each feature on P(propagate), per posterior draw.

    The feature's training values between its 5th and 95th percentile are cut into
    ``points - 1`` intervals at its quantiles; every training simulation in an interval
    is evaluated at both ends, for all draws in one pass per feature.

    Returns
    -------
    xarray.DataArray
        ``ale (feature, point, chain, draw)``, centred (its count-weighted mean is 0),
        with coordinate ``value (feature, point)``: the interval ends in physical units.
    """
    network = network or evaluator(tree)
    values = training_values(tree).to_numpy()
    posterior = thin_draws(tree["posterior"].to_dataset(), max_draws)
    quantiles = np.linspace(*SPAN, points)
    grid = np.stack([np.percentile(values[:, j], quantiles) for j in range(values.shape[1])])
    curves = [
        _ale_one(tree, network, posterior, values, j, grid[j]) for j in range(values.shape[1])
    ]
    return _curves(np.stack(curves), grid, tree, posterior, name="ale")


def curve_summary(curves: xr.DataArray, *, prob: float = 0.9) -> xr.Dataset:
    """Mean curve and its equal-tailed ``prob`` band over draws: ``mean``, ``lower``, ``upper``."""
    tail = (1 - prob) / 2
    bounds = curves.quantile([tail, 1 - tail], dim=SAMPLE_DIMS)
    return xr.Dataset(
        {
            "mean": curves.mean(SAMPLE_DIMS),
            "lower": bounds.isel(quantile=0, drop=True),
            "upper": bounds.isel(quantile=1, drop=True),
        },
        attrs={**curves.attrs, "prob": prob, "draws": curves.sizes["chain"] * curves.sizes["draw"]},
    )


def effect_sizes(curves: xr.DataArray, *, prob: float = 0.9) -> pd.DataFrame:
    """Each feature's effect: max − min of its mean curve, and the band of each draw's.

    Returns
    -------
    pandas.DataFrame
        Index the features, largest effect first; ``effect`` (range of the mean curve)
        and ``lower``, ``upper``: the ``prob`` interval of the range of each draw's curve.
    """
    mean = curves.mean(SAMPLE_DIMS)
    per_draw = curves.max("point") - curves.min("point")
    tail = (1 - prob) / 2
    bounds = per_draw.quantile([tail, 1 - tail], dim=SAMPLE_DIMS)
    table = pd.DataFrame(
        {
            "effect": (mean.max("point") - mean.min("point")).to_numpy(),
            "lower": bounds.isel(quantile=0).to_numpy(),
            "upper": bounds.isel(quantile=1).to_numpy(),
        },
        index=pd.Index([str(f) for f in curves["feature"].values], name="feature"),
    )
    return table.sort_values("effect", ascending=False)


def correlated_pairs(tree: xr.DataTree, *, threshold: float = CORRELATED) -> pd.DataFrame:
    """Pairs of features whose training values have |Spearman ρ| ≥ ``threshold``.

    Returns
    -------
    pandas.DataFrame
        Columns ``a``, ``b``, ``spearman``; strongest first (empty if none).
    """
    rho = training_values(tree).corr(method="spearman")
    names = list(rho.index)
    pairs = [
        (a, b, float(rho.loc[a, b]))
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if abs(rho.loc[a, b]) >= threshold
    ]
    table = pd.DataFrame(pairs, columns=["a", "b", "spearman"])
    return table.reindex(table["spearman"].abs().sort_values(ascending=False).index).reset_index(
        drop=True
    )
