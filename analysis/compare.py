"""Compare two posterior files of the same test set (e.g. ADVI against NUTS).

Every function takes the two files' DataTrees (``a`` and ``b``) and returns pandas
or xarray results; :func:`compare_runs` gathers them, and :func:`headline` picks
the numbers a reader (or a script, through JSON) needs first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist
from scipy.stats import kendalltau, wasserstein_distance
from sklearn.metrics import f1_score, roc_auc_score

from analysis.alignment import HIDDEN_VARS, align_hidden_units, unit_vectors
from analysis.diagnostics import prediction_ess
from analysis.importance import importance_summary, permutation_importance
from analysis.metrics import (
    SAMPLE_DIMS,
    classification_metrics,
    predictive_moments,
    probabilistic_scores,
    reliability,
)
from inference.model import PARAMS


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


def _label(tree: xr.DataTree, fallback: str) -> str:
    return str(tree.attrs.get("method", fallback))


def error_detection_auc(tree: xr.DataTree, *, threshold: float = 0.5) -> float:
    """ROC AUC of the predictive std as a detector of misclassified test simulations.

    0.5: the std says nothing about which predictions are wrong; 1: every wrong
    prediction is more uncertain than every right one. NaN if none (or all) are wrong.
    """
    moments = predictive_moments(tree)
    wrong = (moments["mean"].to_numpy() > threshold) != (moments["y"].to_numpy() == 1)
    if wrong.all() or not wrong.any():
        return np.nan
    return float(roc_auc_score(wrong, moments["std"].to_numpy()))


def prediction_table(a: xr.DataTree, b: xr.DataTree, *, labels: tuple[str, str]) -> pd.DataFrame:
    """Test-set metrics of each file at threshold 0.5, one column per file."""
    columns = {}
    for label, tree in zip(labels, (a, b), strict=True):
        moments = predictive_moments(tree)
        y, p_mean = moments["y"].to_numpy(), moments["mean"].to_numpy()
        columns[label] = {
            **classification_metrics(tree),
            "f1_propagate": float(f1_score(y, (p_mean > 0.5).astype(int))),
            **probabilistic_scores(y, p_mean),
            "std_error_auc": error_detection_auc(tree),
        }
    return pd.DataFrame(columns)


def prediction_agreement(a: xr.DataTree, b: xr.DataTree) -> dict[str, float]:
    """How far the two files' test predictions are apart.

    Returns
    -------
    dict
        ``class_agreement``: share of test simulations given the same class at 0.5;
        ``mean_abs_diff``: mean |p̄_a − p̄_b| (the total variation distance between the
        two predictive Bernoulli distributions, averaged); ``std_ratio``: mean
        predictive std of ``a`` over that of ``b``; ``std_correlation``: Pearson
        correlation of the per-simulation stds.
    """
    ma, mb = predictive_moments(a), predictive_moments(b)
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

    ``other``'s chains are first aligned among themselves, then its pooled units are
    matched to ``reference``'s pooled units by the assignment problem.
    """
    other, _ = align_hidden_units(other)
    ref_units = unit_vectors(align_hidden_units(reference)[0]).mean("chain").to_numpy()
    other_units = unit_vectors(other).mean("chain").to_numpy()
    order = linear_sum_assignment(cdist(ref_units, other_units, "sqeuclidean"))[1]
    aligned = other.copy()
    for name in HIDDEN_VARS:
        aligned[name] = other[name].isel(hidden=order).assign_coords(hidden=other["hidden"])
    return aligned


