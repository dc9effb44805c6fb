"""How each number of two posteriors is measured: the pair's inputs, read once, and each measure.

:class:`Pair` holds two analysed runs (or some of their chains) and reads what the numbers
need from them once: predictive moments, aligned weights, importance. The measures are
declared, with their names, labels and nulls, in :data:`analysis.comparison.pairwise.PAIRWISE`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr
from scipy.stats import kendalltau, wasserstein_distance

from analysis.diagnostics.modes import pooled_mcse
from analysis.predictive.metrics import SAMPLE_DIMS, accuracy
from inference.posterior.alignment import HIDDEN_VARS, match_units, unit_vectors

if TYPE_CHECKING:
    from analysis.file_analysis import FileAnalysis

__all__ = [
    "MeanPair",
    "Pair",
    "accuracy_difference",
    "align_to",
    "class_agreement",
    "exact_run_mean_abs_diff",
    "kendall_tau",
    "mean_abs_diff",
    "mean_sd_ratio",
    "mean_wasserstein",
    "sd_ratio",
    "std_correlation",
    "std_ratio",
    "stds",
    "wasserstein",
]


def align_to(reference: xr.Dataset, other: xr.Dataset) -> xr.Dataset:
    """Relabel ``other``'s hidden units (all chains) to match ``reference``'s.

    Both are posteriors whose chains are already aligned among themselves
    (:func:`inference.posterior.alignment.align_hidden_units`); ``other``'s pooled units are
    matched to ``reference``'s pooled units by the assignment problem.
    """
    ref_units = unit_vectors(reference).mean("chain").to_numpy()
    other_units = unit_vectors(other).mean("chain").to_numpy()
    return _relabelled(other, match_units(ref_units, other_units))


def _relabelled(posterior: xr.Dataset, order: np.ndarray) -> xr.Dataset:
    """``posterior`` with its hidden units taken in ``order``, under the same labels."""
    relabelled = posterior.copy()
    for name in HIDDEN_VARS:
        relabelled[name] = (
            posterior[name].isel(hidden=order).assign_coords(hidden=posterior["hidden"])
        )
    return relabelled


def sd_ratio(xa: xr.DataArray, xb: xr.DataArray) -> xr.DataArray:
    """Posterior sd of each element under ``a`` over that under ``b`` (aligned units)."""
    return xa.std(SAMPLE_DIMS) / xb.std(SAMPLE_DIMS)


def wasserstein(xa: xr.DataArray, xb: xr.DataArray) -> xr.DataArray:
    """Wasserstein-1 distance between the two marginals of each element (aligned units).

    Examples
    --------
    >>> x = xr.DataArray(np.zeros((1, 4, 2)), dims=("chain", "draw", "weight"))
    >>> wasserstein(x, x + 1).values.tolist()
    [1.0, 1.0]
    """
    return xr.apply_ufunc(
        wasserstein_distance,
        xa.stack(sample=SAMPLE_DIMS),
        xb.stack(sample=SAMPLE_DIMS),
        input_core_dims=[["sample"], ["sample"]],
        exclude_dims={"sample"},
        vectorize=True,
    )


class Pair:
    """What the numbers of ``a`` against ``b`` read, each computed once, when first read.

    ``chains``: per run, the positions of the chains kept, or None for all of them, read
    from the run's own pooled summaries (:class:`~analysis.file_analysis.FileAnalysis`).
    """

    def __init__(self, runs: tuple[FileAnalysis, FileAnalysis], chains: tuple) -> None:
        self.runs, self.chains = runs, chains

    def _each(self, pooled: Callable, kept: Callable) -> tuple:
        return tuple(
            pooled(run) if keep is None else kept(run, keep)
            for run, keep in zip(self.runs, self.chains, strict=True)
        )

    @cached_property
    def _pooled(self) -> tuple:
        """Each run's chains kept, as it computes them once (:meth:`FileAnalysis.over_chains`)."""
        return tuple(
            run.over_chains(keep) for run, keep in zip(self.runs, self.chains, strict=True)
        )

    @cached_property
    def moments(self) -> tuple[xr.Dataset, xr.Dataset]:
        """Each run's predictive mean, std and labels (:func:`predictive_moments`)."""
        return tuple(pooled.moments for pooled in self._pooled)

    @cached_property
    def means(self) -> tuple[np.ndarray, np.ndarray]:
        """Each run's mean prediction per test simulation."""
        return tuple(m["mean"].to_numpy() for m in self.moments)

    @cached_property
    def weights(self) -> tuple[xr.Dataset, xr.Dataset]:
        """Both posteriors, hidden units aligned: ``b``'s matched to ``a``'s (:func:`align_to`)."""
        a, b = self._pooled
        return a.aligned, _relabelled(b.aligned, match_units(a.units, b.units))

    @cached_property
    def drops(self) -> tuple[xr.DataArray, xr.DataArray]:
        """Each run's mean F1 drop per feature (permutation importance), features sorted."""
        drops = self._each(
            lambda run: run.importance["f1_drop"],
            lambda run, keep: run.importance_chains.isel(chain=keep).mean("chain"),
        )
        return tuple(d.sortby("feature") for d in drops)


class MeanPair:
    """Two mean predictions standing in for a pair of posteriors (``point`` numbers only)."""

    def __init__(self, means: tuple[np.ndarray, np.ndarray]) -> None:
        self.means = means


def accuracy_difference(pair: Pair) -> float:
    """Test accuracy of ``a`` minus that of ``b``, at threshold 0.5."""
    ma, mb = pair.moments
    return accuracy(ma["mean"], ma["y"]) - accuracy(mb["mean"], mb["y"])


def mean_abs_diff(pa: np.ndarray, pb: np.ndarray) -> float:
    """Mean |p̄_a − p̄_b| over the test simulations."""
    return float(np.mean(np.abs(pa - pb)))


def class_agreement(pa: np.ndarray, pb: np.ndarray) -> float:
    """Share of test simulations given the same class at 0.5."""
    return float(np.mean((pa > 0.5) == (pb > 0.5)))


def stds(pair: Pair) -> tuple[np.ndarray, np.ndarray]:
    """Each run's predictive std per test simulation."""
    return tuple(m["std"].to_numpy() for m in pair.moments)


def std_ratio(pair: Pair) -> float:
    """Mean predictive std of ``a`` over that of ``b``."""
    sa, sb = stds(pair)
    return float(sa.mean() / sb.mean())


def std_correlation(pair: Pair) -> float:
    """Pearson correlation of the two runs' per-simulation stds."""
    return float(np.corrcoef(*stds(pair))[0, 1])


def mean_sd_ratio(name: str) -> Callable[[Pair], float]:
    """Return the mean posterior-sd ratio of parameter ``name`` (aligned units)."""
    return lambda pair: float(sd_ratio(*(p[name] for p in pair.weights)).mean())


def mean_wasserstein(name: str) -> Callable[[Pair], float]:
    """Return the mean Wasserstein-1 distance of parameter ``name``'s marginals."""
    return lambda pair: float(wasserstein(*(p[name] for p in pair.weights)).mean())


def kendall_tau(pair: Pair) -> float:
    """Kendall's τ between the two runs' permutation importances."""
    return float(kendalltau(*pair.drops).statistic)


def exact_run_mean_abs_diff(reference: xr.DataTree) -> float:
    """√(2/π) × the reference's mean chain-to-chain Monte Carlo error: an exact run's |Δp̄|."""
    return float(np.sqrt(2 / np.pi) * pooled_mcse(reference["predictions"]["p"]).mean())
