"""Stratified, seeded subsets of the simulations: a held-out test set, a sweep's sizes.

Both draw each class in its share, so that a subset keeps the data's class balance, and
both are reproducible from their seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from study.data.dataset import LABEL, DataError

__all__ = ["split_test", "stratified_subset"]


def stratified_subset(
    labels: np.ndarray, size: int, *, random_state: int | np.random.SeedSequence
) -> np.ndarray:
    """Draw a stratified random subset of ``size`` rows, nested across sizes.

    Each class's rows are permuted (seeded) and the first ``round(size × share)`` of
    class 1 and the rest from class 0 are taken, so for one
    ``random_state`` a smaller subset is part of every larger one.

    Parameters
    ----------
    labels : numpy.ndarray
        0/1 labels of all the training rows.
    size : int
        Rows wanted, between 1 and ``len(labels)``.
    random_state : int or numpy.random.SeedSequence
        Seeds the permutations.

    Returns
    -------
    numpy.ndarray
        The subset's row indices, sorted.

    Raises
    ------
    ValueError
        ``size`` is not between 1 and the number of rows.

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([0, 0, 0, 0, 1, 1])
    >>> small = stratified_subset(labels, 3, random_state=1)
    >>> large = stratified_subset(labels, 5, random_state=1)
    >>> set(small) <= set(large), int(labels[small].sum())
    (True, 1)
    """
    labels = np.asarray(labels)
    if not 1 <= size <= len(labels):
        raise ValueError(
            f"training size {size} is not between 1 and the {len(labels)} training simulations"
        )
    rng = np.random.default_rng(random_state)
    ones = rng.permutation(np.flatnonzero(labels == 1))
    zeros = rng.permutation(np.flatnonzero(labels != 1))
    n_ones = round(size * len(ones) / len(labels))
    return np.sort(np.concatenate([ones[:n_ones], zeros[: size - n_ones]]))


def split_test(
    table: pd.DataFrame,
    *,
    fraction: float,
    random_state: int | np.random.SeedSequence,
    source: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold out a stratified, seeded share of the simulations as the test set.

    Parameters
    ----------
    table : pandas.DataFrame
        The simulations, with a 0/1 :data:`~study.data.dataset.LABEL` column; its index
        (the CSV's line numbers) is kept, and says which went where.
    fraction : float
        The share held out, strictly between 0 and 1; at least one row of each class is
        held out and kept.
    random_state : int or numpy.random.SeedSequence
        Seeds the draw.
    source : str
        The file, for messages.

    Returns
    -------
    train, test : pandas.DataFrame
        In the table's order.

    Raises
    ------
    DataError
        A fraction that leaves a class without a row on either side.

    Examples
    --------
    >>> from study.data.dataset import synthetic_frame
    >>> train, test = split_test(synthetic_frame(100, seed=1), fraction=0.2, random_state=0,
    ...                          source="s.csv")
    >>> len(train), len(test), set(train.index) & set(test.index)
    (80, 20, set())
    """
    if not 0 < fraction < 1:
        raise DataError(f"--test-fraction {fraction:g}: expected a share between 0 and 1")
    labels = table[LABEL].to_numpy()
    size = round(fraction * len(labels))
    held = np.zeros(len(labels), dtype=bool)
    if 0 < size < len(labels):
        held[stratified_subset(labels, size, random_state=random_state)] = True
    for kept, side in ((held, "test"), (~held, "training")):
        classes = np.unique(labels[kept])
        if len(classes) < 2:
            raise DataError(
                f"{source}: --test-fraction {fraction:g} of {len(labels)} simulations leaves "
                f"the {side} set without both classes (expected a fraction that keeps both on "
                "each side, or a --test-csv)"
            )
    return table[~held], table[held]
