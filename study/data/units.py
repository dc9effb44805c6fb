"""Each feature's unit: the paper's from its dataset's README, a user's from ``name [unit]``.

A unit travels from the data into every posterior file (the ``unit`` coordinate of the
``feature`` dim, :func:`inference.posterior.units.feature_labels` reads it back), so
that every axis, table and CSV header can say ``sxx [MPa]``. ``"1"`` marks a
dimensionless feature, ``""`` an unknown unit.
"""

from __future__ import annotations

import re
from pathlib import Path

from inference.posterior.units import UNIT_PATTERN
from study.data.dataset import DataError

__all__ = ["PAPER_UNITS", "split_unit"]

#: The paper's features' units (its dataset's README): barrier height and width in km,
#: stresses in MPa, friction drop and dynamic friction dimensionless, dc in m.
PAPER_UNITS = {
    "height": "km",
    "width": "km",
    "sxx": "MPa",
    "sxy": "MPa",
    "syy": "MPa",
    "sdrop": "1",
    "mud": "1",
    "dc": "m",
}
#: How a dimensionless feature may be marked: the outputs' ``[–]``, or ``[-]``, ``[1]``.
DIMENSIONLESS = ("–", "-", "1")
_WITH_UNIT = re.compile(r"^(?P<name>.*?)\s*\[(?P<unit>[^\[\]]*)\]$")


def split_unit(path: Path | str, line: int, header: str) -> tuple[str, str]:
    """Split a header cell ``name [unit]`` into its name and unit (``""`` without one).

    Raises
    ------
    DataError
        The unit is longer than 24 characters or holds characters a unit does not.

    Examples
    --------
    >>> split_unit("a.csv", 1, "sxx [MPa]"), split_unit("a.csv", 1, " dc ")
    (('sxx', 'MPa'), ('dc', ''))
    >>> split_unit("a.csv", 1, "mud [–]")  # as the outputs label a dimensionless feature
    ('mud', '1')
    """
    text = header.strip()
    found = _WITH_UNIT.match(text)
    if found is None:
        return text, ""
    name, unit = found["name"].strip(), found["unit"].strip()
    unit = "1" if unit in DIMENSIONLESS else unit
    if not UNIT_PATTERN.fullmatch(unit):
        raise DataError(
            f"{path}: line {line}, the header, gives column {name!r} the unit {unit[:30]!r} "
            "(expected a unit of at most 24 letters, digits, spaces or / . * ^ ( ) - +, "
            "e.g. 'sxx [MPa]')"
        )
    return name, unit
