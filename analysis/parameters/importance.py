"""Permutation feature importance with posterior uncertainty (the paper's Fig. 6).

For each feature, ``n_repeats`` seeded shuffles of its test column; each shuffled
test set goes through the network once for all posterior draws. The drop in
weighted F1 is computed per draw, so its spread carries the posterior
uncertainty as well as the shuffling noise.
"""

from __future__ import annotations

import arviz_stats as azs
import numpy as np
import xarray as xr

from analysis.predictive.evaluator import Evaluator, evaluator, weighted_f1_per_draw
from analysis.predictive.metrics import SAMPLE_DIMS


def _class_std(p: np.ndarray, mask_arrest: np.ndarray, mask_propagate: np.ndarray):
    """Mean predictive std of the arrests and of the propagations; ``p (chain, draw, test)``."""
    std = p.std(axis=(0, 1))
    return std[mask_arrest].mean(), std[mask_propagate].mean()


def permutation_importance(
    tree: xr.DataTree,
    *,
    n_repeats: int = 10,
    threshold: float = 0.5,
    random_state: int = 0,
    network: Evaluator | None = None,
) -> xr.Dataset:
    """Permutation importance of each feature on the test set, per posterior draw.

    Parameters
    ----------
    tree : xarray.DataTree
        A posterior file.
    n_repeats : int
        Shuffles per feature.
    threshold : float
        Probability above which a draw predicts "propagates".
    random_state : int
        Seed; the shuffles are drawn up front, so results do not depend on order.
    network : callable, optional
        From :func:`analysis.predictive.evaluator.evaluator`, to skip compiling again.

    Returns
    -------
    xarray.Dataset
        ``f1_drop (feature, repeat, chain, draw)``: baseline minus shuffled weighted F1
        of each draw's classification; ``f1_drop_mean (feature, repeat)``: the same for
        the posterior-mean classifier; ``std_arrest`` and ``std_propagate (feature,
        repeat)``: mean predictive std over the test simulations correctly classified
        as arrest (TN) and as propagate (TP) at baseline. Baselines are in ``attrs``.
    """
    network = network or evaluator(tree)
    X = tree["predictions_constant_data"]["X"].to_numpy()
    y = tree["predictions_constant_data"]["y"].to_numpy()
    base = tree["predictions"]["p"]
    base_mean = base.mean(SAMPLE_DIMS).to_numpy() > threshold
    tn, tp = ~base_mean & (y == 0), base_mean & (y == 1)
    features = tree["predictions_constant_data"]["feature"].to_numpy()
    rng = np.random.default_rng(random_state)
    orders = rng.permuted(np.tile(np.arange(len(y)), (len(features), n_repeats, 1)), axis=-1)
    base_f1 = weighted_f1_per_draw(base.to_numpy() > threshold, y)
    base_f1_mean = float(weighted_f1_per_draw(base_mean, y))
    shape = (len(features), n_repeats)
    drop = np.empty(shape + base_f1.shape)
    drop_mean, std_arrest, std_propagate = np.empty(shape), np.empty(shape), np.empty(shape)
    for f in range(len(features)):
        for r in range(n_repeats):
            shuffled = X.copy()
            shuffled[:, f] = X[orders[f, r], f]
            p = network(tree["posterior"], shuffled).transpose(*SAMPLE_DIMS, ...).to_numpy()
            drop[f, r] = base_f1 - weighted_f1_per_draw(p > threshold, y)
            drop_mean[f, r] = base_f1_mean - weighted_f1_per_draw(
                p.mean(axis=(0, 1)) > threshold, y
            )
            std_arrest[f, r], std_propagate[f, r] = _class_std(p, tn, tp)
    base_arrest, base_propagate = _class_std(base.transpose(*SAMPLE_DIMS, ...).to_numpy(), tn, tp)
    coords = {"feature": features, "repeat": np.arange(n_repeats)}
    return xr.Dataset(
        {
            "f1_drop": (("feature", "repeat", *SAMPLE_DIMS), drop),
            "f1_drop_mean": (("feature", "repeat"), drop_mean),
            "std_arrest": (("feature", "repeat"), std_arrest),
            "std_propagate": (("feature", "repeat"), std_propagate),
        },
        coords=coords | {d: base[d] for d in SAMPLE_DIMS},
        attrs={
            "threshold": threshold,
            "n_repeats": n_repeats,
            "random_state": random_state,
            "baseline_f1": base_f1_mean,
            "baseline_std_arrest": float(base_arrest),
            "baseline_std_propagate": float(base_propagate),
        },
    )


def importance_summary(result: xr.Dataset, *, ci_prob: float = 0.94) -> xr.Dataset:
    """Mean and equal-tailed interval of the F1 drop per feature, and the class stds.

    Returns
    -------
    xarray.Dataset
        Dim ``feature`` (sorted by mean drop, largest first): ``f1_drop``,
        ``f1_drop_lower``, ``f1_drop_upper``, ``f1_drop_mean``, ``std_arrest``,
        ``std_propagate``; the interval is arviz-stats' equal-tailed one (``azs.eti``).

    Examples
    --------
    >>> from inference.testing import tiny_posterior_file
    >>> result = permutation_importance(tiny_posterior_file(), n_repeats=3)
    >>> summary = importance_summary(result, ci_prob=0.9)
    >>> bool((summary["f1_drop_lower"] <= summary["f1_drop_upper"]).all())
    True
    """
    dims = ["repeat", *SAMPLE_DIMS]
    bounds = azs.eti(result["f1_drop"], prob=ci_prob, dim=dims)
    summary = xr.Dataset(
        {
            "f1_drop": result["f1_drop"].mean(dims),
            "f1_drop_lower": bounds.sel(ci_bound="lower", drop=True),
            "f1_drop_upper": bounds.sel(ci_bound="upper", drop=True),
            "f1_drop_mean": result["f1_drop_mean"].mean("repeat"),
            "std_arrest": result["std_arrest"].mean("repeat"),
            "std_propagate": result["std_propagate"].mean("repeat"),
        },
        attrs={**result.attrs, "ci_prob": ci_prob},
    )
    return summary.sortby("f1_drop", ascending=False)
