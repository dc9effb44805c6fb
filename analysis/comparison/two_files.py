"""Compare two posterior files of the same test set (e.g. ADVI against NUTS).

:func:`compare_runs` takes the two files' analyses (:class:`~analysis.file_analysis.FileAnalysis`),
whose predictive moments, aligned posteriors, importances and diagnostics are computed
once, and adds what needs both: the numbers of one posterior against the other
(:func:`analysis.comparison.pairwise.pairwise_numbers`), per-weight distances after matching
hidden units across the files, both importance rankings, cost.
:mod:`analysis.comparison.conclusion` turns the result into JSON and sentences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from sklearn.metrics import f1_score, roc_auc_score

from analysis.comparison.measures import align_to, sd_ratio, wasserstein
from analysis.comparison.pairwise import pairwise_numbers
from analysis.comparison.reference_error import reference_intervals
from analysis.diagnostics.by_draw_kind import draw_kind
from analysis.file_analysis import FileAnalysis
from analysis.predictive.loo import ElpdComparison, compare_elpd
from analysis.predictive.metrics import SAMPLE_DIMS
from analysis.response.summary import effects_side_by_side, next_overlap
from common.digest import arrays_sha256
from common.errors import StudyError
from inference.model.parameters import PARAMS

__all__ = [
    "Comparison",
    "ComparisonError",
    "align_to",
    "check_comparable",
    "compare_runs",
    "pairwise_numbers",
    "parameter_comparison",
    "reference_intervals",
    "test_set_fingerprint",
]


class ComparisonError(StudyError, ValueError):
    """Two posterior files cannot be compared."""


def test_set_fingerprint(tree: xr.DataTree) -> str:
    """Return the sha256 of a file's stored test inputs and labels."""
    test = tree["predictions_constant_data"]
    return arrays_sha256(test["X"].to_numpy(), test["y"].to_numpy())


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
    ``moments``: :func:`analysis.predictive.metrics.predictive_moments`.
    """
    wrong = (moments["mean"].to_numpy() > threshold) != (moments["y"].to_numpy() == 1)
    if wrong.all() or not wrong.any():
        return np.nan
    return float(roc_auc_score(wrong, moments["std"].to_numpy()))


def prediction_table(runs: tuple[FileAnalysis, ...], *, labels: tuple[str, ...]) -> pd.DataFrame:
    """Test-set metrics of each run at threshold 0.5, one column per run."""
    columns = {}
    for label, run in zip(labels, runs, strict=True):
        y, p_mean = run.predictive["y"].to_numpy(), run.predictive["mean"].to_numpy()
        columns[label] = {
            **run.metrics.as_dict(),
            "f1_propagate": float(f1_score(y, (p_mean > 0.5).astype(int))),
            **run.scores.as_dict(),
            "std_error_auc": error_detection_auc(run.predictive),
        }
    return pd.DataFrame(columns)


def parameter_comparison(a: xr.Dataset, b: xr.Dataset) -> xr.Dataset:
    """Per-weight differences after aligning ``b``'s hidden units to ``a``'s.

    ``a`` and ``b`` are posteriors aligned across their own chains
    (:attr:`~analysis.file_analysis.FileAnalysis.aligned`).

    Returns
    -------
    xarray.Dataset
        For each parameter ``v`` of :data:`~inference.model.network.PARAMS`: ``v_mean_diff``
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
        out[f"{name}_wasserstein"] = wasserstein(xa, xb)
    return xr.Dataset(out)


def importance_comparison(
    summaries: tuple[xr.Dataset, xr.Dataset], *, labels: tuple[str, str], order: list[str]
) -> xr.Dataset:
    """Both runs' permutation importances side by side.

    Parameters
    ----------
    summaries : tuple of xarray.Dataset
        :func:`~analysis.parameters.importance.importance_summary` of each run.
    labels : tuple of str
        The runs' names.
    order : list of str
        The features in file order.

    Returns
    -------
    xarray.Dataset
        Both summaries stacked along a new dim ``run`` (coords ``labels``), features in
        file order.
    """
    summaries = [s.sortby("feature") for s in summaries]
    both = xr.concat(summaries, dim="run", combine_attrs="drop_conflicts").sel(feature=order)
    return both.assign_coords(run=list(labels))


def _gradient_evaluations(tree: xr.DataTree) -> float:
    for group in ("vi_history", "sample_stats"):
        if group in tree.children and "gradient_evaluations" in tree[group].attrs:
            return float(tree[group].attrs["gradient_evaluations"])
    return np.nan


