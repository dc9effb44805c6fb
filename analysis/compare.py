"""Compare two posterior files of the same test set (e.g. ADVI against NUTS).

:func:`compare_runs` takes the two files' analyses (:class:`~analysis.run_analysis.RunAnalysis`),
whose predictive moments, aligned posteriors, importances and diagnostics are computed
once, and adds what needs both: agreement, parameter distances after matching hidden
units across the files, Kendall's τ of the rankings, cost. :mod:`analysis.headline` turns
the result into numbers and sentences.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from scipy.stats import kendalltau, wasserstein_distance
from sklearn.metrics import f1_score, roc_auc_score

from analysis.alignment import HIDDEN_VARS, match_units, unit_vectors
from analysis.chains import ChainDiagnostics
from analysis.diagnostics import draw_kind
from analysis.jackknife import exceeds_spread, leave_one_chain_out
from analysis.metrics import SAMPLE_DIMS, predictive_moments
from analysis.modes import pooled_mcse
from analysis.run_analysis import RunAnalysis
from inference.model import PARAMS

__all__ = [
    "Comparison",
    "ComparisonError",
    "align_to",
    "check_comparable",
    "compare_runs",
    "parameter_comparison",
    "prediction_agreement",
    "reference_intervals",
    "test_set_fingerprint",
]

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


class ComparisonError(ValueError):
    """Two posterior files cannot be compared."""


def test_set_fingerprint(tree: xr.DataTree) -> str:
    """Return the sha256 of a file's stored test inputs and labels."""
    test = tree["predictions_constant_data"]
    digest = hashlib.sha256()
    for name in ("X", "y"):
        digest.update(np.ascontiguousarray(test[name].to_numpy(), dtype=np.float64).tobytes())
    return digest.hexdigest()


def check_comparable(a: xr.DataTree, b: xr.DataTree) -> None:
    """Refuse two files whose test sets or networks differ.

    Raises
    ------
    ComparisonError
        Naming what differs.
    """
    fa, fb = test_set_fingerprint(a), test_set_fingerprint(b)
    if fa != fb:
        raise ComparisonError(
            f"the two files hold different test sets (sha256 of test inputs and labels "
            f"{fa[:12]}… vs {fb[:12]}…); compare runs of the same data"
        )
    shapes = [(t["posterior"].sizes["feature"], t["posterior"].sizes["hidden"]) for t in (a, b)]
    if shapes[0] != shapes[1]:
        raise ComparisonError(
            f"the networks differ: (features, hidden units) {shapes[0]} vs {shapes[1]}"
        )
    features = [[str(f) for f in t["posterior"]["feature"].values] for t in (a, b)]
    if features[0] != features[1]:
        raise ComparisonError(
            "the two files name their features differently; compare runs of the same data"
        )


def error_detection_auc(moments: xr.Dataset, *, threshold: float = 0.5) -> float:
    """ROC AUC of the predictive std as a detector of misclassified test simulations.

    0.5: the std says nothing about which predictions are wrong; 1: every wrong
    prediction is more uncertain than every right one. NaN if none (or all) are wrong.
    ``moments``: :func:`analysis.metrics.predictive_moments`.
    """
    wrong = (moments["mean"].to_numpy() > threshold) != (moments["y"].to_numpy() == 1)
    if wrong.all() or not wrong.any():
        return np.nan
    return float(roc_auc_score(wrong, moments["std"].to_numpy()))


def prediction_table(runs: tuple[RunAnalysis, ...], *, labels: tuple[str, ...]) -> pd.DataFrame:
    """Test-set metrics of each run at threshold 0.5, one column per run."""
    columns = {}
    for label, run in zip(labels, runs, strict=True):
        y, p_mean = run.predictive["y"].to_numpy(), run.predictive["mean"].to_numpy()
        columns[label] = {
            **run.metrics,
            "f1_propagate": float(f1_score(y, (p_mean > 0.5).astype(int))),
            **run.scores,
            "std_error_auc": error_detection_auc(run.predictive),
        }
    return pd.DataFrame(columns)


