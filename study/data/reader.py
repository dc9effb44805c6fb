"""Read the rupture simulations: the paper's files, or a user's own CSV files.

The paper's dataset is three whitespace-separated text files (no header, nine
columns: the eight features of :data:`~study.data.dataset.FEATURES` and ``label``), found and
verified by :mod:`study.data.download`. A user's own simulations are read from two CSV files
with a header naming the same columns. Every fault is reported with its file, line,
column and value.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import math
import os
from pathlib import Path

import pandas as pd

from study.data.dataset import COLUMNS, FEATURES, LABEL, DataError, Dataset, read_bytes
from study.data.download import PAPER_FILES, download_paper_files, locate_data_dir, verified
from study.data.units import PAPER_UNITS, split_unit

__all__ = ["load_csv_dataset", "load_dataset", "load_paper_dataset", "parse_cell"]

logger = logging.getLogger(__name__)

#: What each column must hold, for error messages.
_EXPECTED = {LABEL: "0 = arrested or 1 = propagated"}


def _shown(text: str) -> str:
    """Quote a cell for an error message: one line, at most 40 characters."""
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _decoded(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(
            f"{path}: byte {err.start + 1} is not UTF-8 text (expected a text file)"
        ) from None


def parse_cell(path: Path, line: int, column: str, text: str) -> float:
    """Parse one cell: a finite number, and 0 or 1 in the label column."""
    cell = text.strip()
    try:
        value = float(cell) if cell and "_" not in cell else None
    except ValueError:
        value = None
    if value is not None and math.isfinite(value) and (column != LABEL or value in (0.0, 1.0)):
        return value  # the common case: no message to build
    where = f"{path}: line {line}, column {column!r}: value {_shown(text)}"
    expected = _EXPECTED.get(column, "a finite number")
    if value is None:
        raise DataError(f"{where} is not a number (expected {expected})")
    if not math.isfinite(value):
        raise DataError(f"{where} is not finite (expected {expected})")
    raise DataError(f"{where} is not 0 or 1 (expected {expected})")


def _table(path: Path, rows: list[tuple[int, list[str]]], header: list[str]) -> pd.DataFrame:
    """Check every row's length and every cell of :data:`COLUMNS`; return those columns."""
    where = {name: header.index(name) for name in COLUMNS}
    values = []
    for line, row in rows:
        if len(row) != len(header):
            raise DataError(
                f"{path}: line {line} has {len(row)} values "
                f"(expected {len(header)}, one per column of the header)"
            )
        values.append([parse_cell(path, line, name, row[where[name]]) for name in COLUMNS])
    if not values:
        raise DataError(f"{path}: no data rows (expected one line per simulation)")
    return pd.DataFrame(values, columns=list(COLUMNS)).astype({LABEL: "int64"})


def _paper_table(path: Path, data: bytes) -> pd.DataFrame:
    """Parse a paper file: no header, nine whitespace-separated values per line."""
    lines = _decoded(path, data).splitlines()
    rows = [(n, line.split()) for n, line in enumerate(lines, start=1) if line.strip()]
    return _table(path, rows, list(COLUMNS))


def _csv_header(path: Path, line: int, header: list[str]) -> tuple[list[str], dict[str, str]]:
    """Return the header's column names (units split off: ``sxx [MPa]``) and units."""
    split = [split_unit(path, line, cell) for cell in header]
    names = [name for name, _ in split]
    wanted = f"expected a header naming {', '.join(COLUMNS)}, each once"
    missing = [name for name in COLUMNS if name not in names]
    if missing:
        shown = ", ".join(repr(m) for m in missing)
        raise DataError(f"{path}: line {line}, the header, is missing column(s) {shown} ({wanted})")
    repeated = next((name for name in COLUMNS if names.count(name) > 1), None)
    if repeated is not None:
        raise DataError(
            f"{path}: line {line}, the header, names column {repeated!r} "
            f"{names.count(repeated)} times ({wanted})"
        )
    return names, {name: unit for name, unit in split if name in FEATURES and unit}