def cost_table(runs: tuple[FileAnalysis, ...], *, labels: tuple[str, ...]) -> pd.DataFrame:
    """Fit wall time, gradient evaluations and function-space ESS per second."""
    rows = {}
    for label, run in zip(labels, runs, strict=True):
        seconds = float(run.tree.attrs["fit_seconds"])
        ess = run.ess_p
        rows[label] = {
            "fit_seconds": seconds,
            "gradient_evaluations": _gradient_evaluations(run.tree),
            "ess_p_median": ess,
            "ess_p_per_second": ess / seconds,
        }
    return pd.DataFrame(rows)


@dataclass
class Comparison:
    """Results of :func:`compare_runs`.

    ``numbers``: every number of A against B
    (:func:`analysis.comparison.pairwise.pairwise_numbers`, one scalar variable each);
    ``intervals``: :func:`reference_intervals`' table (None without a reference of two
    or more chains), ``reference`` the label of the run whose chains it varies;
    ``chains``: per run with Markov chains, how far its pooled prediction can be trusted
    (:meth:`analysis.diagnostics.chains.ChainDiagnostics.summary`); ``effects``: each feature's
    effect
    sizes under both runs (:func:`analysis.response.summary.effects_side_by_side`);
    ``next_overlap``: the two lists of next simulations compared
    (:func:`analysis.response.summary.next_overlap`); ``elpd``: both files' elpd-LOO of
    the training rows side by side (:func:`analysis.predictive.loo.compare_elpd`).
    """

    labels: tuple[str, str]
    predictions: pd.DataFrame
    numbers: xr.Dataset
    moments: tuple[xr.Dataset, xr.Dataset]
    reliability: tuple[xr.Dataset, xr.Dataset]
    parameters: xr.Dataset
    importance: xr.Dataset
    cost: pd.DataFrame
    fingerprint: str
    reference: str | None = None
    intervals: pd.DataFrame | None = None
    chains: dict[str, dict] | None = None
    effects: pd.DataFrame | None = None
    next_overlap: dict | None = None
    elpd: ElpdComparison | None = None


def compare_runs(
    a: FileAnalysis, b: FileAnalysis, *, answers: bool = True, chains: bool = True
) -> Comparison:
    """Compare the analyses of two posterior files of the same test set.

    Parameters
    ----------
    a, b : FileAnalysis
        The two files' analyses (e.g. ADVI's and NUTS's), from
        :func:`~analysis.file_analysis.analyse_run`.
    answers : bool
        Whether to compare their response curves and next simulations (``effects``,
        ``next_overlap``); computing them takes seconds per file.
    chains : bool
        Whether to judge each run's Markov chains (``chains``: how far its pooled
        prediction can be trusted); seconds per file, and a leaderboard row shows none.

    Returns
    -------
    Comparison

    Raises
    ------
    ComparisonError
        The files do not share a test set or a network shape.

    Examples
    --------
    >>> from analysis.file_analysis import analyse_run
    >>> from inference.testing import tiny_posterior_file
    >>> runs = [analyse_run(tiny_posterior_file(m), n_repeats=2) for m in ("advi", "nuts")]
    >>> comparison = compare_runs(*runs)
    >>> comparison.labels
    ('advi', 'nuts')
    >>> 0 <= float(comparison.numbers["class_agreement"]) <= 1
    True
    """
    check_comparable(a.tree, b.tree)
    labels = (a.method, b.method)
    if labels[0] == labels[1]:
        labels = (f"{labels[0]} (A)", f"{labels[1]} (B)")
    order = [str(f) for f in a.tree["predictions_constant_data"]["feature"].values]
    importance = importance_comparison((a.importance, b.importance), labels=labels, order=order)
    intervals = reference_intervals(a, b)
    return Comparison(
        labels=labels,
        predictions=prediction_table((a, b), labels=labels),
        numbers=pairwise_numbers(a, b),
        moments=(a.predictive, b.predictive),
        reliability=(a.reliability, b.reliability),
        parameters=parameter_comparison(a.aligned, b.aligned),
        importance=importance,
        cost=cost_table((a, b), labels=labels),
        fingerprint=test_set_fingerprint(a.tree),
        reference=None if intervals is None else labels["ab".index(intervals[0])],
        intervals=None if intervals is None else intervals[1],
        effects=effects_side_by_side(dict(zip(labels, (a.answers, b.answers), strict=True)))
        if answers
        else None,
        next_overlap=next_overlap(a.answers, b.answers) if answers else None,
        elpd=compare_elpd(
            dict(zip(labels, (a.tree, b.tree), strict=True)),
            dict(zip(labels, (a.elpd, b.elpd), strict=True)),
        ),
        chains={
            label: run.diagnostics.summary()
            for label, run in zip(labels, (a, b), strict=True)
            if draw_kind(run.tree) == "markov"  # judged as chains (ChainDiagnostics)
        }
        if chains
        else None,
    )
