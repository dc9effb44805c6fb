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


def _gp(seed: int, features: int, hidden: int) -> ClassifierMixin:
    # from length scales of 1 the optimiser stopped, on the paper's data, at a poorer optimum
    # (log marginal likelihood -261.0 on 500 rows, against -253.4 from sqrt(features), the
    # typical distance of standardised inputs), with length scales at their upper bound
    return GaussianProcessClassifier(
        ConstantKernel() * RBF(length_scale=np.full(features, np.sqrt(features))),
        random_state=seed,
    )


#: Each baseline's estimator, from a seed, the number of features and the file's hidden
#: width. The MLP is the file's network (the paper's 8-12-1 ReLU network on the paper's
#: data; its row reads ``MLP 8-12-1``) fitted to a point estimate (L2 penalty, Adam); the GP
#: classifier has one length scale per feature (ARD), fitted on at most
#: :data:`GP_KERNEL_ROWS` rows, and, as scikit-learn's takes no row weights, sees each
#: training row once.
BASELINES: dict[str, Callable[[int, int, int], ClassifierMixin]] = {
    "logistic regression": lambda seed, features, hidden: LogisticRegression(max_iter=1000),
    "random forest": lambda seed, features, hidden: RandomForestClassifier(
        n_estimators=500, random_state=seed
    ),
    "gradient boosting": lambda seed, features, hidden: HistGradientBoostingClassifier(
        random_state=seed
    ),
    "MLP": lambda seed, features, hidden: MLPClassifier(
        hidden_layer_sizes=(hidden,), max_iter=2000, random_state=seed
    ),
    "GP classifier": _gp,
}


#: The GP classifier's kernel optimisation costs the cube of its rows at every step (47–90 s
#: on the 1600 training rows of the paper's data, on 2 cores): beyond this many rows its
#: hyperparameters are fitted on a seeded subset of this size, stratified by class, and the
#: latent GP then on every row with them fixed (about 7 s in all); ``kernel_rows`` says so.
GP_KERNEL_ROWS = 500


@dataclass(frozen=True)
class Baselines:
    """Results of :func:`fit_baselines`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per baseline (the MLP's named by its shape, ``MLP 8-12-1``):
        ``accuracy``, ``f1_weighted``, ``f1_propagate`` (the F1 of class 1, the event),
        ``roc_auc``, ``log_loss``, ``brier``, ``ece`` on the test set,
        ``fit_seconds`` and ``kernel_rows`` (the rows a kernel's hyperparameters were
        fitted on: the GP classifier's; NaN for the others).
    p : xarray.DataArray
        Predicted probability of class 1 (the event), dims ``(baseline, test)``.
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


def _fit_gp(
    estimator: GaussianProcessClassifier, X, y, *, random_state: int
) -> tuple[GaussianProcessClassifier, int]:
    """Fit the kernel's hyperparameters on at most :data:`GP_KERNEL_ROWS` rows, then every row."""
    keep = stratified_subset(y, GP_KERNEL_ROWS, random_state=random_state)
    if len(keep) == len(y):
        return estimator.fit(X, y), len(y)
    kernel = estimator.fit(X[keep], y[keep]).kernel_
    fixed = GaussianProcessClassifier(kernel, optimizer=None, random_state=random_state)
    return fixed.fit(X, y), len(keep)


def _fit(
    name: str, estimator: ClassifierMixin, X, y, weight, *, random_state: int
) -> tuple[ClassifierMixin, float]:
    """Fit with the row weights where the estimator takes them; log its warnings.

    Returns the fitted estimator and the rows its kernel was fitted on (NaN: no kernel).
    """
    kernel_rows = np.nan
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        if isinstance(estimator, GaussianProcessClassifier):
            estimator, kernel_rows = _fit_gp(estimator, X, y, random_state=random_state)
        else:
            estimator.fit(X, y, sample_weight=weight)
    for warning in caught:
        if issubclass(warning.category, ConvergenceWarning):
            logger.info("%s: %s", name, warning.message)
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    return estimator, kernel_rows


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
    hidden = tree["posterior"].sizes["hidden"]
    rows, p = {}, {}
    for name in names or tuple(BASELINES):
        start = time.perf_counter()
        made = BASELINES[name](random_state, X.shape[1], hidden)
        estimator, kernel_rows = _fit(name, made, X, y, weight, random_state=random_state)
        seconds = time.perf_counter() - start
        label = f"MLP {X.shape[1]}-{hidden}-1" if name == "MLP" else name
        p[label] = estimator.predict_proba(X_test)[:, 1]
        predicted = (p[label] > 0.5).astype(int)
        rows[label] = {
            "accuracy": accuracy(p[label], y_test),
            "f1_weighted": float(f1_score(y_test, predicted, average="weighted")),
            "f1_propagate": float(f1_score(y_test, predicted)),
            **probabilistic_scores(y_test, p[label]).as_dict(),
            "fit_seconds": seconds,
            "kernel_rows": kernel_rows,
        }
    probabilities = xr.DataArray(
        np.stack(list(p.values())),
        dims=("baseline", "test"),
        coords={"baseline": list(p), "test": test["test"].to_numpy()},
    )
    return Baselines(pd.DataFrame.from_dict(rows, orient="index"), probabilities)