def parameter_comparison(a: xr.DataTree, b: xr.DataTree) -> xr.Dataset:
    """Per-weight differences after aligning ``b``'s hidden units to ``a``'s.

    Returns
    -------
    xarray.Dataset
        For each parameter ``v`` of :data:`~inference.model.PARAMS`: ``v_mean_diff``
        (mean under ``a`` minus mean under ``b``), ``v_sd_ratio`` (sd under ``a`` over
        sd under ``b``) and ``v_wasserstein`` (Wasserstein-1 distance between the two
        marginals), each with the parameter's own dims.
    """
    pa = align_hidden_units(a["posterior"].to_dataset())[0]
    pb = align_to(pa, b["posterior"].to_dataset())
    out = {}
    for name in PARAMS:
        xa, xb = pa[name], pb[name]
        out[f"{name}_mean_diff"] = xa.mean(SAMPLE_DIMS) - xb.mean(SAMPLE_DIMS)
        out[f"{name}_sd_ratio"] = xa.std(SAMPLE_DIMS) / xb.std(SAMPLE_DIMS)
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
    a: xr.DataTree,
    b: xr.DataTree,
    *,
    labels: tuple[str, str],
    n_repeats: int = 10,
    random_state: int = 0,
    summaries: tuple[xr.Dataset, xr.Dataset] | None = None,
) -> tuple[xr.Dataset, float]:
    """Both files' permutation importances, and Kendall's τ between their rankings.

    Pass ``summaries`` (two :func:`~analysis.importance.importance_summary` results)
    to reuse importances already computed; otherwise they are computed here.

    Returns
    -------
    summary : xarray.Dataset
        :func:`~analysis.importance.importance_summary` of each file, stacked along a
        new dim ``run`` (coords ``labels``), features in file order.
    tau : float
        Kendall's τ between the two mean F1 drops (1: same ranking).
    """
    if summaries is None:
        summaries = tuple(
            importance_summary(
                permutation_importance(t, n_repeats=n_repeats, random_state=random_state)
            )
            for t in (a, b)
        )
    summaries = [s.sortby("feature") for s in summaries]
    order = a["predictions_constant_data"]["feature"].values
    both = xr.concat(summaries, dim="run", combine_attrs="drop_conflicts").sel(feature=order)
    both = both.assign_coords(run=list(labels))
    tau = kendalltau(summaries[0]["f1_drop"], summaries[1]["f1_drop"]).statistic
    return both, float(tau)


def _gradient_evaluations(tree: xr.DataTree) -> float:
    for group in ("vi_history", "sample_stats"):
        if group in tree.children and "gradient_evaluations" in tree[group].attrs:
            return float(tree[group].attrs["gradient_evaluations"])
    return np.nan


def cost_table(a: xr.DataTree, b: xr.DataTree, *, labels: tuple[str, str]) -> pd.DataFrame:
    """Fit wall time, gradient evaluations and function-space ESS per second."""
    rows = {}
    for label, tree in zip(labels, (a, b), strict=True):
        seconds = float(tree.attrs["fit_seconds"])
        ess = prediction_ess(tree)
        rows[label] = {
            "fit_seconds": seconds,
            "gradient_evaluations": _gradient_evaluations(tree),
            "ess_p_median": ess,
            "ess_p_per_second": ess / seconds,
        }
    return pd.DataFrame(rows)


@dataclass
class Comparison:
    """Results of :func:`compare_runs`."""

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


def compare_runs(
    a: xr.DataTree,
    b: xr.DataTree,
    *,
    n_repeats: int = 10,
    importances: tuple[xr.Dataset, xr.Dataset] | None = None,
) -> Comparison:
    """Compare two posterior files of the same test set.

    Parameters
    ----------
    a, b : xarray.DataTree
        Posterior files (e.g. ADVI and NUTS).
    n_repeats : int
        Shuffles per feature for the permutation importances.
    importances : tuple of xarray.Dataset, optional
        Importance summaries of ``a`` and ``b`` already computed (e.g. by
        :func:`~analysis.run_analysis.analyse_run`), to avoid computing them again.

    Returns
    -------
    Comparison

    Raises
    ------
    ComparisonError
        The files do not share a test set or a network shape.
    """
    check_comparable(a, b)
    labels = (_label(a, "A"), _label(b, "B"))
    if labels[0] == labels[1]:
        labels = (f"{labels[0]} (A)", f"{labels[1]} (B)")
    moments = (predictive_moments(a), predictive_moments(b))
    importance, tau = importance_comparison(
        a, b, labels=labels, n_repeats=n_repeats, summaries=importances
    )
    return Comparison(
        labels=labels,
        predictions=prediction_table(a, b, labels=labels),
        agreement=prediction_agreement(a, b),
        moments=moments,
        reliability=tuple(reliability(m["y"].to_numpy(), m["mean"].to_numpy()) for m in moments),
        parameters=parameter_comparison(a, b),
        importance=importance,
        kendall_tau=tau,
        cost=cost_table(a, b, labels=labels),
        fingerprint=test_set_fingerprint(a),
    )


