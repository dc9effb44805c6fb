"""A user's label column: its two values, which is the event, and the classes' names.

A label column holds two values: ``0``/``1`` (``1.0`` reads as ``1``), ``true``/``false``
(any case), or any two names (``--positive`` says which is the event). The event is
stored as 1. Classes are named after the values: two names are their own, a number or a
boolean is ``label = value`` (``broke = 1``), and the paper's column ``label`` with the
event 1 keeps the paper's ``arrest`` and ``propagate``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from inference.posterior.classes import PAPER_CLASSES, Classes, plain_text
from study.data.dataset import LABEL, DataError

__all__ = ["canonical", "label_classes", "label_code"]

#: The event by default, where the values say it.
_DEFAULT_POSITIVE = {frozenset({"0", "1"}): "1", frozenset({"false", "true"}): "true"}
_EXPECTED = "two classes: 0/1, true/false, or two names with --positive naming the event"


def canonical(cell: str) -> str:
    """One spelling per value: ``1.0`` is ``1``, ``True`` is ``true``, else the stripped text.

    Examples
    --------
    >>> canonical(" 1.0"), canonical("FALSE"), canonical("M ")
    ('1', 'false', 'M')
    """
    text = cell.strip()
    try:
        number = float(text) if "_" not in text else math.nan
    except ValueError:
        number = math.nan
    if number in (0.0, 1.0):
        return str(int(number))
    return text.lower() if text.lower() in ("true", "false") else text


def _shown(values) -> str:
    return ", ".join(repr(v) for v in values)


def label_classes(
    path: Path, column: str, cells: list[tuple[int, str]], *, positive: str | None = None
) -> Classes:
    """Find the two classes of a training file's label column, and which is the event.

    Parameters
    ----------
    path : pathlib.Path
        The training file, for messages.
    column : str
        The label column's name.
    cells : list of (int, str)
        Line number and text of each label cell.
    positive : str, optional
        The value that is the event (``--positive``): needed for two names; 1 or true by
        default.

    Raises
    ------
    DataError
        An empty cell, a third value, one value only, or no event named: with the file,
        line and column.

    Examples
    --------
    >>> cells = [(2, "M"), (3, "B"), (4, "M")]
    >>> label_classes(Path("c.csv"), "diagnosis", cells, positive="M").names
    ('B', 'M')
    >>> label_classes(Path("c.csv"), "broke", [(2, "0"), (3, "1.0")]).probability
    'P(broke = 1)'
    """
    seen: dict[str, int] = {}
    for line, cell in cells:
        value = canonical(cell)
        where = f"{path}: line {line}, column {column!r}"
        if not value:
            raise DataError(f"{where} is empty (expected {_EXPECTED})")
        if value not in seen and len(seen) == 2:
            raise DataError(
                f"{where}: value {value!r:.40} is a third class after {_shown(seen)} "
                f"(expected {_EXPECTED})"
            )
        seen.setdefault(value, line)
    values = frozenset(seen)
    if not values:
        raise DataError(f"{path}: no data rows (expected one line per simulation)")
    if len(values) < 2:
        raise DataError(
            f"{path}: every training simulation has {column} {next(iter(values))} "
            "(expected both classes)"
        )
    event = canonical(positive) if positive is not None else _DEFAULT_POSITIVE.get(values)
    if event is None:
        raise DataError(
            f"{path}: column {column!r} holds {_shown(sorted(values))}: name the event with "
            f"--positive (expected {_EXPECTED})"
        )
    if event not in values:
        raise DataError(
            f"--positive {positive!r}: not a value of {path}'s column {column!r} "
            f"(expected {' or '.join(repr(v) for v in sorted(values))})"
        )
    return _named(column, other=next(v for v in values if v != event), event=event)


def _named(column: str, *, other: str, event: str) -> Classes:
    """Name the classes: two names are their own; a number or a boolean ``column = value``."""
    if column == LABEL and (other, event) == ("0", "1"):
        return PAPER_CLASSES
    if {other, event} in ({"0", "1"}, {"false", "true"}):
        names = (f"{column} = {other}", f"{column} = {event}")
    else:
        names = (other, event)
    bad = next((n for n in (column, *names) if not plain_text(n)), None)
    if bad is not None:
        raise DataError(
            f"label column {column!r:.40}: class name {bad!r:.40} is not a line of printable "
            "text of at most 60 characters (expected short class names)"
        )
    return Classes(column, *names, other, event)


def label_code(path: Path, classes: Classes) -> Callable[[int, str], float]:
    """Return the parser of one label cell: 1.0 for the event, 0.0 for the other class.

    Examples
    --------
    >>> code = label_code(Path("t.csv"), Classes("d", "B", "M", "B", "M"))
    >>> code(2, "M"), code(3, " B")
    (1.0, 0.0)
    """
    codes = {classes.negative_value: 0.0, classes.positive_value: 1.0}

    def code(line: int, cell: str) -> float:
        value = codes.get(canonical(cell))
        if value is None:
            raise DataError(
                f"{path}: line {line}, column {classes.label!r}: value {cell.strip()!r:.40} is "
                f"not a class of the training file (expected {classes.negative_value!r} or "
                f"{classes.positive_value!r})"
            )
        return value

    return code
