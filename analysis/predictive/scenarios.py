"""New fault scenarios in physical units: predictions, the training box, candidates to simulate.

A posterior file stores its training inputs standardised, with the statistics used
(``constant_data``: ``X``, ``x_mean``, ``x_std``). Scenarios given in the dataset's
physical units are standardised with the file's own statistics and evaluated through
the model's graph for every posterior draw (:func:`analysis.predictive.evaluator.evaluator`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from scipy.spatial import KDTree
from scipy.stats import qmc

from analysis.predictive.acquisition import ACQUISITIONS
from analysis.predictive.evaluator import Evaluator, evaluator
from analysis.predictive.uncertainty import summarise_draws

__all__ = [
    "SCORE_COLUMNS",
    "TrainingRange",
    "feature_names",
    "next_simulations",
    "outside_training",
    "predict_scenarios",
    "rank_candidates",
    "sobol_candidates",
    "standardise",
    "training_box",
    "training_range",
    "training_values",
]


def feature_names(tree: xr.DataTree) -> list[str]:
    """Return the file's features, in column order."""
    return [str(f) for f in tree["constant_data"]["feature"].values]


def training_values(tree: xr.DataTree) -> pd.DataFrame:
    """Return the file's training inputs in physical units, one row per stored simulation."""
    data = tree["constant_data"]
    X = data["X"].to_numpy() * data["x_std"].to_numpy() + data["x_mean"].to_numpy()
    return pd.DataFrame(X, columns=feature_names(tree))


def training_box(tree: xr.DataTree) -> pd.DataFrame:
    """Smallest and largest training value of each feature (columns ``min``, ``max``)."""
    values = training_values(tree)
    return pd.DataFrame({"min": values.min(), "max": values.max()})


def standardise(tree: xr.DataTree, X: np.ndarray) -> np.ndarray:
    """Standardise physical inputs ``(row, feature)`` with the file's training statistics."""
    data = tree["constant_data"]
    return (np.asarray(X, dtype=float) - data["x_mean"].to_numpy()) / data["x_std"].to_numpy()


#: The columns :func:`predict_scenarios` adds to each scenario, and the ranking's own.
SCORE_COLUMNS = (
    *("mean", "sd", "q05", "q50", "q95", "propagates", "entropy", "mutual_information"),
    *("extrapolation", "outside", "nearest_training", "far_from_design", "rank"),
)
#: The share of training simulations whose nearest neighbour is nearer than a scenario
#: must be from every simulation to count as far from the design (:attr:`TrainingRange.reach`).
REACH_QUANTILE = 0.99


@dataclass(frozen=True)
class TrainingRange:
    """Where a file's training simulations lie: what a new scenario is measured against.

    Attributes
    ----------
    box : pandas.DataFrame
        :func:`training_box`.
    neighbours : scipy.spatial.KDTree
        Over the standardised training inputs (each feature in units of its training sd).
    spacing : float
        Median distance from a training simulation to its nearest neighbour, in those units.
    reach : float
        The :data:`REACH_QUANTILE` quantile of those distances: a scenario farther than
        this from every simulation lies where the design has none, even inside the box.
    """

    box: pd.DataFrame
    neighbours: KDTree
    spacing: float
    reach: float


def training_range(tree: xr.DataTree) -> TrainingRange:
    """Measure where a file's training simulations lie (:class:`TrainingRange`).

    Examples
    --------
    >>> from inference.testing import tiny_posterior_file
    >>> measured = training_range(tiny_posterior_file())
    >>> bool(0 < measured.spacing <= measured.reach)
    True
    """
    X = tree["constant_data"]["X"].to_numpy()
    neighbours = KDTree(X)
    nearest = neighbours.query(X, k=2)[0][:, 1]
    return TrainingRange(
        training_box(tree),
        neighbours,
        spacing=float(np.median(nearest)),
        reach=float(np.quantile(nearest, REACH_QUANTILE)),
    )


def outside_training(box: pd.DataFrame, X: np.ndarray) -> np.ndarray:
    """Which values of ``X (row, feature)`` lie outside the training box: bool, same shape."""
    X = np.asarray(X, dtype=float)
    return (X < box["min"].to_numpy()) | (X > box["max"].to_numpy())


def _outside_text(outside: np.ndarray, features: list[str]) -> list[str]:
    return [";".join(np.asarray(features)[row]) for row in outside]


