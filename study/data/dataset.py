"""What the study's data is: the simulations' columns, a dataset as read, its errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from common.errors import StudyError
from inference.posterior.classes import PAPER_CLASSES, Classes

__all__ = [
    "COLUMNS",
    "FEATURES",
    "LABEL",
    "DataError",
    "Dataset",
    "read_bytes",
    "synthetic_dataset",
    "synthetic_frame",
]

#: Input columns, in file order.
FEATURES = ("height", "width", "sxx", "sxy", "syy", "sdrop", "mud", "dc")
#: Name of the 0/1 target column (1 = the rupture propagated through the barrier).
LABEL = "label"

#: Every column a data file must hold, in the order the study uses them.
COLUMNS = (*FEATURES, LABEL)


class DataError(StudyError, ValueError):
    """The data could not be found, downloaded, verified or read."""


@dataclass(frozen=True)
class Dataset:
    """Training and test simulations, as read (not yet preprocessed).

    Attributes
    ----------
    train, test : pandas.DataFrame
        Columns ``features`` then :data:`LABEL` (0/1 integers).
    source : str
        What was read, by file names only (no path of this machine): it is stored in
        every posterior file, which gets shared.
    sha256 : dict of str to str
        File name to sha256 of every file read.
    units : dict of str to str
        Feature to unit (``"1"``: dimensionless; a feature not named: unknown), stored
        in every posterior file (:mod:`study.data.units`).
    features : tuple of str
        The inputs, in the order the network takes them: the paper's :data:`FEATURES`,
        or a user's campaign's (:func:`study.data.campaign.load_csv_dataset`).
    classes : Classes
        What the label's 0 and 1 mean (:mod:`inference.posterior.classes`), stored in
        every posterior file.
    lines : bool
        Whether ``train`` and ``test`` are indexed by their CSV line numbers, stored in
        every posterior file (a user's campaign: which rows went where).
    """

    train: pd.DataFrame
    test: pd.DataFrame
    source: str
    sha256: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    features: tuple[str, ...] = FEATURES
    classes: Classes = PAPER_CLASSES
    lines: bool = False


def read_bytes(path: Path) -> bytes:
    """Read a data file's bytes, or say in one line why not."""
    if not path.exists():
        raise DataError(f"{path}: file not found")
    if not path.is_file():
        raise DataError(f"{path}: not a regular file (expected a data file)")
    try:
        return path.read_bytes()
    except OSError as err:
        raise DataError(f"{path}: cannot be read ({err.strerror})") from None


def synthetic_frame(n: int, *, seed: int) -> pd.DataFrame:
    """Make ``n`` simulations whose label is planted on sxx and syy (about 35 % propagate).

    For examples and tests: standard normal features, label ``sxx + syy > 0.55``.

    Examples
    --------
    >>> frame = synthetic_frame(200, seed=1)
    >>> list(frame.columns) == [*FEATURES, LABEL], bool(0.2 < frame[LABEL].mean() < 0.5)
    (True, True)
    """
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n, len(FEATURES))), columns=list(FEATURES))
    frame[LABEL] = (frame["sxx"] + frame["syy"] > 0.55).astype(np.int64)
    return frame


def synthetic_dataset(n_train: int = 60, n_test: int = 30) -> Dataset:
    """Make a small :class:`Dataset` with a planted rule (:func:`synthetic_frame`).

    Examples
    --------
    >>> data = synthetic_dataset()
    >>> len(data.train), len(data.test)
    (60, 30)
    """
    train, test = synthetic_frame(n_train, seed=1), synthetic_frame(n_test, seed=2)
    return Dataset(train=train, test=test, source="synthetic")
