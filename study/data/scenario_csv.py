"""Read a CSV of fault scenarios in chunks: any number of rows in bounded memory.

The header names the posterior file's features (each once); a ``label`` column is
optional, and any other column is carried through as text (a scenario's name, say).
Each row is checked as it is read, and a fault is reported with its file, line, column
and value (:func:`study.data.reader.parse_cell`), so a bad row a million lines down stops the
command before anything is written.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from study.data.cells import parse_cell
from study.data.dataset import LABEL, DataError
from study.data.units import split_unit

__all__ = ["ScenarioChunk", "read_scenarios"]


@dataclass(frozen=True)
class ScenarioChunk:
    """Consecutive rows of a scenario CSV.

    Attributes
    ----------
    X : numpy.ndarray
        The features ``(row, feature)``, in the order asked for.
    label : numpy.ndarray or None
        0/1 labels, if the file has a ``label`` column.
    extra : pandas.DataFrame
        The file's other columns, as text.
    start : int
        Index of the chunk's first row among the file's data rows (from 0).
    """

    X: np.ndarray
    label: np.ndarray | None
    extra: pd.DataFrame
    start: int


def _header(
    path: Path,
    line: int,
    names: list[str],
    features: Sequence[str],
    reserved: Sequence[str],
    units: Mapping[str, str],
) -> list[str]:
    split = [split_unit(path, line, n) for n in names]
    for name, unit in split:
        if name in features and unit and units.get(name) and unit != units[name]:
            raise DataError(
                f"{path}: line {line}, the header, gives {name!r} in {unit}, but the posterior "
                f"file's training data is in {units[name]} (expected values in {units[name]})"
            )
    names = [
        name if name in features else raw.strip()
        for (name, _), raw in zip(split, names, strict=True)
    ]
    wanted = f"expected a header naming {', '.join(features)} (and optionally {LABEL}), each once"
    missing = [f for f in features if f not in names]
    if missing:
        shown = ", ".join(repr(m) for m in missing)
        raise DataError(f"{path}: line {line}, the header, is missing column(s) {shown} ({wanted})")
    repeated = next((n for n in names if names.count(n) > 1), None)
    if repeated is not None:
        raise DataError(
            f"{path}: line {line}, the header, names column {repeated!r} "
            f"{names.count(repeated)} times ({wanted})"
        )
    clash = next((n for n in names if n in reserved), None)
    if clash is not None:
        raise DataError(
            f"{path}: line {line}, the header, names column {clash!r}, which the output "
            f"writes itself (rename it; {wanted})"
        )
    return names


def _open(path: Path):
    if not path.exists():
        raise DataError(f"{path}: file not found")
    if not path.is_file():
        raise DataError(f"{path}: not a regular file (expected a CSV file of scenarios)")
    try:
        return open(path, encoding="utf-8-sig", newline="")
    except OSError as err:
        raise DataError(f"{path}: cannot be read ({err.strerror})") from None


def _rows(path: Path, handle) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(handle)
    line = 0
    try:
        for row in reader:
            line = reader.line_num
            if row:
                yield line, row
    except csv.Error as err:
        raise DataError(f"{path}: line {reader.line_num} is not valid CSV ({err})") from None
    except UnicodeDecodeError:
        raise DataError(
            f"{path}: at or after line {line + 1}, bytes that are not UTF-8 text (expected a "
            "CSV file of scenarios, given after the posterior files)"
        ) from None
    except OSError as err:
        raise DataError(f"{path}: cannot be read ({err.strerror or err})") from None


def _chunk(path: Path, rows: list, header: list[str], features: Sequence[str], start, label):
    """Parse ``rows``; ``label``: the name of the 0/1 column, or None (then it is text)."""
    numeric = [*features, *([label] if label else [])]
    where = {name: header.index(name) for name in header}
    values = np.empty((len(rows), len(numeric)))
    for i, (line, row) in enumerate(rows):
        if len(row) != len(header):
            raise DataError(
                f"{path}: line {line} has {len(row)} values "
                f"(expected {len(header)}, one per column of the header)"
            )
        values[i] = [parse_cell(path, line, name, row[where[name]]) for name in numeric]
    others = [n for n in header if n not in numeric]
    extra = pd.DataFrame([[row[where[n]] for n in others] for _, row in rows], columns=others)
    outcome = values[:, -1].astype(np.int64) if label else None
    return ScenarioChunk(values[:, : len(features)], outcome, extra, start)


def read_scenarios(
    path: str | Path,
    features: Sequence[str],
    *,
    chunk_rows: int = 2000,
    labels: bool = True,
    reserved: Sequence[str] = (),
    units: Mapping[str, str] | None = None,
) -> Iterator[ScenarioChunk]:
    """Read a scenario CSV in chunks of ``chunk_rows`` rows, checking every cell.

    Parameters
    ----------
    path : path-like
        The CSV file.
    features : sequence of str
        The columns the header must name (a posterior file's features).
    chunk_rows : int
        Rows per chunk.
    labels : bool
        Whether a ``label`` column is read as 0/1 outcomes; if not, it is kept as text.
    reserved : sequence of str
        Column names the caller's output writes itself: refused in the header.
    units : mapping, optional
        Each feature's unit in the posterior file: a header that names a feature with
        another unit (``sxx [kPa]`` against MPa) is refused. A feature's column may be
        named with its unit or without.

    Yields
    ------
    ScenarioChunk

    Raises
    ------
    DataError
        Naming the file, line, column and value at fault and what was expected.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "faults.csv"
    >>> _ = path.write_text(chr(10).join(["name,b,a", "F1,2,1", "F2,4,3", "F3,6,5"]))
    >>> chunks = list(read_scenarios(path, ["a", "b"], chunk_rows=2))
    >>> [c.X.tolist() for c in chunks], chunks[1].extra["name"].tolist(), chunks[1].start
    ([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0]]], ['F3'], 2)
    """
    path = Path(path)
    with _open(path) as handle:
        rows = _rows(path, handle)
        first = next(rows, None)
        if first is None:
            raise DataError(f"{path}: empty file (expected a header naming {', '.join(features)})")
        header = _header(path, first[0], first[1], features, reserved, units or {})
        label = LABEL if labels and LABEL in header else None
        start, batch = 0, []
        for numbered in rows:
            batch.append(numbered)
            if len(batch) == chunk_rows:
                yield _chunk(path, batch, header, features, start, label)
                start, batch = start + len(batch), []
        if batch or not start:
            if not batch:
                raise DataError(f"{path}: no data rows (expected one line per scenario)")
            yield _chunk(path, batch, header, features, start, label)
