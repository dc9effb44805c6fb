"""Training subsets of a sweep: stratified, seeded, and nested across sizes.

Beside :mod:`study.data.preprocess`: a subset is cut from the training simulations before
the ordinary preprocessing (balancing, standardising) sees them.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from study.config import random_stream
from study.data.dataset import LABEL, Dataset

__all__ = ["stratified_subset", "subset_dataset", "subset_seed"]


def stratified_subset(
    labels: np.ndarray, size: int, *, random_state: int | np.random.SeedSequence
) -> np.ndarray:
    """Draw a stratified random subset of ``size`` rows, nested across sizes.

    Each class's rows are permuted (seeded) and the first ``round(size × share)`` of
    the propagating class and the rest from the arresting class are taken, so for one
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


def subset_seed(seed: int) -> np.random.SeedSequence:
    """Return the random stream of a seed's training subsets, apart from its fit seeds."""
    return random_stream(seed, "subset")


def subset_dataset(dataset: Dataset, size: int, *, seed: int) -> tuple[Dataset, np.ndarray]:
    """Cut a dataset's training simulations to a stratified, nested subset.

    Returns
    -------
    subset : Dataset
        ``size`` training rows, in their original order; the whole test set.
    rows : numpy.ndarray
        Their indices in ``dataset.train``.
    """
    labels = dataset.train[LABEL].to_numpy()
    rows = stratified_subset(labels, size, random_state=subset_seed(seed))
    source = (
        f"stratified subset of {size} of the {len(labels)} training simulations "
        f"(seed {seed}) from {dataset.source}"
    )
    train = dataset.train.iloc[rows].reset_index(drop=True)
    return dataclasses.replace(dataset, train=train, source=source), rows
