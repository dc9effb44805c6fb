"""Intervals of a comparison's headline numbers from the reference's chain-to-chain variation.

Each number of one file against the reference is recomputed with one of the reference's
chains left out at a time (:func:`analysis.comparison.jackknife.leave_one_chain_out`); the numbers
are
those of :mod:`analysis.comparison.pairwise`, on fewer chains.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from analysis.comparison.jackknife import exceeds_spread, leave_one_chain_out
from analysis.comparison.pairwise import align_to, prediction_agreement, sd_ratio
from analysis.diagnostics.by_draw_kind import draw_kind
from analysis.diagnostics.modes import pooled_mcse
from analysis.file_analysis import RunAnalysis
from analysis.predictive.metrics import predictive_moments

__all__ = ["INTERVAL_NULLS", "reference_intervals"]

#: The comparison's headline numbers that carry an interval from the reference's chains,
#: with their values if the two runs differed only by the reference's own error (the mean
#: |Δp̄|'s is computed from that error: see :func:`reference_intervals`).
INTERVAL_NULLS = {
    "accuracy_difference": 0.0,
    "mean_abs_diff": None,
    "std_ratio": 1.0,
    "class_agreement": 1.0,
    "mean_sd_ratio_w0": 1.0,
    "mean_sd_ratio_w1": 1.0,
    "kendall_tau_importance": 1.0,
}


def _reference(a: RunAnalysis, b: RunAnalysis) -> int | None:
    """Which of the two runs is the reference: Markov chains (two or more), ``b`` first."""
    for index, run in ((1, b), (0, a)):
        if draw_kind(run.tree) == "markov" and run.tree["predictions"].sizes["chain"] >= 2:
            return index
    return None


def _headline_numbers(a: RunAnalysis, b: RunAnalysis, *, chains_a, chains_b) -> dict:
    """Compute the headline numbers of ``a`` against ``b``, each over the listed chains."""
    ma = predictive_moments(a.tree, chains=chains_a)
    mb = predictive_moments(b.tree, chains=chains_b)
    y = ma["y"].to_numpy() == 1
    accuracy = [float(np.mean((m["mean"].to_numpy() > 0.5) == y)) for m in (ma, mb)]
    pa = a.aligned.isel(chain=chains_a)
    pb = align_to(pa, b.aligned.isel(chain=chains_b))
    drops = [
        run.importance_chains.isel(chain=keep).mean("chain").sortby("feature")
        for run, keep in ((a, chains_a), (b, chains_b))
    ]
    agreement = prediction_agreement(ma, mb)
    return {
        "accuracy_difference": accuracy[0] - accuracy[1],
        "mean_abs_diff": agreement["mean_abs_diff"],
        "std_ratio": agreement["std_ratio"],
        "class_agreement": agreement["class_agreement"],
        "mean_sd_ratio_w0": float(sd_ratio(pa["w0"], pb["w0"]).mean()),
        "mean_sd_ratio_w1": float(sd_ratio(pa["w1"], pb["w1"]).mean()),
        "kendall_tau_importance": float(kendalltau(drops[0], drops[1]).statistic),
    }


def reference_intervals(a: RunAnalysis, b: RunAnalysis) -> tuple[str, pd.DataFrame] | None:
    """Intervals of the headline numbers from the reference's chain-to-chain variation.

    The reference is the run with Markov chains (two or more; ``b`` if both have them).
    Each number of ``a`` against ``b`` is recomputed with one of the reference's chains
    left out at a time (:func:`analysis.comparison.jackknife.leave_one_chain_out`), and compared
    with its value if the runs differed only by the reference's own error: 0 for the
    accuracy difference, 1 for the ratios, the agreement and Kendall's τ, and for the mean
    |Δp̄| the mean of √(2/π) × the reference's chain-to-chain Monte Carlo error (the
    expected |Δ| of an exact run from a reference with that error).

    Returns
    -------
    tuple or None
        The reference's label (``"a"`` or ``"b"``) and the table of
        :func:`analysis.comparison.jackknife.exceeds_spread`; None if neither run has two chains.
    """
    index = _reference(a, b)
    if index is None:
        return None
    runs = (a, b)
    chains = runs[index].tree["predictions"].sizes["chain"]
    every = [list(range(r.tree["predictions"].sizes["chain"])) for r in runs]

    def numbers(keep: list[int]) -> dict:
        lists = [keep if i == index else every[i] for i in range(2)]
        return _headline_numbers(a, b, chains_a=lists[0], chains_b=lists[1])

    table = leave_one_chain_out(numbers, chains=chains)
    error = pooled_mcse(runs[index].tree["predictions"]["p"])
    nulls = INTERVAL_NULLS | {"mean_abs_diff": float(np.sqrt(2 / np.pi) * error.mean())}
    return "ab"[index], exceeds_spread(table, nulls)
