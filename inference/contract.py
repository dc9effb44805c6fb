"""The posterior-file contract, and the checks that hold any file to it.

A posterior file may come from anyone, so it is treated as data to be checked, never
as code: the JSON attrs are parsed with :func:`json.loads` and checked against plain
type schemas, and every variable the analyses read is checked for its dims, sizes,
coordinates and values before anything uses it. :func:`validate` raises
:class:`PosteriorFileError` naming the first fault.
"""

from __future__ import annotations

import json
import math
from numbers import Integral, Real
from typing import Any

import numpy as np
import xarray as xr

from inference.model import LIKELIHOODS, PARAM_DIMS

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
#: Group -> variable -> dims, beyond the sample dims where those apply.
CONTRACT = {
    "posterior": {n: ("chain", "draw", *d) for n, d in PARAM_DIMS.items()},
    "prior": {n: ("chain", "draw", *d) for n, d in PARAM_DIMS.items()},
    "observed_data": {"y": ("obs",)},
    "constant_data": {
        "X": ("obs", "feature"),
        "weight": ("obs",),
        "x_mean": ("feature",),
        "x_std": ("feature",),
    },
    "predictions": {"p": ("chain", "draw", "test")},
    "predictions_constant_data": {"X": ("test", "feature"), "y": ("test",)},
}
#: ``sample_stats`` of a NUTS file: what the report's sampler table reads.
NUTS_STATS = (
    "diverging",
    "tree_depth",
    "reached_max_treedepth",
    "step_size",
    "acceptance_rate",
    "n_steps",
)
#: ``sample_stats`` of an ADVI file (a file with a ``vi_history`` group): for PSIS.
ADVI_STATS = ("lp", "log_q")
#: The run configuration's keys and their JSON types.
CONFIG_SCHEMA: dict[str, type] = {
    "method": str,
    "data_source": str,
    "seed": int,
    "hidden": int,
    "prior_sigma": float,
    "likelihood": str,
    "draws": int,
    "tune": int,
    "chains": int,
    "target_accept": float,
    "nuts_init": str,
    "backend": str,
    "learning_rate": float,
    "max_steps": int,
    "window": int,
    "tolerance": float,
    "prior_draws": int,
}
#: Keys the configuration must hold: the ones that rebuild the network.
CONFIG_REQUIRED = ("hidden", "prior_sigma", "likelihood")
#: Largest magnitude accepted for a parameter or a standardised input: no fit of this
#: network comes near it, and far beyond it the analyses' densities and sums overflow.
MAX_MAGNITUDE = 1e6
#: Prior draws are a sample of their own: their chain and draw sizes are their own.
_OWN_SAMPLE_DIMS = {"prior"}


class PosteriorFileError(ValueError):
    """A posterior file is missing, unreadable or breaks the contract."""


def contract(tree: xr.DataTree) -> dict[str, dict[str, tuple[str, ...]]]:
    """Return the groups, variables and dims ``tree`` must hold: the common ones and its fit's."""
    sample = ("chain", "draw")
    if "vi_history" in tree.children:
        own = {
            "vi_history": {"loss": ("iteration",)},
            "sample_stats": dict.fromkeys(ADVI_STATS, sample),
        }
    else:
        own = {"sample_stats": dict.fromkeys(NUTS_STATS, sample)}
    return CONTRACT | own


def validate(tree: xr.DataTree) -> None:
    """Check a DataTree against the posterior-file contract.

    Checks the groups, variables and their dims, that shared dims have one size and
    one set of labels in every group, the values (finite, labels 0/1 of both classes,
    probabilities in [0, 1], positive weights and scales), and the root attrs and
    their JSON (see :func:`read_config`).

    Raises
    ------
    PosteriorFileError
        Naming the first missing group, variable, dim or attr, or the first bad value.
    """
    expected = contract(tree)
    _check_variables(tree, expected)
    _check_sizes(tree, expected)
    _check_coords(tree, expected)
    _check_values(tree, expected)
    _check_attrs(tree)


def _check_variables(tree: xr.DataTree, expected: dict) -> None:
    for group, variables in expected.items():
        if group not in tree.children:
            raise PosteriorFileError(f"group {group!r} is missing")
        for name, dims in variables.items():
            if name not in tree[group].data_vars:
                raise PosteriorFileError(f"variable {group}/{name} is missing")
            variable = tree[group][name]
            if tuple(variable.dims) != dims:
                raise PosteriorFileError(
                    f"{group}/{name} has dims {variable.dims}, expected {dims}"
                )
            if variable.dtype.kind not in "biuf":
                raise PosteriorFileError(
                    f"{group}/{name} holds {variable.dtype} values, expected numbers"
                )


def _check_sizes(tree: xr.DataTree, expected: dict) -> None:
    """One size per dim across groups (the prior's sample dims apart), none of them zero."""
    seen: dict[tuple[str, str], tuple[int, str]] = {}
    for group, variables in expected.items():
        for name in variables:
            for dim, size in tree[group][name].sizes.items():
                where = f"{group}/{name}"
                if size == 0:
                    raise PosteriorFileError(f"{where} has no elements along {dim!r}")
                own = group in _OWN_SAMPLE_DIMS and dim in ("chain", "draw")
                key = (group if own else "", dim)
                first, first_where = seen.setdefault(key, (size, where))
                if size != first:
                    raise PosteriorFileError(
                        f"{where} has {size} along {dim!r} but {first_where} has {first} "
                        "(expected the same size)"
                    )


