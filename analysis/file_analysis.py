"""All of the paper's analyses of one posterior file, gathered for a report."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd
import xarray as xr

from analysis.diagnostics.by_draw_kind import Diagnostics, diagnose
from analysis.parameters.alignment import align_hidden_units
from analysis.parameters.importance import importance_summary, permutation_importance
from analysis.parameters.weights import pooled_densities, pooled_summary, weight_moments
from analysis.predictive.evaluator import Evaluator, evaluator, training_predictions
from analysis.predictive.metrics import (
    ClassificationMetrics,
    ProbabilisticScores,
    classification_metrics,
    classification_tables,
    f1_optimal_threshold,
    misclassification_table,
    predictive_moments,
    probabilistic_scores,
    reliability,
)
from analysis.response.summary import ResponseSummary, answers

#: JSON attrs of a posterior file, decoded for display.
_JSON_ATTRS = ("config", "data_sha256", "library_versions")


@dataclass(frozen=True)
class Threshold:
    """Classification at one threshold: why it was chosen and its tables."""

    name: str
    value: float
    note: str
    confusion: pd.DataFrame
    report: pd.DataFrame


@dataclass(frozen=True)
class FileAnalysis:
    """Results of :func:`analyse_run`; every field is computed from the file alone.

    ``tree`` is the file analysed; ``aligned`` its posterior with hidden units aligned
    across chains, computed once and used by the heatmaps, the diagnostics and any
    comparison; ``importance_chains`` the mean F1 drop per feature and chain (what a
    comparison's interval from the reference's chains needs); ``diagnostics`` is typed by
    the method's kind of draws; ``answers`` the response curves, maps and next
    simulations in physical units, computed when first read (a report or a two-file
    comparison reads them; a leaderboard does not) with the file's compiled ``network``.
    """

    tree: xr.DataTree
    method: str
    aligned: xr.Dataset
    provenance: dict[str, Any]
    metrics: ClassificationMetrics
    densities: xr.Dataset
    pooled: pd.DataFrame
    moments: xr.Dataset
    permutation: xr.DataArray
    predictive: xr.Dataset
    misclassified: pd.DataFrame
    thresholds: list[Threshold]
    scores: ProbabilisticScores
    reliability: xr.Dataset
    importance: xr.Dataset
    importance_chains: xr.DataArray
    diagnostics: Diagnostics
    seconds: float
    network: Evaluator = field(repr=False, compare=False)
    random_state: int = 0

    @cached_property
    def answers(self) -> ResponseSummary:
        """The response curves, maps and next simulations (see :func:`answers`)."""
        order = [str(f) for f in self.importance["feature"].values]
        return answers(self.tree, order=order, random_state=self.random_state, network=self.network)


def provenance(tree: xr.DataTree) -> dict[str, Any]:
    """Root attrs of a posterior file, with the JSON-encoded ones decoded."""
    attrs = dict(tree.attrs)
    for key in _JSON_ATTRS:
        if key in attrs:
            attrs[key] = json.loads(attrs[key])
    return attrs


def _thresholds(tree: xr.DataTree, predictive: xr.Dataset, network) -> list[Threshold]:
    y, p_mean = predictive["y"].to_numpy(), predictive["mean"].to_numpy()
    train_p = training_predictions(tree, network=network).mean(("chain", "draw")).to_numpy()
    train_y = tree["observed_data"]["y"].to_numpy()
    weight = tree["constant_data"]["weight"].to_numpy()
    choices = [
        ("0.5", 0.5, "the natural cut for a probability"),
        (
            "F1-optimal on training data",
            f1_optimal_threshold(train_y, train_p, weight=weight),
            "maximises weighted F1 on the (upsampled) training rows: no test data used",
        ),
        (
            "tuned on the test set (optimistic)",
            f1_optimal_threshold(y, p_mean),
            "maximises weighted F1 on the test set itself, as the paper did; shown only "
            "to compare with the paper: it leaks the test labels and flatters the result",
        ),
    ]
    return [
        Threshold(name, value, note, *classification_tables(y, p_mean, threshold=value))
        for name, value, note in choices
    ]


def analyse_run(tree: xr.DataTree, *, n_repeats: int = 10, random_state: int = 0) -> FileAnalysis:
    """Run every analysis of the report on one posterior file.

    Parameters
    ----------
    tree : xarray.DataTree
        A posterior file (see :func:`inference.posterior.storage.load`).
    n_repeats : int
        Shuffles per feature for permutation importance.
    random_state : int
        Seed of the shuffles and of the density subsample.

    Returns
    -------
    FileAnalysis

    Examples
    --------
    >>> from inference.testing import tiny_posterior_file
    >>> result = analyse_run(tiny_posterior_file("advi"), n_repeats=2)
    >>> result.method, type(result.diagnostics).__name__
    ('advi', 'ApproximationDiagnostics')
    >>> result.aligned["w0"].dims
    ('chain', 'draw', 'feature', 'hidden')
    >>> drop = result.importance["f1_drop"]  # sorted, the most important feature first
    >>> bool(drop.isel(feature=0) >= drop.isel(feature=-1))
    True
    """
    start = time.perf_counter()
    network = evaluator(tree)
    importance = permutation_importance(
        tree, n_repeats=n_repeats, random_state=random_state, network=network
    )
    summary = importance_summary(importance)
    aligned, permutation = align_hidden_units(tree["posterior"].to_dataset())
    predictive = predictive_moments(tree)
    y, p_mean = predictive["y"].to_numpy(), predictive["mean"].to_numpy()
    fields = dict(
        tree=tree,
        method=str(tree.attrs["method"]),
        aligned=aligned,
        provenance=provenance(tree),
        metrics=classification_metrics(tree),
        densities=pooled_densities(tree, random_state=random_state),
        pooled=pooled_summary(tree),
        moments=weight_moments(aligned),
        permutation=permutation,
        predictive=predictive,
        misclassified=misclassification_table(predictive),
        thresholds=_thresholds(tree, predictive, network),
        scores=probabilistic_scores(y, p_mean),
        reliability=reliability(y, p_mean),
        importance=summary,
        importance_chains=importance["f1_drop"].mean(("repeat", "draw")),
        diagnostics=diagnose(tree, aligned=aligned),
        network=network,
        random_state=random_state,
    )
    return FileAnalysis(**fields, seconds=time.perf_counter() - start)
