"""A user's own simulation campaign: two CSV files, their features and their label.

The header names the label column and the features (chosen with ``--features``, or the
paper's eight when it names them all, or every other column), a feature optionally with
its unit (``sxx [MPa]``). Every fault is reported with its file, line, column and value.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from common.seeds import random_stream
from inference.posterior.classes import Classes
from study.data.cells import check_splits, decoded, read_table
from study.data.dataset import COLUMNS, FEATURES, LABEL, DataError, Dataset, read_bytes
from study.data.labels import label_classes, label_code
from study.data.split import split_test
from study.data.units import split_unit

__all__ = ["TEST_FRACTION", "load_csv_dataset"]

#: The share of a single CSV file held out as the test set (``--test-fraction``).
TEST_FRACTION = 0.2

logger = logging.getLogger(__name__)


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
            "outcome of each simulation; name it with --label)"
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


def _rows(path: Path, data: bytes) -> tuple[int, list[str], list[tuple[int, list[str]]]]:
    """Split a CSV file into its header line and its data lines, with line numbers."""
    reader = csv.reader(io.StringIO(decoded(path, data), newline=""))
    try:
        rows = [(reader.line_num, row) for row in reader if row]
    except csv.Error as err:
        raise DataError(f"{path}: line {reader.line_num} is not valid CSV ({err})") from None
    if not rows:
        raise DataError(f"{path}: empty file (expected a header naming {', '.join(COLUMNS)})")
    (line, header), body = rows[0], rows[1:]
    return line, header, body


def _csv_table(
    path: Path,
    data: bytes,
    *,
    label: str = LABEL,
    features: Sequence[str] | None = None,
    positive: str | None = None,
    classes: Classes | None = None,
) -> tuple[pd.DataFrame, _Header, Classes]:
    """Parse a user's CSV file: a header line, then one line per simulation.

    Returns the table (indexed by line number), its header and the label's classes: found
    from its label column (``positive`` names the event), or ``classes`` (a training
    file's) checked.
    """
    line, header, body = _rows(path, data)
    read = _csv_header(path, line, header, label=label, features=features)
    if classes is None:
        at = read.names.index(label)
        cells = [(n, row[at]) for n, row in body if len(row) == len(read.names)]
        classes = label_classes(path, label, cells, positive=positive)
    hint = (
        ""
        if read.chosen
        else "; every column but the label is read as a feature: choose the numeric ones with "
        "--features, and encode a categorical input as numbers"
    )
    table = read_table(
        path,
        body,
        read.names,
        features=read.features,
        label=label,
        hint=hint,
        label_code=label_code(path, classes),
    )
    return table, read, classes


def load_csv_dataset(
    train_csv: Path,
    test_csv: Path | None = None,
    *,
    label: str = LABEL,
    features: Sequence[str] | None = None,
    positive: str | None = None,
    test_fraction: float = TEST_FRACTION,
    seed: int = 0,
) -> Dataset:
    """Read a user's own simulations from CSV files with a header: training, and test.

    The header names the ``label`` column and the features: ``features`` in that order if
    given; else the paper's eight :data:`FEATURES` if it names them all (other columns
    ignored); else every other column, in the header's order. A feature may carry its unit
    (``sxx [MPa]``; the two files may not disagree). The label holds two values
    (:mod:`study.data.labels`: 0/1, true/false, or two names with ``positive`` naming the
    event). Without ``test_csv``, a stratified ``test_fraction`` of the rows is held out
    (:func:`study.data.split.split_test`, seeded by ``seed``). Every line must have one
    value per header column; the features must hold finite numbers, and vary. The tables
    are indexed by their line numbers, which the posterior file stores.

    Raises
    ------
    DataError
        Naming the file, line, column and value at fault and what was expected.
    """
    paths = (Path(train_csv), None if test_csv is None else Path(test_csv))
    raw = {path: read_bytes(path) for path in paths if path is not None}
    train, read, classes = _csv_table(
        paths[0], raw[paths[0]], label=label, features=features, positive=positive
    )
    units = read.units
    if paths[1] is None:
        stream = random_stream(seed, "test split")
        train, test = split_test(
            train, fraction=test_fraction, random_state=stream, source=str(paths[0])
        )
        source = (
            f"{paths[0].name}, {test_fraction:g} held out as the test set, stratified by "
            f"{label}, seed {seed} (the line coordinates say which rows went where)"
        )
    else:
        test, test_read, _ = _csv_table(
            paths[1], raw[paths[1]], label=label, features=read.features, classes=classes
        )
        units = _check_units(paths, read.units, test_read.units)
        source = f"{paths[0].name}, {paths[1].name}"  # names only: a file is shared
    _check_names(paths[0], read.features)
    check_splits(
        train,
        test,
        sources=(str(paths[0]), str(paths[1] or paths[0])),
        features=read.features,
        classes=classes,
    )
    logger.info(
        "features: %s; label: %s (%s)", ", ".join(read.features), label, classes.probability
    )
    return Dataset(
        train=train,
        test=test,
        source=source,
        sha256={path.name: hashlib.sha256(data).hexdigest() for path, data in raw.items()},
        units=units,
        features=read.features,
        classes=classes,
        lines=True,
    )


def _check_units(paths, train_units: dict[str, str], test_units: dict[str, str]) -> dict:
    """Refuse a feature whose unit the two files give differently; return them all."""
    clash = next(
        (f for f in train_units if test_units.get(f, train_units[f]) != train_units[f]), None
    )
    if clash is not None:
        raise DataError(
            f"{paths[1]}: the header gives {clash!r} in {test_units[clash]}, {paths[0]} in "
            f"{train_units[clash]} (expected one unit per feature)"
        )
    return test_units | train_units


def _check_names(path: Path, features: Sequence[str]) -> None:
    """Refuse a feature named like a column that ``predict`` and ``next`` write."""
    from study.predict_next import RESERVED  # the outputs' own columns

    clash = next((f for f in features if f in RESERVED or f == LABEL), None)
    if clash is not None:
        raise DataError(
            f"{path}: the header names a feature {clash!r}, a column that predict and next "
            "write themselves (expected another name: rename the column)"
        )