def prediction_agreement(ma: xr.Dataset, mb: xr.Dataset) -> dict[str, float]:
    """How far the two files' test predictions are apart.

    Returns
    -------
    dict
        ``class_agreement``: share of test simulations given the same class at 0.5;
        ``mean_abs_diff``: mean |p̄_a − p̄_b| (the total variation distance between the
        two predictive Bernoulli distributions, averaged); ``std_ratio``: mean
        predictive std of ``a`` over that of ``b``; ``std_correlation``: Pearson
        correlation of the per-simulation stds. ``ma`` and ``mb`` are the files'
        :func:`analysis.metrics.predictive_moments`.
    """
    pa, pb = ma["mean"].to_numpy(), mb["mean"].to_numpy()
    sa, sb = ma["std"].to_numpy(), mb["std"].to_numpy()
    return {
        "class_agreement": float(np.mean((pa > 0.5) == (pb > 0.5))),
        "mean_abs_diff": float(np.mean(np.abs(pa - pb))),
        "std_ratio": float(sa.mean() / sb.mean()),
        "std_correlation": float(np.corrcoef(sa, sb)[0, 1]),
    }


def align_to(reference: xr.Dataset, other: xr.Dataset) -> xr.Dataset:
    """Relabel ``other``'s hidden units (all chains) to match ``reference``'s.

    Both are posteriors whose chains are already aligned among themselves
    (:func:`analysis.alignment.align_hidden_units`); ``other``'s pooled units are
    matched to ``reference``'s pooled units by the assignment problem.
    """
    ref_units = unit_vectors(reference).mean("chain").to_numpy()
    other_units = unit_vectors(other).mean("chain").to_numpy()
    order = match_units(ref_units, other_units)
    aligned = other.copy()
    for name in HIDDEN_VARS:
        aligned[name] = other[name].isel(hidden=order).assign_coords(hidden=other["hidden"])
    return aligned


def sd_ratio(xa: xr.DataArray, xb: xr.DataArray) -> xr.DataArray:
    """Posterior sd of each element under ``a`` over that under ``b`` (aligned units)."""
    return xa.std(SAMPLE_DIMS) / xb.std(SAMPLE_DIMS)


def parameter_comparison(a: xr.Dataset, b: xr.Dataset) -> xr.Dataset:
    """Per-weight differences after aligning ``b``'s hidden units to ``a``'s.

    ``a`` and ``b`` are posteriors aligned across their own chains
    (:attr:`~analysis.run_analysis.RunAnalysis.aligned`).

    Returns
    -------
    xarray.Dataset
        For each parameter ``v`` of :data:`~inference.model.PARAMS`: ``v_mean_diff``
        (mean under ``a`` minus mean under ``b``), ``v_sd_ratio`` (sd under ``a`` over
        sd under ``b``) and ``v_wasserstein`` (Wasserstein-1 distance between the two
        marginals), each with the parameter's own dims.
    """
    pa, pb = a, align_to(a, b)
    out = {}
    for name in PARAMS:
        xa, xb = pa[name], pb[name]
        out[f"{name}_mean_diff"] = xa.mean(SAMPLE_DIMS) - xb.mean(SAMPLE_DIMS)
        out[f"{name}_sd_ratio"] = sd_ratio(xa, xb)
        out[f"{name}_wasserstein"] = xr.apply_ufunc(
            wasserstein_distance,
            xa.stack(sample=SAMPLE_DIMS),
            xb.stack(sample=SAMPLE_DIMS),
            input_core_dims=[["sample"], ["sample"]],
            exclude_dims={"sample"},
            vectorize=True,
        )
    return xr.Dataset(out)


def importance_comparison(
    summaries: tuple[xr.Dataset, xr.Dataset], *, labels: tuple[str, str], order: list[str]
) -> tuple[xr.Dataset, float]:
    """Both runs' permutation importances, and Kendall's τ between their rankings.

    Parameters
    ----------
    summaries : tuple of xarray.Dataset
        :func:`~analysis.importance.importance_summary` of each run.
    labels : tuple of str
        The runs' names.
    order : list of str
        The features in file order.

    Returns
    -------
    summary : xarray.Dataset
        Both summaries stacked along a new dim ``run`` (coords ``labels``), features in
        file order.
    tau : float
        Kendall's τ between the two mean F1 drops (1: same ranking).
    """
    summaries = [s.sortby("feature") for s in summaries]
    both = xr.concat(summaries, dim="run", combine_attrs="drop_conflicts").sel(feature=order)
    both = both.assign_coords(run=list(labels))
    tau = kendalltau(summaries[0]["f1_drop"], summaries[1]["f1_drop"]).statistic
    return both, float(tau)