def headline(comparison: Comparison) -> dict[str, Any]:
    """Pick the comparison's headline numbers, JSON-ready (keys documented in the README)."""
    a, b = comparison.labels
    params = comparison.parameters
    return {
        "labels": [a, b],
        "test_set_sha256": comparison.fingerprint,
        "metrics": {
            label: {k: _json_number(v) for k, v in comparison.predictions[label].items()}
            for label in (a, b)
        },
        "agreement": comparison.agreement,
        "kendall_tau_importance": comparison.kendall_tau,
        "importance_rank": {
            label: [
                str(f)
                for f in comparison.importance.sel(run=label)
                .sortby("f1_drop", ascending=False)["feature"]
                .values
            ]
            for label in (a, b)
        },
        "weights": {
            "mean_sd_ratio_w0": float(params["w0_sd_ratio"].mean()),
            "mean_sd_ratio_w1": float(params["w1_sd_ratio"].mean()),
            "mean_wasserstein_w0": float(params["w0_wasserstein"].mean()),
            "mean_wasserstein_w1": float(params["w1_wasserstein"].mean()),
        },
        "cost": {
            label: {k: _json_number(v) for k, v in comparison.cost[label].items()}
            for label in (a, b)
        },
    }


def _json_number(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _gradient_clause(cost: pd.DataFrame, *, labels: tuple[str, str]) -> str:
    counts = [cost.loc["gradient_evaluations", label] for label in labels]
    if not all(np.isfinite(counts)):
        return ""
    return f"; gradient evaluations {counts[0]:,.0f} vs {counts[1]:,.0f}"


def conclusion(comparison: Comparison) -> list[str]:
    """Write a few sentences off the numbers: how the two runs differ, and by how much."""
    a, b = comparison.labels
    m, agree, cost = comparison.predictions, comparison.agreement, comparison.cost
    params = comparison.parameters
    better = a if m.loc["accuracy", a] > m.loc["accuracy", b] else b
    lines = [
        f"Test accuracy at threshold 0.5: {a} {m.loc['accuracy', a]:.4f}, "
        f"{b} {m.loc['accuracy', b]:.4f} ({better} higher by "
        f"{abs(m.loc['accuracy', a] - m.loc['accuracy', b]):.4f}); weighted F1 "
        f"{m.loc['f1_weighted', a]:.4f} vs {m.loc['f1_weighted', b]:.4f}.",
        f"The two give the same class to {agree['class_agreement']:.1%} of the test "
        f"simulations; their mean predicted probabilities differ by "
        f"{agree['mean_abs_diff']:.4f} on average.",
        f"{a}'s mean predictive std is {agree['std_ratio']:.2f} × {b}'s "
        f"(correlation of the per-simulation stds {agree['std_correlation']:.2f}).",
        f"After aligning hidden units, {a}'s posterior sd of the input weights w0 is on "
        f"average {float(params['w0_sd_ratio'].mean()):.2f} × {b}'s, and of the output "
        f"weights w1 {float(params['w1_sd_ratio'].mean()):.2f} ×.",
        f"Predictive std as a detector of misclassified cases (ROC AUC): "
        f"{a} {m.loc['std_error_auc', a]:.2f}, {b} {m.loc['std_error_auc', b]:.2f}.",
        f"Log loss {m.loc['log_loss', a]:.3f} vs {m.loc['log_loss', b]:.3f}; expected "
        f"calibration error {m.loc['ece', a]:.3f} vs {m.loc['ece', b]:.3f}.",
        f"Feature-importance rankings agree with Kendall's τ = {comparison.kendall_tau:.2f}.",
        f"Fit time {cost.loc['fit_seconds', a]:.1f} s vs {cost.loc['fit_seconds', b]:.1f} s "
        f"({cost.loc['fit_seconds', b] / cost.loc['fit_seconds', a]:.1f}× for {b})"
        + _gradient_clause(cost, labels=(a, b))
        + ".",
    ]
    return lines
