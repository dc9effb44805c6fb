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
from collections.abc import Sequence
from dataclasses import dataclass
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


def parse_cell(
    path: Path, line: int, column: str, text: str, *, label: bool | None = None, hint: str = ""
) -> float:
    """Parse one cell: a finite number, and 0 or 1 in the label column.

    ``label``: whether the column is the label (default: it is named :data:`LABEL`);
    ``hint``: added to the message of a cell that is not a number.
    """
    is_label = column == LABEL if label is None else label
    cell = text.strip()
    try:
        value = float(cell) if cell and "_" not in cell else None
    except ValueError:
        value = None
    if value is not None and math.isfinite(value) and (not is_label or value in (0.0, 1.0)):
        return value  # the common case: no message to build
    where = f"{path}: line {line}, column {column!r}: value {_shown(text)}"
    expected = _EXPECTED[LABEL] if is_label else "a finite number" + hint
    if value is None:
        raise DataError(f"{where} is not a number (expected {expected})")
    if not math.isfinite(value):
        raise DataError(f"{where} is not finite (expected {expected})")
    raise DataError(f"{where} is not 0 or 1 (expected {expected})")


def _table(
    path: Path,
    rows: list[tuple[int, list[str]]],
    header: list[str],
    *,
    features: Sequence[str] = FEATURES,
    label: str = LABEL,
    hint: str = "",
) -> pd.DataFrame:
    """Check every row's length and every cell of the features and the label; return them.

    The label column is returned as :data:`LABEL` (0/1 integers), the features by name.
    """
    columns = (*features, label)
    where = {name: header.index(name) for name in columns}
    values = []
    for line, row in rows:
        if len(row) != len(header):
            raise DataError(
                f"{path}: line {line} has {len(row)} values "
                f"(expected {len(header)}, one per column of the header)"
            )
        values.append(
            [
                parse_cell(path, line, name, row[where[name]], label=name == label, hint=hint)
                for name in columns
            ]
        )
    if not values:
        raise DataError(f"{path}: no data rows (expected one line per simulation)")
    return pd.DataFrame(values, columns=[*features, LABEL]).astype({LABEL: "int64"})


def _paper_table(path: Path, data: bytes) -> pd.DataFrame:
    """Parse a paper file: no header, nine whitespace-separated values per line."""
    lines = _decoded(path, data).splitlines()
    rows = [(n, line.split()) for n, line in enumerate(lines, start=1) if line.strip()]
    return _table(path, rows, list(COLUMNS))


@dataclass(frozen=True)
class _Header:
    """A CSV header read: column names (units split off), the features chosen, units."""

    names: list[str]
    features: tuple[str, ...]
    units: dict[str, str]
    chosen: bool  # the features were named (--features, or the paper's eight)


def _csv_header(
    path: Path, line: int, header: list[str], *, label: str, features: Sequence[str] | None
) -> _Header:
    """Read a header: its names (``sxx [MPa]`` gives ``sxx`` and its unit) and the features.

    The features are ``features`` if given; else the paper's eight if the header names them
    all; else every column but the label.
    """
    split = [split_unit(path, line, cell) for cell in header]
    names = [name for name, _ in split]
    if label not in names:
        raise DataError(
            f"{path}: line {line}, the header, has no label column {label!r} (expected the "
            "0/1 outcome of each simulation; name it with --label)"
        )
    if features is not None:
        chosen, named = tuple(features), True
    elif all(name in names for name in FEATURES):
        chosen, named = FEATURES, True
    else:
        chosen, named = tuple(n for n in names if n != label), False
        unnamed = next((k for k, n in enumerate(names) if not n or n.startswith("Unnamed:")), None)
        if unnamed is not None:
            raise DataError(
                f"{path}: line {line}, the header, gives column {unnamed + 1} no name (expected "
                "a name for every feature; an index column written by pandas has none: leave "
                "it out with --features or write the CSV with index=False)"
            )
    wanted = f"expected a header naming {', '.join((*chosen, label))}, each once"
    missing = [name for name in chosen if name not in names]
    if missing:
        shown = ", ".join(repr(m) for m in missing)
        how = " (from --features)" if features is not None else ""
        raise DataError(
            f"{path}: line {line}, the header, is missing column(s) {shown}{how} ({wanted})"
        )
    repeated = next((name for name in (*chosen, label) if names.count(name) > 1), None)
    if repeated is not None:
        raise DataError(
            f"{path}: line {line}, the header, names column {repeated!r} "
            f"{names.count(repeated)} times ({wanted})"
        )
    if label in chosen:
        raise DataError(f"{path}: --features names the label column {label!r} (expected inputs)")
    units = {name: unit for name, unit in split if name in chosen and unit}
    return _Header(names, chosen, units, named)