def _csv_table(path: Path, data: bytes) -> tuple[pd.DataFrame, dict[str, str]]:
    """Parse a user's CSV file: a header line, then one line per simulation; and its units."""
    reader = csv.reader(io.StringIO(_decoded(path, data), newline=""))
    try:
        rows = [(reader.line_num, row) for row in reader if row]
    except csv.Error as err:
        raise DataError(f"{path}: line {reader.line_num} is not valid CSV ({err})") from None
    if not rows:
        raise DataError(f"{path}: empty file (expected a header naming {', '.join(COLUMNS)})")
    (line, header), body = rows[0], rows[1:]
    names, units = _csv_header(path, line, header)
    return _table(path, body, names), units


def _check_splits(train: pd.DataFrame, test: pd.DataFrame, *, sources: tuple[str, str]) -> None:
    """Refuse a training set too small to fit, and a split with one class only."""
    if len(train) < len(FEATURES):
        raise DataError(
            f"{sources[0]}: {len(train)} training rows, fewer than the {len(FEATURES)} "
            f"features (expected at least {len(FEATURES)} rows)"
        )
    for frame, split, source in zip((train, test), ("training", "test"), sources, strict=True):
        labels = frame[LABEL].unique()
        if len(labels) < 2:
            raise DataError(
                f"{source}: every {split} simulation has label {labels[0]} "
                "(expected both classes: 0 = arrested and 1 = propagated)"
            )


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
    _check_splits(train, tables[2], sources=(" + ".join(names[:2]), names[2]))
    hashes = {name: digest for name, (_, digest) in read.items()}
    return Dataset(
        train=train,
        test=tables[2],
        source=source or "the paper's files",
        sha256=hashes,
        units=PAPER_UNITS,
    )


def load_csv_dataset(train_csv: Path, test_csv: Path) -> Dataset:
    """Read a user's own simulations from two CSV files with a header.

    The header must name the eight :data:`FEATURES` and :data:`LABEL`, each once,
    a feature optionally with its unit (``sxx [MPa]``; the two files may not disagree);
    other columns are ignored. Every line must have one value per header column;
    the named columns must hold finite numbers, and :data:`LABEL` 0 or 1.

    Raises
    ------
    DataError
        Naming the file, line, column and value at fault and what was expected.
    """
    paths = (Path(train_csv), Path(test_csv))
    raw = [read_bytes(path) for path in paths]
    (train, train_units), (test, test_units) = (
        _csv_table(path, data) for path, data in zip(paths, raw, strict=True)
    )
    _check_splits(train, test, sources=(str(paths[0]), str(paths[1])))
    clash = next(
        (f for f in train_units if test_units.get(f, train_units[f]) != train_units[f]), None
    )
    if clash is not None:
        raise DataError(
            f"{paths[1]}: the header gives {clash!r} in {test_units[clash]}, {paths[0]} in "
            f"{train_units[clash]} (expected one unit per feature)"
        )
    hashes = {
        path.name: hashlib.sha256(data).hexdigest() for path, data in zip(paths, raw, strict=True)
    }
    source = f"{paths[0].name}, {paths[1].name}"  # names only: a file is shared, paths are not
    units = test_units | train_units
    return Dataset(train=train, test=test, source=source, sha256=hashes, units=units)


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
    >>> load_dataset(train_csv=folder / "train.csv")
    Traceback (most recent call last):
    ...
    study.data.dataset.DataError: give both a training CSV and a test CSV, or neither
    """
    if (train_csv is None) != (test_csv is None):
        raise DataError("give both a training CSV and a test CSV, or neither")
    if train_csv is not None:
        return load_csv_dataset(Path(train_csv), Path(test_csv))
    directory, how = locate_data_dir(data_dir)
    if how == "cache" and download:
        logger.info("fetching the paper's data into %s", directory)
        download_paper_files(directory)
    logger.debug("reading the paper's files from %s (%s)", directory, how)
    return load_paper_dataset(directory, source=f"the paper's files (from {how})")
