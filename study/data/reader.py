"""Read the rupture simulations: the paper's files, or a user's own CSV files.

The paper's dataset is three whitespace-separated text files (no header, nine
columns: the eight features of :data:`~study.data.dataset.FEATURES` and ``label``), found and
verified by :mod:`study.data.download`. A user's own simulations are read from two CSV files
with a header (:mod:`study.data.campaign`). Every fault is reported with its file, line,
column and value.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from study.data.campaign import TEST_FRACTION, load_csv_dataset
from study.data.cells import check_splits, decoded, parse_cell, read_table
from study.data.dataset import COLUMNS, LABEL, DataError, Dataset
from study.data.download import PAPER_FILES, download_paper_files, locate_data_dir, verified
from study.data.units import PAPER_UNITS

__all__ = ["load_csv_dataset", "load_dataset", "load_paper_dataset", "parse_cell"]

logger = logging.getLogger(__name__)


def _paper_table(path: Path, data: bytes) -> pd.DataFrame:
    """Parse a paper file: no header, nine whitespace-separated values per line."""
    lines = decoded(path, data).splitlines()
    rows = [(n, line.split()) for n, line in enumerate(lines, start=1) if line.strip()]
    return read_table(path, rows, list(COLUMNS))


def load_paper_dataset(directory: Path, *, source: str = "") -> Dataset:
    """Read the paper's files: train = train + validate (1600 rows), test = 400 rows.

    Each file is read once: its bytes are checked against the published sha256 and
    then parsed, so nothing unverified is ever used.

    Raises
    ------
    DataError
        A file is missing, is not the published one, or (never for the published
        files) is malformed.
    """
    read = {name: verified(directory, name) for name in PAPER_FILES}
    tables = [_paper_table(directory / name, data) for name, (data, _) in read.items()]
    train = pd.concat(tables[:2], ignore_index=True)
    names = list(PAPER_FILES)
    check_splits(train, tables[2], sources=(" + ".join(names[:2]), names[2]))
    hashes = {name: digest for name, (_, digest) in read.items()}
    return Dataset(
        train=train,
        test=tables[2],
        source=source or "the paper's files",
        sha256=hashes,
        units=PAPER_UNITS,
    )


def load_dataset(
    *,
    data_dir: str | os.PathLike | None = None,
    train_csv: str | os.PathLike | None = None,
    test_csv: str | os.PathLike | None = None,
    download: bool = True,
    label: str = LABEL,
    features: Sequence[str] | None = None,
    positive: str | None = None,
    test_fraction: float = TEST_FRACTION,
    seed: int = 0,
) -> Dataset:
    """Load the study's data from wherever the rules say it is.

    Parameters
    ----------
    data_dir : path-like, optional
        Directory with the paper's three files.
    train_csv, test_csv : path-like, optional
        A user's own simulations; without ``test_csv``, ``test_fraction`` of
        ``train_csv`` is held out, seeded by ``seed``.
    download : bool
        Whether an empty per-user cache may be filled from the network.
    label, features, positive : optional
        A user's label column, features and event (:func:`load_csv_dataset`); the
        paper's data takes none.

    Returns
    -------
    Dataset

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from study.data.dataset import synthetic_frame
    >>> folder = Path(tempfile.mkdtemp())
    >>> synthetic_frame(40, seed=1).to_csv(folder / "train.csv", index=False)
    >>> synthetic_frame(20, seed=2).to_csv(folder / "test.csv", index=False)
    >>> data = load_dataset(train_csv=folder / "train.csv", test_csv=folder / "test.csv")
    >>> len(data.train), len(data.test), sorted(data.sha256)
    (40, 20, ['test.csv', 'train.csv'])
    >>> held = load_dataset(train_csv=folder / "train.csv", test_fraction=0.25, seed=3)
    >>> len(held.train), len(held.test)
    (30, 10)
    """
    if test_csv is not None and train_csv is None:
        raise DataError("--test-csv needs --train-csv (your own simulations)")
    if train_csv is not None:
        return load_csv_dataset(
            Path(train_csv),
            None if test_csv is None else Path(test_csv),
            label=label,
            features=features,
            positive=positive,
            test_fraction=test_fraction,
            seed=seed,
        )
    if label != LABEL or features is not None or positive is not None:
        raise DataError("--label, --features and --positive choose columns of your own CSV files")
    directory, how = locate_data_dir(data_dir)
    if how == "cache" and download:
        logger.info("fetching the paper's data into %s", directory)
        download_paper_files(directory)
    logger.debug("reading the paper's files from %s (%s)", directory, how)
    return load_paper_dataset(directory, source=f"the paper's files (from {how})")
