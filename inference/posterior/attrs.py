"""The root attrs of a posterior file, and the JSON they hold, checked as untrusted data.

JSON attrs are parsed with :func:`json.loads` (no ``NaN``, nothing evaluated) and checked
against plain type schemas. Of the run configuration, only the keys that rebuild the
network are checked here (:data:`NETWORK_CONFIG`); the others are kept as data, and the
study layer reads them through its own schema (:class:`study.config.RunConfig`).
"""

from __future__ import annotations

import json
import math
from numbers import Integral, Real
from typing import Any

import numpy as np
import xarray as xr

from common.errors import StudyError
from inference.methods.registry import METHODS
from inference.model.parameters import LIKELIHOOD_NAMES

__all__ = [
    "NETWORK_CONFIG",
    "REQUIRED_ATTRS",
    "PosteriorFileError",
    "check_attrs",
    "has_json_type",
    "json_attr",
    "read_config",
]

#: Root attrs every file carries.
REQUIRED_ATTRS = (
    "method",
    "study_version",
    "created",
    "config",
    "seed",
    "data_sha256",
    "library_versions",
    "fit_seconds",
)
#: Keys of the stored run configuration that rebuild the network, and their JSON types.
NETWORK_CONFIG: dict[str, type] = {"hidden": int, "prior_sigma": float, "likelihood": str}


class PosteriorFileError(StudyError, ValueError):
    """A posterior file is missing, unreadable or breaks the contract."""


def check_attrs(tree: xr.DataTree) -> None:
    """Check the root attrs: present, of their types, the JSON ones parsed, the method known.

    Raises
    ------
    PosteriorFileError
        Naming the first attr at fault.
    """
    missing = [a for a in REQUIRED_ATTRS if a not in tree.attrs]
    if missing:
        raise PosteriorFileError(f"root attrs missing: {', '.join(missing)}")
    attrs = tree.attrs
    for key in ("method", "study_version", "created"):
        if not isinstance(attrs[key], str) or not attrs[key]:
            raise PosteriorFileError(f"attr {key!r} is not a non-empty string")
    if attrs["method"] not in METHODS:
        raise PosteriorFileError(
            f"attr 'method' is {_shown(attrs['method'])}, expected one of {', '.join(METHODS)}"
        )
    if not _is_count(attrs["seed"]):
        raise PosteriorFileError(
            f"attr 'seed' is {_shown(attrs['seed'])}, expected an integer >= 0"
        )
    if not _is_amount(attrs["fit_seconds"]):
        raise PosteriorFileError(
            f"attr 'fit_seconds' is {_shown(attrs['fit_seconds'])}, expected a number >= 0"
        )
    for key in ("data_sha256", "library_versions"):
        table = json_attr(attrs, key)
        if not all(isinstance(v, str) for v in table.values()):
            raise PosteriorFileError(f"attr {key!r} maps names to something other than text")
    read_config(tree)
    for group in ("sample_stats", "vi_history"):
        value = tree[group].attrs.get("gradient_evaluations", 0) if group in tree.children else 0
        if not _is_amount(value):
            raise PosteriorFileError(
                f"{group} attr 'gradient_evaluations' is {_shown(value)}, expected a number >= 0"
            )
    converged = tree["vi_history"].attrs.get("converged", 0) if "vi_history" in tree.children else 0
    if not (_is_count(converged) and converged <= 1):
        raise PosteriorFileError(
            f"vi_history attr 'converged' is {_shown(converged)}, expected 0 or 1"
        )


def _shown(value: Any) -> str:
    """Show a value in an error message: its repr on one line, at most 40 characters."""
    text = " ".join(repr(value).split())
    return text if len(text) <= 40 else text[:40] + "…"


def _is_count(value: Any) -> bool:
    return has_json_type(value, int) and value >= 0


def _is_amount(value: Any) -> bool:
    return has_json_type(value, float) and value >= 0


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def json_attr(attrs: dict, key: str) -> dict[str, Any]:
    """Parse a root attr that holds a JSON object; JSON only, nothing is evaluated.

    Raises
    ------
    PosteriorFileError
        The attr is missing, not text, not strict JSON (``NaN`` and ``Infinity`` are
        refused), or not an object.
    """
    text = attrs.get(key)
    if not isinstance(text, str):
        raise PosteriorFileError(f"attr {key!r} is missing or not text (expected a JSON object)")
    try:
        value = json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        raise PosteriorFileError(f"attr {key!r} is not valid JSON") from None
    if not isinstance(value, dict):
        raise PosteriorFileError(f"attr {key!r} is not a JSON object")
    return value


def has_json_type(value: Any, kind: type) -> bool:
    """JSON ``float``: a finite number; ``int``: an integer; booleans are neither."""
    if kind not in (int, float):
        return isinstance(value, kind)
    if isinstance(value, bool | np.bool_):
        return False
    if kind is int:
        return isinstance(value, Integral)
    return isinstance(value, Real) and math.isfinite(value)


def read_config(tree: xr.DataTree) -> dict[str, Any]:
    """Parse the run configuration stored in the ``config`` attr; check its network keys.

    The keys of :data:`NETWORK_CONFIG` must be present with their JSON types, name a
    known likelihood, a positive prior scale and the posterior's number of hidden units;
    a ``seed``, if present, is an integer >= 0 as the root attr is. Other keys are
    returned as data, unchecked.

    Returns
    -------
    dict
        The configuration.

    Raises
    ------
    PosteriorFileError
        Naming the first key at fault.

    Examples
    --------
    >>> import xarray as xr
    >>> tree = xr.DataTree(xr.Dataset(attrs={"config": '{"hidden": 2, "prior_sigma": 1.0}'}))
    >>> read_config(tree)
    Traceback (most recent call last):
    ...
    inference.posterior.attrs.PosteriorFileError: attr 'config' lacks 'likelihood'
    """
    config = json_attr(tree.attrs, "config")
    for key, kind in NETWORK_CONFIG.items():
        if key not in config:
            raise PosteriorFileError(f"attr 'config' lacks {key!r}")
        if not has_json_type(config[key], kind):
            raise PosteriorFileError(
                f"attr 'config': {key!r} is {_shown(config[key])}, expected a JSON {kind.__name__}"
            )
    if config["likelihood"] not in LIKELIHOOD_NAMES:
        raise PosteriorFileError(
            f"attr 'config': likelihood {_shown(config['likelihood'])} is not one of "
            f"{', '.join(LIKELIHOOD_NAMES)}"
        )
    if config["prior_sigma"] <= 0:
        raise PosteriorFileError("attr 'config': prior_sigma is not positive")
    if "seed" in config and not _is_count(config["seed"]):
        raise PosteriorFileError(
            f"attr 'config': seed is {_shown(config['seed'])}, expected an integer >= 0"
        )
    hidden = tree["posterior"].sizes.get("hidden") if "posterior" in tree.children else None
    if config["hidden"] != hidden:
        raise PosteriorFileError(
            f"attr 'config': hidden is {config['hidden']}, the posterior has {hidden} hidden units"
        )
    return config
