"""The posterior-file contract, and the checks that hold any file to it.

A posterior file may come from anyone, so it is treated as data to be checked, never
as code: the JSON attrs are parsed with :func:`json.loads` and checked against plain
type schemas, and every variable the analyses read is checked for its dims, sizes,
coordinates and values before anything uses it. :func:`validate` raises
:class:`PosteriorFileError` naming the first fault.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from inference.methods.registry import method_of
from inference.model.limits import DIM_LIMITS, MAX_DATA_BYTES, MAX_MAGNITUDE, OTHER_DIM_LIMIT
from inference.model.parameters import PARAM_DIMS
from inference.posterior.alignment import GROUP as ALIGNMENT
from inference.posterior.alignment import check_alignment
from inference.posterior.attrs import PosteriorFileError, check_attrs
from inference.posterior.classes import check_classes
from inference.posterior.units import check_units

__all__ = [
    "CONTRACT",
    "DIM_LIMITS",
    "MAX_DATA_BYTES",
    "MAX_MAGNITUDE",
    "OPTIONAL",
    "OTHER_DIM_LIMIT",
    "PosteriorFileError",
    "check_declared_sizes",
    "check_dim",
    "contract",
    "over_cap",
    "validate",
]

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
#: Groups a file may hold (files from before them, or written without them, do not), each
#: checked as the others when present: the training rows' log-likelihood and predictive
#: label draws that ArviZ's LOO and predictive checks read
#: (:mod:`inference.posterior.pointwise`), and each chain's permutation of its hidden units
#: (:mod:`inference.posterior.alignment`).
OPTIONAL = {
    "log_likelihood": {"y": ("chain", "draw", "obs")},
    "posterior_predictive": {"y": ("chain", "draw", "obs")},
    ALIGNMENT: {"permutation": ("chain", "hidden")},
    "warmup_posterior": {n: ("chain", "draw", *d) for n, d in PARAM_DIMS.items()},
    "warmup_sample_stats": {"n_steps": ("chain", "draw"), "step_size": ("chain", "draw")},
}
#: Prior and warm-up draws are samples of their own: their chain and draw sizes are theirs.
_OWN_SAMPLE_DIMS = {"prior": "prior", "warmup_posterior": "warmup", "warmup_sample_stats": "warmup"}


def contract(tree: xr.DataTree) -> dict[str, dict[str, tuple[str, ...]]]:
    """Return the groups, variables and dims ``tree`` must hold: the common ones and its method's.

    The method is the one its ``method`` attr names (:data:`inference.methods.registry.METHODS`);
    a file naming none has only the common part here, and is refused by the attr check.
    """
    method = method_of(tree.attrs)
    present = {g: v for g, v in OPTIONAL.items() if g in tree.children}
    return CONTRACT | present | (dict(method.stores) if method else {})


def validate(tree: xr.DataTree) -> None:
    """Check a DataTree against the posterior-file contract.

    Checks the groups, variables and their dims, that shared dims have one size and
    one set of labels in every group, the values (finite, labels 0/1 of both classes,
    probabilities in [0, 1], positive weights and scales), and the root attrs and
    their JSON (see :func:`inference.posterior.attrs.check_attrs`).

    Raises
    ------
    PosteriorFileError
        Naming the first missing group, variable, dim or attr, or the first bad value.

    Examples
    --------
    >>> from inference.testing import tiny_posterior_file
    >>> tree = tiny_posterior_file("advi")
    >>> validate(tree)
    >>> del tree["vi_history"]  # what the ``advi`` row of the method table stores
    >>> validate(tree)
    Traceback (most recent call last):
    ...
    inference.posterior.attrs.PosteriorFileError: group 'vi_history' is missing
    """
    expected = contract(tree)
    check_declared_sizes(tree)
    _check_variables(tree, expected)
    _check_sizes(tree, expected)
    _check_coords(tree, expected)
    _check_values(tree, expected)
    check_attrs(tree)


def over_cap(nbytes: int) -> str:
    """Say that ``nbytes`` of arrays is more than a posterior file may hold."""
    return f"{nbytes:,} bytes, more than the {MAX_DATA_BYTES:,} a posterior file may hold"


def check_dim(where: str, dim: str, size: int) -> None:
    """Refuse a size beyond :data:`DIM_LIMITS` (or :data:`OTHER_DIM_LIMIT`) along ``dim``.

    Examples
    --------
    >>> check_dim("posterior/w0", "chain", 4)
    >>> check_dim("posterior/w0", "chain", 4_000)
    Traceback (most recent call last):
    ...
    inference.posterior.attrs.PosteriorFileError: posterior/w0 has 4,000 along 'chain' ...
    """
    limit = DIM_LIMITS.get(dim, OTHER_DIM_LIMIT)
    if size > limit:
        raise PosteriorFileError(f"{where} has {size:,} along {dim!r} (expected at most {limit:,})")


def check_declared_sizes(tree: xr.DataTree) -> None:
    """Refuse a tree whose dims or arrays are larger than a posterior file may hold.

    Reads only shapes and types, so it holds a lazily opened tree to the caps before
    any of its arrays is loaded: every dim within :func:`check_dim`, all arrays
    together within :data:`MAX_DATA_BYTES`, as their values would be held in memory.
    """
    total = 0
    for node in tree.subtree:
        data = node.to_dataset(inherit=False)
        for dim, size in data.sizes.items():
            check_dim(node.path, dim, size)
        total += sum(v.size * v.dtype.itemsize for v in data.variables.values())
    if total > MAX_DATA_BYTES:
        raise PosteriorFileError(f"the arrays hold {over_cap(total)}")


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
    """One size per dim across groups (the prior's and warm-up's sample dims apart), none 0."""
    seen: dict[tuple[str, str], tuple[int, str]] = {}
    for group, variables in expected.items():
        for name in variables:
            for dim, size in tree[group][name].sizes.items():
                where = f"{group}/{name}"
                if size == 0:
                    raise PosteriorFileError(f"{where} has no elements along {dim!r}")
                own = group in _OWN_SAMPLE_DIMS and dim in ("chain", "draw")
                key = (_OWN_SAMPLE_DIMS[group] if own else "", dim)
                first, first_where = seen.setdefault(key, (size, where))
                if size != first:
                    raise PosteriorFileError(
                        f"{where} has {size} along {dim!r} but {first_where} has {first} "
                        "(expected the same size)"
                    )


def _check_coords(tree: xr.DataTree, expected: dict) -> None:
    """Labels: unique; features text, present and alike in every group; others integers."""
    features = None
    for group, variables in expected.items():
        node = tree[group]
        for dim in dict.fromkeys(d for dims in variables.values() for d in dims):
            if dim == "feature" and dim not in node.indexes:
                raise PosteriorFileError(
                    f"{group} has no 'feature' labels (expected the feature names as its "
                    "coordinate)"
                )
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
    if "posterior_predictive" in tree.children:
        drawn = tree["posterior_predictive"]["y"]
        if drawn.dtype.kind in "iub" and not set(np.unique(drawn.to_numpy()).tolist()) <= {0, 1}:
            raise PosteriorFileError(
                "posterior_predictive/y holds values other than 0 and 1 (expected labels)"
            )
    check_alignment(tree)
    check_units(tree)
    check_classes(tree)
    _check_lines(tree)
    for group in ("observed_data", "predictions_constant_data"):
        labels = set(np.unique(tree[group]["y"].to_numpy()).tolist())
        if not labels <= {0, 1}:
            raise PosteriorFileError(f"{group}/y holds values other than 0 and 1 (expected labels)")
        if len(labels) < 2:
            raise PosteriorFileError(f"{group}/y holds one class only (expected both 0 and 1)")
    for name, meaning in (("weight", "row weights"), ("x_std", "standard deviations")):
        if (tree["constant_data"][name].to_numpy() <= 0).any():
            raise PosteriorFileError(
                f"constant_data/{name} holds values <= 0 (expected positive {meaning})"
            )


def _check_lines(tree: xr.DataTree) -> None:
    """Check a ``line`` coordinate, where stored: each row's line in its data file, 1 or more."""
    for group, dim in (("constant_data", "obs"), ("predictions_constant_data", "test")):
        line = tree[group].coords.get("line")
        if line is not None and (
            line.dims != (dim,) or line.dtype.kind not in "iu" or (line.to_numpy() < 1).any()
        ):
            raise PosteriorFileError(
                f"{group}/line is not a line number of 1 or more along {dim!r} (expected each "
                "row's line in its data file)"
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