def predict_scenarios(
    tree: xr.DataTree,
    X: np.ndarray,
    *,
    network: Evaluator | None = None,
    training: TrainingRange | None = None,
) -> pd.DataFrame:
    """Predict new scenarios given in physical units, for every posterior draw.

    Parameters
    ----------
    tree : xarray.DataTree
        A posterior file.
    X : numpy.ndarray
        Scenarios ``(row, feature)`` in the dataset's physical units, columns in the
        file's feature order (:func:`feature_names`).
    network : callable, optional
        From :func:`analysis.predictive.evaluator.evaluator`, to skip compiling again.
    training : TrainingRange, optional
        :func:`training_range`, to skip computing it again.

    Returns
    -------
    pandas.DataFrame
        One row per scenario: the columns of
        :func:`analysis.predictive.uncertainty.summarise_draws`,
        ``extrapolation`` (outside the training box, or far from the design), ``outside``
        (the features outside the box, ``;``-separated), ``nearest_training`` (the distance
        to the nearest training simulation, each feature in units of its training sd) and
        ``far_from_design`` (that distance beyond :attr:`TrainingRange.reach`: a scenario
        inside the box can still lie where the design has no simulation, when it does not
        fill the box).

    Examples
    --------
    The stored test simulations, back in physical units, give the stored predictions:

    >>> from inference.testing import tiny_posterior_file
    >>> tree = tiny_posterior_file()
    >>> data = tree["constant_data"]
    >>> X = tree["predictions_constant_data"]["X"] * data["x_std"] + data["x_mean"]
    >>> table = predict_scenarios(tree, X.to_numpy())
    >>> stored = tree["predictions"]["p"].mean(("chain", "draw")).to_numpy()
    >>> bool(abs(table["mean"] - stored).max() < 1e-12)
    True
    """
    network = network or evaluator(tree)
    training = training or training_range(tree)
    X = np.asarray(X, dtype=float)
    Z = standardise(tree, X)
    p = network(tree["posterior"], Z, dim="scenario")
    table = summarise_draws(p).to_dataframe().reset_index(drop=True)
    outside = outside_training(training.box, X)
    nearest = training.neighbours.query(Z)[0]
    far = nearest > training.reach
    table["extrapolation"] = outside.any(axis=1) | far
    table["outside"] = _outside_text(outside, list(training.box.index))
    table["nearest_training"] = nearest
    table["far_from_design"] = far
    return table


def sobol_candidates(box: pd.DataFrame, n: int, *, seed: int) -> pd.DataFrame:
    """``n`` scrambled Sobol points over the training box, in physical units.

    The first ``n`` points of a base-2 sequence of 2^⌈log2 n⌉ points: balanced when ``n``
    is a power of two.

    Examples
    --------
    >>> box = pd.DataFrame({"min": [0.0, 10.0], "max": [1.0, 20.0]}, index=["a", "b"])
    >>> points = sobol_candidates(box, 8, seed=0)
    >>> points.shape, bool(points["b"].between(10, 20).all())
    ((8, 2), True)
    """
    sampler = qmc.Sobol(d=len(box), scramble=True, rng=np.random.default_rng(seed))
    unit = sampler.random_base2(m=max(int(np.ceil(np.log2(n))), 0))[:n]
    points = qmc.scale(unit, box["min"].to_numpy(), box["max"].to_numpy())
    return pd.DataFrame(points, columns=list(box.index))


def rank_candidates(scores: pd.DataFrame, *, by: str = "bald", k: int = 20) -> pd.DataFrame:
    """Return the ``k`` candidates with the highest acquisition ``by``, best first, ranked from 1.

    ``by`` is a key of :data:`analysis.predictive.acquisition.ACQUISITIONS`; ties keep the input
    order.

    Examples
    --------
    >>> scores = pd.DataFrame({"mutual_information": [0.1, 0.5, 0.3]})
    >>> rank_candidates(scores, k=2).index.tolist()
    [1, 2]
    """
    column = ACQUISITIONS[by]
    best = scores.sort_values(column, ascending=False, kind="stable").head(k)
    return best.assign(rank=np.arange(1, len(best) + 1))


def next_simulations(
    tree: xr.DataTree,
    candidates: pd.DataFrame,
    *,
    by: str = "bald",
    k: int = 20,
    within: float | None = None,
    network: Evaluator | None = None,
    training: TrainingRange | None = None,
) -> pd.DataFrame:
    """Score candidate scenarios and keep the ``k`` most worth simulating next.

    Parameters
    ----------
    tree : xarray.DataTree
        A posterior file.
    candidates : pandas.DataFrame
        One row per candidate, a column per feature (physical units; other columns are
        kept); its index identifies the candidates.
    by : {"bald", "entropy", "sd"}
        The acquisition function (:data:`analysis.predictive.acquisition.ACQUISITIONS`).
    k : int
        How many to keep.
    within : float, optional
        Keep only candidates at most this far from a training simulation
        (``nearest_training``, in training-sd units): near the design's own combinations.
    network, training : optional
        As for :func:`predict_scenarios`.

    Returns
    -------
    pandas.DataFrame
        The best ``k`` candidates, best first: their columns, every score of
        :func:`predict_scenarios`, and ``rank`` (from 1).

    Examples
    --------
    >>> from inference.testing import tiny_posterior_file
    >>> tree = tiny_posterior_file()
    >>> pool = sobol_candidates(training_box(tree), 64, seed=0)
    >>> best = next_simulations(tree, pool, k=5)
    >>> best["rank"].tolist(), bool(best["mutual_information"].is_monotonic_decreasing)
    ([1, 2, 3, 4, 5], True)
    """
    X = candidates[feature_names(tree)].to_numpy()
    scores = predict_scenarios(tree, X, network=network, training=training).set_index(
        candidates.index
    )
    scored = pd.concat([candidates, scores], axis=1)
    if within is not None:
        scored = scored[scored["nearest_training"] <= within]
    return rank_candidates(scored, by=by, k=k)
