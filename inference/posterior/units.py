"""The unit of each feature, stored with the file, and the labels that show it.

A file's ``constant_data`` carries a ``unit`` coordinate along ``feature`` (files
written before it carry none): ``"MPa"``, ``"1"`` for a dimensionless feature, ``""``
where the unit is unknown. Axes, tables and CSV headers label a feature
``name [unit]`` (:func:`feature_labels`). A unit is untrusted text: the contract refuses
one that does not match :data:`UNIT_PATTERN`.
"""

from __future__ import annotations

import re

import xarray as xr

from inference.posterior.attrs import PosteriorFileError

__all__ = ["UNIT_PATTERN", "check_units", "feature_labels", "feature_units", "labelled"]

#: What a unit may be (the whole of it: ``UNIT_PATTERN.fullmatch``): at most 24 letters,
#: digits, spaces or ``/ . * ^ ( ) · µ ° % + -``; no line break, nothing a figure would
#: read as markup (``$``, backslashes).
UNIT_PATTERN = re.compile(r"[\w /.*^()·µ°%+-]{0,24}")


def feature_units(tree: xr.DataTree) -> dict[str, str]:
    """Return each feature's unit as the file stores it (``""`` where it stores none)."""
    data = tree["constant_data"]
    features = [str(f) for f in data["feature"].values]
    if "unit" not in data.coords:
        return dict.fromkeys(features, "")
    return dict(zip(features, (str(u) for u in data["unit"].values), strict=True))


def labelled(name: str, unit: str) -> str:
    """Label a feature with its unit: ``sxx [MPa]``, ``mud [–]`` (dimensionless), ``x``.

    Examples
    --------
    >>> labelled("sxx", "MPa"), labelled("mud", "1"), labelled("x", "")
    ('sxx [MPa]', 'mud [–]', 'x')
    """
    if not unit:
        return name
    return f"{name} [{'–' if unit == '1' else unit}]"


def feature_labels(tree: xr.DataTree) -> dict[str, str]:
    """Return each feature's label with its unit (:func:`labelled`), in the file's order.

    Examples
    --------
    >>> from inference.testing import tiny_posterior_file
    >>> list(feature_labels(tiny_posterior_file()).values())[:2]
    ['x0', 'x1']
    """
    return {name: labelled(name, unit) for name, unit in feature_units(tree).items()}


def check_units(tree: xr.DataTree) -> None:
    """Check a file's units, where stored: text along ``feature``, each a plain unit.

    Raises
    ------
    inference.posterior.attrs.PosteriorFileError
        Naming the first unit that does not match :data:`UNIT_PATTERN`.
    """
    data = tree["constant_data"]
    if "unit" not in data.coords:
        return
    unit = data["unit"]
    if unit.dims != ("feature",) or unit.dtype.kind not in "OU":
        raise PosteriorFileError("constant_data/unit is not text along 'feature'")
    bad = next((str(u) for u in unit.values if not UNIT_PATTERN.fullmatch(str(u))), None)
    if bad is not None or not all(isinstance(u, str) for u in unit.values.tolist()):
        raise PosteriorFileError(
            f"constant_data/unit holds {bad!r:.40} (expected units of at most 24 letters, "
            "digits, spaces or / . * ^ ( ) - +)"
        )
