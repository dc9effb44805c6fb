"""Non-Bayesian baselines trained on a posterior file's own training rows.

The paper compared its Bayesian network with a plain neural network and a random forest
(0.8125 accuracy each on this split). :func:`fit_baselines` trains scikit-learn's
classifiers on the rows a posterior file was fitted on (its ``constant_data`` inputs,
standardised as the network saw them, its ``observed_data`` labels and its row weights,
so the class balance is the run's) and scores them on the file's test set with the same
metrics as the posterior files. They have no posterior: the leaderboard leaves their
weight-space columns blank.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from sklearn.base import ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessClassifier
from sklearn.gaussian_process.kernels import RBF, ConstantKernel
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.neural_network import MLPClassifier

from analysis.predictive.metrics import accuracy, probabilistic_scores

__all__ = ["BASELINES", "Baselines", "fit_baselines"]

logger = logging.getLogger(__name__)


def _gp(seed: int, features: int) -> ClassifierMixin:
    return GaussianProcessClassifier(
        ConstantKernel() * RBF(length_scale=np.ones(features)), random_state=seed
    )


#: Each baseline's estimator, from a seed and the number of features. The MLP is the
#: paper's 8-12-1 ReLU network fitted to a point estimate (L2 penalty, Adam); the GP
#: classifier has one length scale per feature (ARD) and, as scikit-learn's takes no row
#: weights, sees each training row once, at most :data:`GP_MAX_ROWS` of them.
BASELINES: dict[str, Callable[[int, int], ClassifierMixin]] = {
    "logistic regression": lambda seed, features: LogisticRegression(max_iter=1000),
    "random forest": lambda seed, features: RandomForestClassifier(
        n_estimators=500, random_state=seed
    ),
    "gradient boosting": lambda seed, features: HistGradientBoostingClassifier(random_state=seed),
    "MLP 8-12-1": lambda seed, features: MLPClassifier(
        hidden_layer_sizes=(12,), max_iter=2000, random_state=seed
    ),
    "GP classifier": _gp,
}


#: The GP classifier's cost grows as the cube of its rows (90 s on the 1600 training rows
#: of the paper's data, on 2 cores): beyond this many it is trained on a seeded subset of
#: this size, stratified by class, and the table's ``training_rows`` says so.
GP_MAX_ROWS = 500


@dataclass(frozen=True)
class Baselines:
    """Results of :func:`fit_baselines`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per baseline: ``accuracy``, ``f1_weighted``, ``f1_propagate``,
        ``roc_auc``, ``log_loss``, ``brier``, ``ece`` on the test set,
        ``fit_seconds`` and ``training_rows`` (the distinct training rows it saw).
    p : xarray.DataArray
        Predicted probability of propagation, dims ``(baseline, test)``.
    """

    table: pd.DataFrame
    p: xr.DataArray


def _training_rows(tree: xr.DataTree) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    data = tree["constant_data"]
    X = data["X"].to_numpy()
    weight = data["weight"].to_numpy() if "weight" in data else np.ones(len(X))
    return X, tree["observed_data"]["y"].to_numpy().astype(int), weight


def stratified_subset(y: np.ndarray, size: int, *, random_state: int) -> np.ndarray:
    """Positions of ``size`` rows drawn without replacement, each class in its share.

    Examples
    --------
    >>> y = np.array([0] * 60 + [1] * 40)
    >>> keep = stratified_subset(y, 10, random_state=0)
    >>> len(keep), int(y[keep].sum())
    (10, 4)
    """
    if size >= len(y):
        return np.arange(len(y))
    rng = np.random.default_rng(random_state)
    classes, counts = np.unique(y, return_counts=True)
    shares = np.floor(counts / len(y) * size).astype(int)
    shares[np.argmax(counts)] += size - shares.sum()
    picked = [
        rng.choice(np.flatnonzero(y == c), size=n, replace=False)
        for c, n in zip(classes, shares, strict=True)
    ]
    return np.sort(np.concatenate(picked))


def _fit(name: str, estimator: ClassifierMixin, X, y, weight) -> ClassifierMixin:
    """Fit with the row weights where the estimator takes them; log its warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        if isinstance(estimator, GaussianProcessClassifier):
            estimator.fit(X, y)  # the rows are a subset already (GP_MAX_ROWS)
        else:
            estimator.fit(X, y, sample_weight=weight)
    for warning in caught:
        if issubclass(warning.category, ConvergenceWarning):
            logger.info("%s: %s", name, warning.message)
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    return estimator


def fit_baselines(
    tree: xr.DataTree, *, names: tuple[str, ...] | None = None, random_state: int = 0
) -> Baselines:
    """Train each baseline on a file's training rows and score it on its test set.

    Parameters
    ----------
    tree : xarray.DataTree
        A posterior file.
    names : tuple of str, optional
        Keys of :data:`BASELINES` (default: all).
    random_state : int
        Seeds every estimator.

    Returns
    -------
    Baselines

    Examples
    --------
    >>> from inference.testing import tiny_posterior_file
    >>> result = fit_baselines(tiny_posterior_file(), names=("logistic regression",))
    >>> result.table.columns.tolist()[:3]
    ['accuracy', 'f1_weighted', 'f1_propagate']
    >>> result.p.dims
    ('baseline', 'test')
    """
    X, y, weight = _training_rows(tree)
    test = tree["predictions_constant_data"]
    X_test, y_test = test["X"].to_numpy(), test["y"].to_numpy().astype(int)
    rows, p = {}, {}
    for name in names or tuple(BASELINES):
        estimator = BASELINES[name](random_state, X.shape[1])
        keep = np.arange(len(y))
        if isinstance(estimator, GaussianProcessClassifier):
            keep = stratified_subset(y, GP_MAX_ROWS, random_state=random_state)
        start = time.perf_counter()
        estimator = _fit(name, estimator, X[keep], y[keep], weight[keep])
        seconds = time.perf_counter() - start
        p[name] = estimator.predict_proba(X_test)[:, 1]
        predicted = (p[name] > 0.5).astype(int)
        rows[name] = {
            "accuracy": accuracy(p[name], y_test),
            "f1_weighted": float(f1_score(y_test, predicted, average="weighted")),
            "f1_propagate": float(f1_score(y_test, predicted)),
            **probabilistic_scores(y_test, p[name]).as_dict(),
            "fit_seconds": seconds,
            "training_rows": len(keep),
        }
    probabilities = xr.DataArray(
        np.stack(list(p.values())),
        dims=("baseline", "test"),
        coords={"baseline": list(p), "test": test["test"].to_numpy()},
    )
    return Baselines(pd.DataFrame.from_dict(rows, orient="index"), probabilities)
