"""Preprocessing as in the paper: upsample the propagating class, standardise.

The author redrew the whole minority class with replacement up to the majority
size and fit the scaler afterwards. Duplicated rows only weight the likelihood,
so the training set is kept as the distinct original rows with integer counts:
the same posterior with fewer rows to evaluate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.preprocessing import StandardScaler
from sklearn.utils import resample

from study.dataset import FEATURES, LABEL, Dataset


@dataclass(frozen=True)
class Prepared:
    """Model-ready arrays.

    Attributes
    ----------
    X, y, weight : numpy.ndarray
        Standardised training inputs ``(obs, feature)``, labels ``(obs,)`` and
        integer row counts ``(obs,)`` after upsampling; rows with count 0 are dropped.
    X_test, y_test : numpy.ndarray
        Standardised test inputs ``(test, feature)`` and labels ``(test,)``.
    x_mean, x_std : numpy.ndarray
        The training statistics used for standardising ``(feature,)``.
    features : tuple of str
        Feature names, in column order.
    """

    X: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    x_mean: np.ndarray
    x_std: np.ndarray
    features: tuple[str, ...] = FEATURES


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
    drawn = resample(minority, replace=True, n_samples=sizes.max(), random_state=seed)
    counts[minority] = 0
    np.add.at(counts, drawn, 1)
    return counts


def prepare(dataset: Dataset, *, random_state: int | np.random.Generator) -> Prepared:
    """Upsample, standardise with training statistics and drop unused rows.

    Parameters
    ----------
    dataset : Dataset
        Training and test simulations.
    random_state : int or numpy.random.Generator
        Seed for the upsampling.

    Returns
    -------
    Prepared

    Examples
    --------
    >>> from study.dataset import synthetic_dataset
    >>> data = prepare(synthetic_dataset(), random_state=0)
    >>> int(data.weight[data.y == 1].sum()) == int(data.weight[data.y == 0].sum())  # balanced
    True
    >>> data.X.shape[1], data.X_test.shape
    (8, (30, 8))
    """
    X = dataset.train[list(FEATURES)].to_numpy(dtype=float)
    y = dataset.train[LABEL].to_numpy(dtype=np.int64)
    counts = upsample_counts(y, random_state=random_state)
    keep = counts > 0
    scaler = StandardScaler().fit(X[keep], sample_weight=counts[keep])
    return Prepared(
        X=scaler.transform(X[keep]),
        y=y[keep],
        weight=counts[keep],
        X_test=scaler.transform(dataset.test[list(FEATURES)].to_numpy(dtype=float)),
        y_test=dataset.test[LABEL].to_numpy(dtype=np.int64),
        x_mean=scaler.mean_,
        x_std=scaler.scale_,
    )
