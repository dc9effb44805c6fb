"""Preprocessing: balance the two classes, standardise with the training statistics.

Three ways to balance (:data:`BALANCES`, the run option ``--balance``):

``"weight"`` (the default)
    Every training simulation once; the minority class's rows weigh
    n_majority / n_minority in the likelihood, the expectation of the paper's
    upsampling: the same balance, with no random draw and no row dropped.
``"upsample"``
    The paper's: the minority class redrawn with replacement up to the majority size.
    Duplicated rows only weight the likelihood, so the rows are kept once each with
    integer counts (the same posterior with fewer rows to evaluate); rows never drawn
    are dropped. Which rows and how often depends on the seed.
``"none"``
    The plain likelihood: every row weighs 1.

The scaler is fitted with the same row weights (the author fitted it after upsampling).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from study.data.dataset import FEATURES, LABEL, Dataset

__all__ = ["BALANCES", "Balance", "Prepared", "balance_weights", "prepare", "upsample_counts"]

Balance = Literal["weight", "upsample", "none"]
#: The ways to balance the classes, the default first.
BALANCES: tuple[str, ...] = get_args(Balance)


@dataclass(frozen=True)
class Prepared:
    """Model-ready arrays.

    Attributes
    ----------
    X, y, weight : numpy.ndarray
        Standardised training inputs ``(obs, feature)``, labels ``(obs,)`` and the
        rows' likelihood weights ``(obs,)`` (:func:`balance_weights`); rows of weight 0
        (never drawn by the upsampling) are dropped.
    X_test, y_test : numpy.ndarray
        Standardised test inputs ``(test, feature)`` and labels ``(test,)``.
    x_mean, x_std : numpy.ndarray
        The training statistics used for standardising ``(feature,)``.
    features : tuple of str
        Feature names, in column order.
    lines, lines_test : numpy.ndarray or None
        The CSV line number of each training and test row (a user's campaign), or None.
    """

    X: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    x_mean: np.ndarray
    x_std: np.ndarray
    features: tuple[str, ...] = FEATURES
    lines: np.ndarray | None = None
    lines_test: np.ndarray | None = None

    def padded(self, rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the training ``X, y, weight`` padded to ``rows`` rows of weight 0.

        The padding (inputs 0, label 0) adds nothing to the likelihood or its gradient; it
        keeps the shapes of fits on growing subsets the same, so that a compiled log
        density can be reused (:mod:`study.design.rounds`).

        Examples
        --------
        >>> from study.data.dataset import synthetic_dataset
        >>> X, y, weight = prepare(synthetic_dataset(60, 30)).padded(100)
        >>> X.shape, float(weight[60:].sum()), int(y[60:].sum())
        ((100, 8), 0.0, 0)
        """
        extra = rows - len(self.y)
        if extra < 0:
            raise ValueError(f"cannot pad {len(self.y)} training rows to {rows}")
        return (
            np.pad(self.X, ((0, extra), (0, 0))),
            np.pad(self.y, (0, extra)),
            np.pad(self.weight, (0, extra)),
        )


def upsample_counts(y: np.ndarray, *, random_state: int | np.random.Generator) -> np.ndarray:
    """Count how often each row appears after upsampling the minority class.

    The minority class is redrawn with replacement to the majority size (the
    author's procedure); majority rows appear once each.

    Parameters
    ----------
    y : numpy.ndarray
        0/1 labels.
    random_state : int or numpy.random.Generator
        Seed for the redraw.

    Returns
    -------
    numpy.ndarray
        Integer count per row, summing to twice the majority size.
    """
    classes, sizes = np.unique(y, return_counts=True)
    counts = np.ones(len(y), dtype=np.int64)
    if len(classes) < 2 or sizes[0] == sizes[1]:
        return counts
    minority = np.flatnonzero(y == classes[np.argmin(sizes)])
    seed = np.random.default_rng(random_state).integers(2**31 - 1)
    from sklearn.utils import resample  # scikit-learn only once fitting: not for --help

    drawn = resample(minority, replace=True, n_samples=sizes.max(), random_state=seed)
    counts[minority] = 0
    np.add.at(counts, drawn, 1)
    return counts


def balance_weights(
    y: np.ndarray, *, balance: Balance, random_state: int | np.random.Generator | None = None
) -> np.ndarray:
    """Likelihood weight of each training row under one way of balancing the classes.

    Parameters
    ----------
    y : numpy.ndarray
        0/1 labels.
    balance : {"weight", "upsample", "none"}
        See the module's docstring.
    random_state : int or numpy.random.Generator, optional
        Seed of the upsampling (``"upsample"`` only; required there).

    Returns
    -------
    numpy.ndarray
        Float weights; each class's weights sum to the majority size, but with
        ``"none"`` (all 1). Integer-valued with ``"upsample"`` (zero: never drawn).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 0, 0, 0, 1, 1])
    >>> balance_weights(y, balance="weight").tolist()
    [1.0, 1.0, 1.0, 1.0, 2.0, 2.0]
    >>> float(balance_weights(y, balance="upsample", random_state=0)[y == 1].sum())
    4.0
    """
    if balance == "none":
        return np.ones(len(y))
    if balance == "upsample":
        if random_state is None:
            raise ValueError("the upsampling needs a random_state")
        return upsample_counts(y, random_state=random_state).astype(float)
    if balance != "weight":
        raise ValueError(f"balance must be one of {', '.join(BALANCES)}, got {balance!r}")
    _, inverse, sizes = np.unique(y, return_inverse=True, return_counts=True)
    return (sizes.max() / sizes)[inverse].astype(float)


def prepare(
    dataset: Dataset,
    *,
    balance: Balance = "weight",
    random_state: int | np.random.Generator | None = None,
) -> Prepared:
    """Balance, standardise with the weighted training statistics, drop unused rows.

    Parameters
    ----------
    dataset : Dataset
        Training and test simulations.
    balance : {"weight", "upsample", "none"}
        How the classes are balanced (:func:`balance_weights`).
    random_state : int or numpy.random.Generator, optional
        Seed for the upsampling (``"upsample"`` only).

    Returns
    -------
    Prepared

    Examples
    --------
    >>> from study.data.dataset import synthetic_dataset
    >>> import numpy as np
    >>> data = prepare(synthetic_dataset())
    >>> bool(np.isclose(data.weight[data.y == 1].sum(), data.weight[data.y == 0].sum()))
    True
    >>> data.X.shape, data.X_test.shape
    ((60, 8), (30, 8))
    >>> upsampled = prepare(synthetic_dataset(), balance="upsample", random_state=0)
    >>> bool(upsampled.X.shape[0] <= 60)  # rows never drawn are dropped
    True
    """
    features = list(dataset.features)
    X = dataset.train[features].to_numpy(dtype=float)
    y = dataset.train[LABEL].to_numpy(dtype=np.int64)
    weight = balance_weights(y, balance=balance, random_state=random_state)
    keep = weight > 0
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X[keep], sample_weight=weight[keep])
    return Prepared(
        X=scaler.transform(X[keep]),
        y=y[keep],
        weight=weight[keep],
        X_test=scaler.transform(dataset.test[features].to_numpy(dtype=float)),
        y_test=dataset.test[LABEL].to_numpy(dtype=np.int64),
        x_mean=scaler.mean_,
        x_std=scaler.scale_,
        features=tuple(features),
        lines=dataset.train.index.to_numpy()[keep] if dataset.lines else None,
        lines_test=dataset.test.index.to_numpy() if dataset.lines else None,
    )