def _check_coords(tree: xr.DataTree, expected: dict) -> None:
    """Labels: unique; features are text, the same in every group; other dims integers."""
    features = None
    for group, variables in expected.items():
        node = tree[group]
        for dim in dict.fromkeys(d for dims in variables.values() for d in dims):
            if dim not in node.indexes:
                continue
            values = node[dim].to_numpy()
            if len(np.unique(values.astype(str))) != len(values):
                raise PosteriorFileError(f"{group} has repeated {dim!r} labels")
            if dim != "feature":
                if values.dtype.kind not in "iu":
                    raise PosteriorFileError(f"{group} has {dim!r} labels that are not integers")
                continue
            if not all(isinstance(v, str) for v in values.tolist()):
                raise PosteriorFileError(f"{group} has feature labels that are not text")
            if features is None:
                features = (group, values.tolist())
            elif values.tolist() != features[1]:
                raise PosteriorFileError(f"{group} and {features[0]} have different feature labels")


def _check_values(tree: xr.DataTree, expected: dict) -> None:
    for group, variables in expected.items():
        for name in variables:
            values = tree[group][name].to_numpy()
            if values.dtype.kind == "f" and not np.isfinite(values).all():
                raise PosteriorFileError(
                    f"{group}/{name} holds NaN or infinite values (expected finite numbers)"
                )
    _check_ranges(tree)
    _check_samples(tree)


def _check_ranges(tree: xr.DataTree) -> None:
    p = tree["predictions"]["p"].to_numpy()
    if ((p < 0) | (p > 1)).any():
        raise PosteriorFileError(
            "predictions/p holds values outside [0, 1] (expected probabilities)"
        )
    for group in ("observed_data", "predictions_constant_data"):
        labels = set(np.unique(tree[group]["y"].to_numpy()).tolist())
        if not labels <= {0, 1}:
            raise PosteriorFileError(f"{group}/y holds values other than 0 and 1 (expected labels)")
        if len(labels) < 2:
            raise PosteriorFileError(f"{group}/y holds one class only (expected both 0 and 1)")
    for name, meaning in (("weight", "row counts"), ("x_std", "standard deviations")):
        if (tree["constant_data"][name].to_numpy() <= 0).any():
            raise PosteriorFileError(
                f"constant_data/{name} holds values <= 0 (expected positive {meaning})"
            )


def _check_samples(tree: xr.DataTree) -> None:
    """Draws the analyses can summarise: two or more, with some spread, of sane magnitude."""
    for group in ("posterior", "prior"):
        if tree[group].sizes["draw"] < 2:
            raise PosteriorFileError(f"{group} has 1 draw (expected at least 2)")
        for name in PARAM_DIMS:
            values = tree[group][name].to_numpy()
            if values.min() == values.max():
                raise PosteriorFileError(
                    f"{group}/{name} holds a single value (expected draws that vary)"
                )
    scaled = [(g, n) for g in ("posterior", "prior") for n in PARAM_DIMS]
    for group, name in [*scaled, ("constant_data", "X"), ("predictions_constant_data", "X")]:
        if np.abs(tree[group][name].to_numpy()).max() > MAX_MAGNITUDE:
            raise PosteriorFileError(
                f"{group}/{name} holds values beyond ±{MAX_MAGNITUDE:g} (expected weights "
                "and standardised inputs of a network)"
            )


def _check_attrs(tree: xr.DataTree) -> None:
    missing = [a for a in REQUIRED_ATTRS if a not in tree.attrs]
    if missing:
        raise PosteriorFileError(f"root attrs missing: {', '.join(missing)}")
    attrs = tree.attrs
    for key in ("method", "study_version", "created"):
        if not isinstance(attrs[key], str) or not attrs[key]:
            raise PosteriorFileError(f"attr {key!r} is not a non-empty string")
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
    return _has_type(value, int) and value >= 0


def _is_amount(value: Any) -> bool:
    return _has_type(value, float) and value >= 0


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


def _has_type(value: Any, kind: type) -> bool:
    """JSON ``float``: a finite number; ``int``: an integer; booleans are neither."""
    if kind not in (int, float):
        return isinstance(value, kind)
    if isinstance(value, bool | np.bool_):
        return False
    if kind is int:
        return isinstance(value, Integral)
    return isinstance(value, Real) and math.isfinite(value)


def read_config(tree: xr.DataTree) -> dict[str, Any]:
    """Parse and check the run configuration stored in the ``config`` attr.

    The keys of :data:`CONFIG_SCHEMA` must have their JSON types; those of
    :data:`CONFIG_REQUIRED` must be present, name a known likelihood, a positive
    prior scale and the posterior's number of hidden units. Other keys are kept
    as data.

    Returns
    -------
    dict
        The configuration.

    Raises
    ------
    PosteriorFileError
        Naming the first key at fault.
    """
    config = json_attr(tree.attrs, "config")
    for key, kind in CONFIG_SCHEMA.items():
        if key not in config:
            if key in CONFIG_REQUIRED:
                raise PosteriorFileError(f"attr 'config' lacks {key!r}")
            continue
        if not _has_type(config[key], kind):
            raise PosteriorFileError(
                f"attr 'config': {key!r} is {_shown(config[key])}, expected a JSON {kind.__name__}"
            )
    if config["likelihood"] not in LIKELIHOODS:
        raise PosteriorFileError(
            f"attr 'config': likelihood {_shown(config['likelihood'])} is not one of "
            f"{', '.join(LIKELIHOODS)}"
        )
    if config["prior_sigma"] <= 0:
        raise PosteriorFileError("attr 'config': prior_sigma is not positive")
    hidden = tree["posterior"].sizes.get("hidden") if "posterior" in tree.children else None
    if config["hidden"] != hidden:
        raise PosteriorFileError(
            f"attr 'config': hidden is {config['hidden']}, the posterior has {hidden} hidden units"
        )
    return config
