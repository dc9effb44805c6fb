"""Locate, download, verify and load the rupture simulations.

The paper's dataset is three whitespace-separated text files (no header, nine
columns: the eight features of :data:`FEATURES` and ``label``) kept in a public
repository at a pinned commit. They are looked for, in this order, in
``--data-dir``, in ``$STUDY_DATA_DIR``, and in a per-user cache that is filled
by downloading them and checking their sha256. A user's own simulations are read
from two CSV files with a header naming the same columns.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pooch
import requests

logger = logging.getLogger(__name__)

#: Input columns, in file order.
FEATURES = ("height", "width", "sxx", "sxy", "syy", "sdrop", "mud", "dc")
#: Name of the 0/1 target column (1 = the rupture propagated through the barrier).
LABEL = "label"

COMMIT = "876f31d1fe9ae824289ef3deb63e01eecbbcfd47"
BASE_URL = (
    f"https://raw.githubusercontent.com/msahamed/machine_learning_earthquake_rupture/{COMMIT}/data/"
)
#: The paper's files and their sha256, in the order train, validate, test.
PAPER_FILES = {
    "rupturemodel_train.txt": "ad9e8d98e7dc513df268b2ae2ad097b84d527323f5cc329e3400919a01657d06",
    "rupturemodel_validate.txt": "d14ad1b12856e596a85ef63ac1d72369454dc6a05e0893833a8edf6bfb71d0cd",
    "rupturemodel_test.txt": "5bdc7d6e666b096a0c54accb85e9bf2659204ce1e1cb56c1f13516be1c15a844",
}
ENV_VAR = "STUDY_DATA_DIR"
CACHE_NAME = "rupture-bnn"


class DataError(ValueError):
    """The data could not be found, downloaded, verified or read."""


@dataclass(frozen=True)
class Dataset:
    """Training and test simulations, as read (not yet preprocessed).

    Attributes
    ----------
    train, test : pandas.DataFrame
        Columns :data:`FEATURES` then :data:`LABEL` (0/1 integers).
    source : str
        Where the files were found, for the run record.
    sha256 : dict of str to str
        File name to sha256 of every file read.
    """

    train: pd.DataFrame
    test: pd.DataFrame
    source: str
    sha256: dict[str, str] = field(default_factory=dict)


def sha256sum(path: Path) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def locate_data_dir(data_dir: str | os.PathLike | None = None) -> tuple[Path, str]:
    """Find the directory that holds (or will hold) the paper's files.

    Parameters
    ----------
    data_dir : path-like, optional
        An explicit directory (the ``--data-dir`` option); wins over everything.

    Returns
    -------
    directory : pathlib.Path
        The directory to read from.
    how : {"--data-dir", "STUDY_DATA_DIR", "cache"}
        Which rule found it.
    """
    if data_dir is not None:
        return Path(data_dir), "--data-dir"
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]), ENV_VAR
    return Path(pooch.os_cache(CACHE_NAME)), "cache"


def verify_paper_files(directory: Path) -> dict[str, str]:
    """Check that ``directory`` holds the paper's three files with their sha256.

    Returns
    -------
    dict of str to str
        File name to sha256.

    Raises
    ------
    DataError
        A file is missing, or its hash is not the published one.
    """
    hashes = {}
    for name, expected in PAPER_FILES.items():
        path = directory / name
        if not path.is_file():
            raise DataError(f"data file {path} not found (expected the paper's {name} there)")
        actual = sha256sum(path)
        if actual != expected:
            raise DataError(
                f"sha256 mismatch for {path}: expected {expected}, got {actual}; "
                "refusing a file that is not the published one"
            )
        hashes[name] = actual
    return hashes


def download_paper_files(directory: Path, *, base_url: str = BASE_URL) -> dict[str, str]:
    """Download the paper's files into ``directory`` unless already there, verifying each.

    Parameters
    ----------
    directory : pathlib.Path
        The cache directory; created if needed.
    base_url : str
        URL prefix the file names are appended to (a test serves them from loopback).

    Returns
    -------
    dict of str to str
        File name to sha256.

    Raises
    ------
    DataError
        A download failed or a file's hash is not the published one; nothing
        unverified is left in ``directory``.
    """
    for name, expected in PAPER_FILES.items():
        try:
            pooch.retrieve(
                base_url + name,
                known_hash=f"sha256:{expected}",
                fname=name,
                path=directory,
                progressbar=False,
            )
        except ValueError as err:  # pooch's hash mismatch names file, expected and actual
            raise DataError(f"{name}: {err}") from None
        except (OSError, requests.RequestException) as err:
            raise DataError(f"could not download {base_url + name}: {err}") from None
    return verify_paper_files(directory)


def _read_paper_file(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, sep=r"\s+", header=None, names=[*FEATURES, LABEL])
    return _checked(frame, path)


def _checked(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    missing = [c for c in (*FEATURES, LABEL) if c not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)}; "
            f"expected a header with {', '.join((*FEATURES, LABEL))}"
        )
    frame = frame[[*FEATURES, LABEL]]
    numeric = frame.apply(pd.to_numeric, errors="coerce")
    bad = numeric.isna().any(axis=1)
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(f"{path}: row {row + 1} has a missing or non-numeric value")
    if not numeric[LABEL].isin([0, 1]).all():
        raise DataError(f"{path}: column {LABEL} must hold only 0 and 1")
    if len(numeric) == 0:
        raise DataError(f"{path}: no rows")
    return numeric.astype({LABEL: "int64"}).reset_index(drop=True)


def load_paper_dataset(directory: Path, *, source: str = "") -> Dataset:
    """Read the verified paper files: train = train + validate (1600 rows), test = 400 rows."""
    hashes = verify_paper_files(directory)
    names = list(PAPER_FILES)
    train = pd.concat([_read_paper_file(directory / n) for n in names[:2]], ignore_index=True)
    test = _read_paper_file(directory / names[2])
    return Dataset(train=train, test=test, source=source or str(directory), sha256=hashes)


def load_csv_dataset(train_csv: Path, test_csv: Path) -> Dataset:
    """Read a user's own simulations from two CSV files with a header.

    The header must name the eight :data:`FEATURES` and :data:`LABEL`; other
    columns are ignored.
    """
    frames = []
    for path in (Path(train_csv), Path(test_csv)):
        if not path.is_file():
            raise DataError(f"CSV file {path} not found")
        try:
            frame = pd.read_csv(path)
        except (pd.errors.ParserError, UnicodeDecodeError) as err:
            raise DataError(f"{path}: not a readable CSV file ({err})") from None
        frames.append(_checked(frame, path))
    hashes = {Path(p).name: sha256sum(Path(p)) for p in (train_csv, test_csv)}
    return Dataset(
        train=frames[0], test=frames[1], source=f"{train_csv}, {test_csv}", sha256=hashes
    )


def load_dataset(
    *,
    data_dir: str | os.PathLike | None = None,
    train_csv: str | os.PathLike | None = None,
    test_csv: str | os.PathLike | None = None,
    download: bool = True,
) -> Dataset:
    """Load the study's data from wherever the rules say it is.

    Parameters
    ----------
    data_dir : path-like, optional
        Directory with the paper's three files.
    train_csv, test_csv : path-like, optional
        A user's own simulations; both or neither.
    download : bool
        Whether an empty per-user cache may be filled from the network.

    Returns
    -------
    Dataset
    """
    if (train_csv is None) != (test_csv is None):
        raise DataError("give both a training CSV and a test CSV, or neither")
    if train_csv is not None:
        return load_csv_dataset(Path(train_csv), Path(test_csv))
    directory, how = locate_data_dir(data_dir)
    if how == "cache" and download:
        logger.info("fetching the paper's data into %s", directory)
        download_paper_files(directory)
    return load_paper_dataset(directory, source=f"{directory} ({how})")
