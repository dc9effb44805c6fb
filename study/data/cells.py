"""One cell, one table and one split of the simulations, checked as they are read.

Shared by the paper's files (:mod:`study.data.reader`) and a user's CSV files
(:mod:`study.data.campaign`), and by the scenario reader
(:mod:`study.data.scenario_csv`): every fault is reported with its file, line, column
and value, and what was expected.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from inference.posterior.classes import PAPER_CLASSES, Classes
from study.data.dataset import FEATURES, LABEL, DataError

__all__ = ["check_splits", "decoded", "parse_cell", "read_table"]

#: What each column must hold, for error messages.
_EXPECTED = {LABEL: "0 = arrested or 1 = propagated"}


def _shown(text: str) -> str:
    """Quote a cell for an error message: one line, at most 40 characters."""
    return repr(text if len(text) <= 40 else text[:40] + "…")


def decoded(path: Path, data: bytes) -> str:
    """Decode a data file's bytes as UTF-8 text (a byte-order mark dropped), or say why not."""
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


def read_table(
    path: Path,
    rows: list[tuple[int, list[str]]],
    header: list[str],
    *,
    features: Sequence[str] = FEATURES,
    label: str = LABEL,
    hint: str = "",
    label_code: Callable[[int, str], float] | None = None,
) -> pd.DataFrame:
    """Check every row's length and every cell of the features and the label; return them.

    The label column is returned as :data:`LABEL` (0/1 integers), the features by name,
    indexed by line number. ``label_code`` parses a label cell (default: 0 or 1).
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
        cells = [
            parse_cell(path, line, name, row[where[name]], label=False, hint=hint)
            for name in features
        ]
        text = row[where[label]]
        if label_code is None:
            code = parse_cell(path, line, label, text, label=True)
        else:
            code = label_code(line, text)
        values.append([*cells, code])
    if not values:
        raise DataError(f"{path}: no data rows (expected one line per simulation)")
    lines = pd.Index([line for line, _ in rows], name="line")
    return pd.DataFrame(values, columns=[*features, LABEL], index=lines).astype({LABEL: "int64"})


def check_splits(
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    sources: tuple[str, str],
    features: Sequence[str] = FEATURES,
    classes: Classes = PAPER_CLASSES,
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
            values = (classes.negative_value, classes.positive_value)
            raise DataError(
                f"{source}: every {split} simulation has {classes.label} {values[labels[0]]} "
                f"(expected both classes: {values[0]} and {values[1]})"
            )