def _csv_table(
    path: Path, data: bytes, *, label: str = LABEL, features: Sequence[str] | None = None
) -> tuple[pd.DataFrame, _Header]:
    """Parse a user's CSV file: a header line, then one line per simulation; and its header."""
    reader = csv.reader(io.StringIO(_decoded(path, data), newline=""))
    try:
        rows = [(reader.line_num, row) for row in reader if row]
    except csv.Error as err:
        raise DataError(f"{path}: line {reader.line_num} is not valid CSV ({err})") from None
    if not rows:
        raise DataError(f"{path}: empty file (expected a header naming {', '.join(COLUMNS)})")
    (line, header), body = rows[0], rows[1:]
    read = _csv_header(path, line, header, label=label, features=features)
    hint = (
        ""
        if read.chosen
        else "; every column but the label is read as a feature: choose the numeric ones with "
        "--features, and encode a categorical input as numbers"
    )
    table = _table(path, body, read.names, features=read.features, label=label, hint=hint)
    return table, read


def _check_splits(
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    sources: tuple[str, str],
    features: Sequence[str] = FEATURES,
) -> None:
    """Refuse a training set too small to fit, a constant feature, a split with one class."""
    if len(train) < len(features):
        raise DataError(
            f"{sources[0]}: {len(train)} training rows, fewer than the {len(features)} "
            f"features (expected at least {len(features)} rows)"
        )
    constant = next((f for f in features if train[f].nunique() < 2), None)
    if constant is not None:
        raise DataError(
            f"{sources[0]}: column {constant!r} holds {train[constant].iloc[0]:g} in every "
            "training row (expected a feature that varies; leave it out with --features)"
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


def load_csv_dataset(
    train_csv: Path,
    test_csv: Path,
    *,
    label: str = LABEL,
    features: Sequence[str] | None = None,
) -> Dataset:
    """Read a user's own simulations from two CSV files with a header.

    The header names the ``label`` column (0/1) and the features: ``features`` in that
    order if given; else the paper's eight :data:`FEATURES` if it names them all (other
    columns ignored); else every other column, in the header's order. A feature may carry
    its unit (``sxx [MPa]``; the two files may not disagree). The test file must name the
    training file's features. Every line must have one value per header column; the
    features must hold finite numbers, and vary; the label 0 or 1, both in each file.

    Raises
    ------
    DataError
        Naming the file, line, column and value at fault and what was expected.
    """
    paths = (Path(train_csv), Path(test_csv))
    raw = [read_bytes(path) for path in paths]
    train, read = _csv_table(paths[0], raw[0], label=label, features=features)
    test, test_read = _csv_table(paths[1], raw[1], label=label, features=read.features)
    train_units, test_units = read.units, test_read.units
    _check_names(paths[0], read.features)
    _check_splits(train, test, sources=(str(paths[0]), str(paths[1])), features=read.features)
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
    logger.info("features: %s; label: %s", ", ".join(read.features), label)
    return Dataset(
        train=train,
        test=test,
        source=source,
        sha256=hashes,
        units=units,
        features=read.features,
    )


def _check_names(path: Path, features: Sequence[str]) -> None:
    """Refuse a feature named like a column that ``predict`` and ``next`` write."""
    from study.predict_next import RESERVED  # the outputs' own columns

    clash = next((f for f in features if f in RESERVED or f == LABEL), None)
    if clash is not None:
        raise DataError(
            f"{path}: the header names a feature {clash!r}, a column that predict and next "
            "write themselves (expected another name: rename the column)"
        )


def load_dataset(
    *,
    data_dir: str | os.PathLike | None = None,
    train_csv: str | os.PathLike | None = None,
    test_csv: str | os.PathLike | None = None,
    download: bool = True,
    label: str = LABEL,
    features: Sequence[str] | None = None,
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
    label, features : optional
        A user's label column and features (:func:`load_csv_dataset`); the paper's data
        takes neither.

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
        return load_csv_dataset(Path(train_csv), Path(test_csv), label=label, features=features)
    if label != LABEL or features is not None:
        raise DataError("--label and --features choose columns of your own CSV files")
    directory, how = locate_data_dir(data_dir)
    if how == "cache" and download:
        logger.info("fetching the paper's data into %s", directory)
        download_paper_files(directory)
    logger.debug("reading the paper's files from %s (%s)", directory, how)
    return load_paper_dataset(directory, source=f"the paper's files (from {how})")
