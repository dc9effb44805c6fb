"""Training subsets of a sweep: stratified, seeded, and nested across sizes.

Beside :mod:`study.data.preprocess`: a subset is cut from the training simulations before
the ordinary preprocessing (balancing, standardising) sees them.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from study.config import random_stream
from study.data.dataset import LABEL, Dataset
from study.data.split import stratified_subset

__all__ = ["default_train_sizes", "stratified_subset", "subset_dataset", "subset_seed"]


def default_train_sizes(rows: int, *, features: int) -> list[int]:
    """A sweep's default training sizes: the whole training set and its halvings to a 16th.

    Sizes below 10 rows or below the number of features are left out.

    Examples
    --------
    >>> default_train_sizes(1600, features=8)  # the paper's data
    [100, 200, 400, 800, 1600]
    >>> default_train_sizes(455, features=30)
    [56, 113, 227, 455]
    """
    halvings = (rows // 2**k for k in range(4, -1, -1))
    return [size for size in halvings if size >= max(10, features)]


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
    train = dataset.train.iloc[rows]  # the index (a CSV's line numbers) kept
    return dataclasses.replace(dataset, train=train, source=source), rows
