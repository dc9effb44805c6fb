"""All of the paper's analyses of one posterior file, gathered for a report."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import xarray as xr

from analysis.diagnostics.by_draw_kind import Diagnostics, diagnose, prediction_ess
from analysis.parameters.importance import importance_summary, permutation_importance
from analysis.parameters.weights import pooled_densities, pooled_summary, weight_moments
from analysis.predictive.evaluator import Evaluator, evaluator
from analysis.predictive.loo import Elpd, elpd_loo
from analysis.predictive.metrics import (
    ClassificationMetrics,
    ProbabilisticScores,
    classification_metrics,
    misclassification_table,
    predictive_moments,
    probabilistic_scores,
    reliability,
)
from analysis.predictive.thresholds import Threshold, classification_thresholds
from analysis.response.summary import ResponseSummary, answers
from analysis.timed_field import timed_field
from inference.posterior.alignment import GROUP as ALIGNMENT
from inference.posterior.alignment import align_hidden_units, apply_permutation, unit_vectors
from inference.posterior.classes import Classes, file_classes

#: JSON attrs of a posterior file, decoded for display.
_JSON_ATTRS = ("config", "data_sha256", "library_versions")


class Pooled(NamedTuple):
    """What a comparison reads of some chains of a file (:meth:`FileAnalysis.over_chains`).

    ``moments``: :func:`~analysis.predictive.metrics.predictive_moments`; ``aligned``: the
    aligned posterior of those chains; ``units``: their hidden units' mean direction
    (:func:`~inference.posterior.alignment.unit_vectors`), ``(hidden, component)``.
    """

    moments: xr.Dataset
    aligned: xr.Dataset
    units: np.ndarray


class FileAnalysis:
    """Every analysis of one posterior file, each computed when first read.

    Every result is computed from the file alone, once: a report reads them all
    (:func:`analyse_run`), a leaderboard row only those its columns need. ``aligned`` is
    the posterior with hidden units aligned across chains, shared by the heatmaps, the
    diagnostics and any comparison; ``importance_chains`` the mean F1 drop per feature
    and chain (what a comparison's interval from the reference's chains needs);
    ``diagnostics`` is typed by the method's kind of draws; ``answers`` the response
    curves, maps and next simulations in physical units, with the file's compiled
    ``network``.

    Parameters
    ----------
    tree : xarray.DataTree
        A posterior file (see :func:`inference.posterior.storage.load`).
    n_repeats : int
        Shuffles per feature for permutation importance.
    random_state : int
        Seed of the shuffles and of the density subsample.

    Examples
    --------
    >>> from inference.testing import tiny_posterior_file
    >>> analysis = FileAnalysis(tiny_posterior_file("advi"), n_repeats=2)
    >>> "importance" in analysis.__dict__  # nothing computed yet
    False
    >>> analysis.metrics.accuracy == analysis.metrics.accuracy  # computed once, then kept
    True
    """

    FIELDS: tuple[str, ...]

    def __init__(self, tree: xr.DataTree, *, n_repeats: int = 10, random_state: int = 0) -> None:
        self.tree = tree
        self.method = str(tree.attrs["method"])
        self.n_repeats = n_repeats
        self.random_state = random_state
        self._computing = 0
        self._seconds = 0.0

    def over_chains(self, chains: list[int] | None = None) -> Pooled:
        """Predictive moments, aligned weights and unit directions over some chains, kept.

        A comparison's jackknife leaves out one reference chain at a time, for every file
        compared with the reference: each subset's :class:`Pooled` is computed once for
        them all. ``chains``: positions, None for every chain.
        """
        key = None if chains is None else tuple(chains)
        cache = self.__dict__.setdefault("_subsets", {})
        if key not in cache:
            keep = None if key is None else list(key)
            moments = (
                self.predictive if keep is None else predictive_moments(self.tree, chains=keep)
            )
            aligned = self.aligned if keep is None else self.aligned.isel(chain=keep)
            cache[key] = Pooled(moments, aligned, unit_vectors(aligned).mean("chain").to_numpy())
        return cache[key]

    @property
    def seconds(self) -> float:
        """Seconds spent computing the results read so far."""
        return self._seconds

    @property
    def classes(self) -> Classes:
        """What the file's ``y`` = 0 and 1 mean (its classes)."""
        return file_classes(self.tree)

    @timed_field
    def network(self) -> Evaluator:
        """The file's network, compiled once (:func:`analysis.predictive.evaluator.evaluator`)."""
        return evaluator(self.tree)

    @timed_field
    def provenance(self) -> dict[str, Any]:
        """The file's root attrs (:func:`provenance`)."""
        return provenance(self.tree)

    @timed_field
    def predictive(self) -> xr.Dataset:
        """Mean and sd of p per test simulation, and its label."""
        return predictive_moments(self.tree)

    @timed_field
    def metrics(self) -> ClassificationMetrics:
        """Test accuracy, weighted F1 and mean predictive sd at 0.5."""
        return classification_metrics(self.tree, moments=self.predictive)

    @timed_field
    def _alignment(self) -> tuple[xr.Dataset, xr.DataArray]:
        posterior = self.tree["posterior"].to_dataset()
        if ALIGNMENT not in self.tree.children:  # a file from before the stored alignment
            return align_hidden_units(posterior)
        permutation = self.tree[ALIGNMENT]["permutation"]
        return apply_permutation(posterior, permutation), permutation

    @timed_field
    def aligned(self) -> xr.Dataset:
        """The posterior with hidden units aligned across chains."""
        return self._alignment[0]

    @timed_field
    def permutation(self) -> xr.DataArray:
        """The permutation of hidden units that aligns each chain."""
        return self._alignment[1]

    @timed_field
    def densities(self) -> xr.Dataset:
        """Pooled densities of the weights (:func:`pooled_densities`)."""
        return pooled_densities(self.tree, random_state=self.random_state)

    @timed_field
    def pooled(self) -> pd.DataFrame:
        """Pooled summary of the weights (:func:`pooled_summary`)."""
        return pooled_summary(self.tree)

    @timed_field
    def moments(self) -> xr.Dataset:
        """Moments of the aligned weights (:func:`weight_moments`)."""
        return weight_moments(self.aligned)

    @timed_field
    def misclassified(self) -> pd.DataFrame:
        """The test simulations classed wrongly."""
        return misclassification_table(self.predictive, classes=self.classes.names)

    @timed_field
    def thresholds(self) -> list[Threshold]:
        """Classification at 0.5, at the training F1 optimum and at the test optimum."""
        return classification_thresholds(self.tree, self.predictive, network=self.network)

    @timed_field
    def scores(self) -> ProbabilisticScores:
        """Log loss, Brier score and the other scores of the mean prediction."""
        return probabilistic_scores(*self._y_and_mean)

    @timed_field
    def reliability(self) -> xr.Dataset:
        """The reliability diagram's bins."""
        return reliability(*self._y_and_mean)

    @property
    def _y_and_mean(self) -> tuple[np.ndarray, np.ndarray]:
        return self.predictive["y"].to_numpy(), self.predictive["mean"].to_numpy()

    @timed_field
    def _shuffled(self) -> xr.Dataset:
        return permutation_importance(
            self.tree,
            n_repeats=self.n_repeats,
            random_state=self.random_state,
            network=self.network,
        )

    @timed_field
    def importance(self) -> xr.Dataset:
        """Permutation importance per feature, the most important first."""
        return importance_summary(self._shuffled)

    @timed_field
    def importance_chains(self) -> xr.DataArray:
        """Mean F1 drop per feature and chain."""
        return self._shuffled["f1_drop"].mean(("repeat", "draw"))

    @timed_field
    def elpd(self) -> Elpd | None:
        """PSIS-LOO of the training rows from the stored log-likelihood (:func:`elpd_loo`)."""
        return elpd_loo(self.tree)

    @timed_field
    def diagnostics(self) -> Diagnostics:
        """Diagnostics of the method's kind of draws (:func:`diagnose`)."""
        return diagnose(self.tree, aligned=self.aligned)

    @timed_field
    def ess_p(self) -> float:
        """Function-space ESS: the median bulk ESS of the test predictions.

        The diagnostics' own if they were computed, else computed alone
        (:func:`~analysis.diagnostics.by_draw_kind.prediction_ess`, the same number): a
        leaderboard row reads it without judging the chains.
        """
        if "diagnostics" in self.__dict__:
            return self.diagnostics.ess_p
        return prediction_ess(self.tree)

    @timed_field
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


def analyse_run(
    tree: xr.DataTree, *, n_repeats: int = 10, random_state: int = 0, lazy: bool = False
) -> FileAnalysis:
    """Run every analysis of the report on one posterior file.

    Parameters
    ----------
    tree : xarray.DataTree
        A posterior file (see :func:`inference.posterior.storage.load`).
    n_repeats : int
        Shuffles per feature for permutation importance.
    random_state : int
        Seed of the shuffles and of the density subsample.
    lazy : bool
        Compute each result only when it is first read (a leaderboard row reads few);
        by default every result but ``answers`` is computed now.

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
    analysis = FileAnalysis(tree, n_repeats=n_repeats, random_state=random_state)
    if not lazy:
        for name in analysis.FIELDS:
            if name != "answers":
                getattr(analysis, name)
    return analysis