def _gradient_evaluations(tree: xr.DataTree) -> float:
    for group in ("vi_history", "sample_stats"):
        if group in tree.children and "gradient_evaluations" in tree[group].attrs:
            return float(tree[group].attrs["gradient_evaluations"])
    return np.nan


def cost_table(runs: tuple[RunAnalysis, ...], *, labels: tuple[str, ...]) -> pd.DataFrame:
    """Fit wall time, gradient evaluations and function-space ESS per second."""
    rows = {}
    for label, run in zip(labels, runs, strict=True):
        seconds = float(run.tree.attrs["fit_seconds"])
        ess = run.diagnostics.ess_p
        rows[label] = {
            "fit_seconds": seconds,
            "gradient_evaluations": _gradient_evaluations(run.tree),
            "ess_p_median": ess,
            "ess_p_per_second": ess / seconds,
        }
    return pd.DataFrame(rows)


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
    left out at a time (:func:`analysis.jackknife.leave_one_chain_out`), and compared
    with its value if the runs differed only by the reference's own error: 0 for the
    accuracy difference, 1 for the ratios, the agreement and Kendall's τ, and for the mean
    |Δp̄| the mean of √(2/π) × the reference's chain-to-chain Monte Carlo error (the
    expected |Δ| of an exact run from a reference with that error).

    Returns
    -------
    tuple or None
        The reference's label (``"a"`` or ``"b"``) and the table of
        :func:`analysis.jackknife.exceeds_spread`; None if neither run has two chains.
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


@dataclass
class Comparison:
    """Results of :func:`compare_runs`.

    ``intervals``: :func:`reference_intervals`' table (None without a reference of two
    or more chains), ``reference`` the label of the run whose chains it varies;
    ``chains``: per run with Markov chains, how far its pooled prediction can be trusted
    (:meth:`analysis.chains.ChainDiagnostics.summary`).
    """

    labels: tuple[str, str]
    predictions: pd.DataFrame
    agreement: dict[str, float]
    moments: tuple[xr.Dataset, xr.Dataset]
    reliability: tuple[xr.Dataset, xr.Dataset]
    parameters: xr.Dataset
    importance: xr.Dataset
    kendall_tau: float
    cost: pd.DataFrame
    fingerprint: str
    reference: str | None = None
    intervals: pd.DataFrame | None = None
    chains: dict[str, dict] | None = None


def compare_runs(a: RunAnalysis, b: RunAnalysis) -> Comparison:
    """Compare the analyses of two posterior files of the same test set.

    Parameters
    ----------
    a, b : RunAnalysis
        The two files' analyses (e.g. ADVI's and NUTS's), from
        :func:`~analysis.run_analysis.analyse_run`.

    Returns
    -------
    Comparison

    Raises
    ------
    ComparisonError
        The files do not share a test set or a network shape.

    Examples
    --------
    >>> from analysis.run_analysis import analyse_run
    >>> from inference.testing import tiny_posterior_file
    >>> runs = [analyse_run(tiny_posterior_file(m), n_repeats=2) for m in ("advi", "nuts")]
    >>> comparison = compare_runs(*runs)
    >>> comparison.labels
    ('advi', 'nuts')
    >>> 0 <= comparison.agreement["class_agreement"] <= 1
    True
    """
    check_comparable(a.tree, b.tree)
    labels = (a.method, b.method)
    if labels[0] == labels[1]:
        labels = (f"{labels[0]} (A)", f"{labels[1]} (B)")
    order = [str(f) for f in a.tree["predictions_constant_data"]["feature"].values]
    importance, tau = importance_comparison(
        (a.importance, b.importance), labels=labels, order=order
    )
    intervals = reference_intervals(a, b)
    return Comparison(
        labels=labels,
        predictions=prediction_table((a, b), labels=labels),
        agreement=prediction_agreement(a.predictive, b.predictive),
        moments=(a.predictive, b.predictive),
        reliability=(a.reliability, b.reliability),
        parameters=parameter_comparison(a.aligned, b.aligned),
        importance=importance,
        kendall_tau=tau,
        cost=cost_table((a, b), labels=labels),
        fingerprint=test_set_fingerprint(a.tree),
        reference=None if intervals is None else labels["ab".index(intervals[0])],
        intervals=None if intervals is None else intervals[1],
        chains={
            label: run.diagnostics.summary()
            for label, run in zip(labels, (a, b), strict=True)
            if isinstance(run.diagnostics, ChainDiagnostics)
        },
    )
