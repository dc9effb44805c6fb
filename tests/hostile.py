"""Ways to break a posterior file, each of which the contract must refuse.

Every breaker takes a deep copy of a valid DataTree and ``pick``, a function that
chooses one of the options it is given (the first one in example tests, any one under
hypothesis), and returns the broken tree.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import xarray as xr

from inference.model.parameters import PARAM_DIMS
from inference.posterior.attrs import NETWORK_CONFIG, REQUIRED_ATTRS
from inference.posterior.contract import contract

Pick = Callable[[Sequence[Any]], Any]


def write_raw(tree: xr.DataTree, path) -> None:
    """Write a tree as netCDF without the project's checks (``save`` would refuse it)."""
    tree.to_netcdf(path, engine="h5netcdf")


def _variables(tree: xr.DataTree, kinds: str = "biuf") -> list[tuple[str, str]]:
    return [
        (group, name)
        for group, names in contract(tree).items()
        for name in names
        if tree[group][name].dtype.kind in kinds
    ]


def _replace(tree: xr.DataTree, group: str, name: str, values: np.ndarray) -> xr.DataTree:
    data = tree[group].to_dataset()
    tree[group] = data.assign({name: (data[name].dims, values)})
    return tree


def _set_element(tree: xr.DataTree, group: str, name: str, value, pick: Pick) -> xr.DataTree:
    values = tree[group][name].to_numpy().copy()
    values.flat[pick(range(min(values.size, 4)))] = value
    return _replace(tree, group, name, values)


def drop_group(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    del tree[pick(sorted(contract(tree)))]
    return tree


def drop_variable(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    group, name = pick(_variables(tree))
    tree[group] = tree[group].to_dataset().drop_vars(name)
    return tree


def rename_dim(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    group, name = pick([v for v in _variables(tree) if tree[v[0]][v[1]].ndim])
    data = tree[group].to_dataset()
    old = pick(list(data[name].dims))
    dims = [f"{d}_renamed" if d == old else d for d in data[name].dims]
    tree[group] = data.drop_vars(name).assign({name: (dims, data[name].to_numpy())})
    return tree


def transpose(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    group, name = pick([v for v in _variables(tree) if tree[v[0]][v[1]].ndim > 1])
    data = tree[group].to_dataset()
    tree[group] = data.assign({name: data[name].transpose(*reversed(data[name].dims))})
    return tree


def _indexed(tree: xr.DataTree, *, feature: bool, least: int = 1) -> list[tuple[str, str]]:
    return [
        (group, dim)
        for group in contract(tree)
        for dim in tree[group].indexes
        if (dim == "feature") == feature and tree[group].sizes[dim] >= least
    ]


def relabel_feature(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    group, _ = pick(_indexed(tree, feature=True))
    labels = [str(f) for f in tree[group]["feature"].values]
    labels[pick(range(len(labels)))] = "renamed feature"
    tree[group] = tree[group].to_dataset().assign_coords(feature=labels)
    return tree


def repeat_label(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    group, dim = pick(
        _indexed(tree, feature=True, least=2) + _indexed(tree, feature=False, least=2)
    )
    labels = tree[group][dim].to_numpy().copy()
    labels[1] = labels[0]
    tree[group] = tree[group].to_dataset().assign_coords({dim: labels})
    return tree


def text_labels(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    group, dim = pick(_indexed(tree, feature=False))
    labels = [f"<i>{i}</i>" for i in range(tree[group].sizes[dim])]
    tree[group] = tree[group].to_dataset().assign_coords({dim: labels})
    return tree


def shrink(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    """Drop one element of a dim that other groups share (or the last one of it)."""
    options = [
        (group, dim)
        for group in contract(tree)
        for dim in tree[group].dims
        if dim != "iteration" and not (group == "prior" and dim in ("chain", "draw"))
    ]
    group, dim = pick(options)
    tree[group] = tree[group].to_dataset().isel({dim: slice(1, None)})
    return tree


def non_finite(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    group, name = pick(_variables(tree, "f"))
    return _set_element(tree, group, name, pick([np.nan, np.inf, -np.inf]), pick)


def bad_probability(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    return _set_element(tree, "predictions", "p", pick([1.5, -0.25]), pick)


def bad_label(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    group = pick(["observed_data", "predictions_constant_data"])
    return _set_element(tree, group, "y", pick([2, -1]), pick)


def one_class(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    group = pick(["observed_data", "predictions_constant_data"])
    y = tree[group]["y"].to_numpy()
    return _replace(tree, group, "y", np.full_like(y, pick([0, 1])))


def not_positive(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    name = pick(["weight", "x_std"])
    return _set_element(tree, "constant_data", name, pick([0, -1]), pick)


def text_values(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    group, name = pick(_variables(tree))
    shape = tree[group][name].shape
    return _replace(tree, group, name, np.full(shape, "<script>"))


def single_draw(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    groups = pick([("prior",), ("posterior", "predictions", "sample_stats")])
    for group in groups:  # consistently, so only the number of draws is at fault
        tree[group] = tree[group].to_dataset().isel(draw=[0])
    return tree


def constant_draws(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    group, name = pick([(g, n) for g in ("posterior", "prior") for n in PARAM_DIMS])
    values = tree[group][name].to_numpy()
    return _replace(tree, group, name, np.full_like(values, pick([0.0, 1.5])))


def huge_value(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    options = [(g, n) for g in ("posterior", "prior") for n in PARAM_DIMS]
    group, name = pick([*options, ("constant_data", "X"), ("predictions_constant_data", "X")])
    return _set_element(tree, group, name, pick([1e300, -2e6]), pick)


def drop_attr(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    del tree.attrs[pick(REQUIRED_ATTRS)]
    return tree


#: Root attr values that are not what the contract says.
BAD_ATTRS = [
    ("seed", "7"),
    ("seed", -1),
    ("seed", 1.5),
    ("fit_seconds", float("nan")),
    ("fit_seconds", "fast"),
    ("method", ""),
    ("method", 3),
    ("method", "<script>alert(1)</script>"),  # not a method of the table
    ("created", np.arange(2)),
    ("config", "{not json"),
    ("config", "[1, 2]"),
    ("config", '{"hidden": NaN, "prior_sigma": 1.0, "likelihood": "bernoulli"}'),
    ("config", "__import__('os').system('touch pwned')"),
    ("data_sha256", "{'a.txt': 'f00'}"),
    ("data_sha256", '{"a.txt": 1}'),
    ("library_versions", '{"numpy": 2}'),
    ("library_versions", "null"),
]


def bad_attr(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    key, value = pick(BAD_ATTRS)
    tree.attrs[key] = value
    return tree


def _bad_config_values(config: dict) -> list[tuple[str, Any]]:
    wrong = {str: 3, int: "7", float: "1.0"}
    typed = [(key, wrong[kind]) for key, kind in NETWORK_CONFIG.items() if key in config]
    return [
        *typed,
        ("likelihood", "python"),
        ("likelihood", "__import__('os').system('touch pwned')"),
        ("prior_sigma", 0),
        ("prior_sigma", -1.0),
        ("prior_sigma", True),
        ("hidden", config["hidden"] + 1),
        ("hidden", 3.0),
        ("seed", True),
    ]


def bad_config(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    config = json.loads(tree.attrs["config"])
    if pick([True, False]):
        del config[pick(["hidden", "prior_sigma", "likelihood"])]
    else:
        key, value = pick(_bad_config_values(config))
        config[key] = value
    tree.attrs["config"] = json.dumps(config)
    return tree


def bad_group_attr(tree: xr.DataTree, pick: Pick) -> xr.DataTree:
    options = [("sample_stats", "gradient_evaluations", v) for v in ("many", -1)]
    if "vi_history" in tree.children:
        options += [("vi_history", "converged", v) for v in (2, "yes")]
    group, key, value = pick(options)
    tree[group].attrs[key] = value
    return tree


#: Every breaker, by name.
BREAKERS: dict[str, Callable[[xr.DataTree, Pick], xr.DataTree]] = {
    f.__name__: f
    for f in (
        drop_group,
        drop_variable,
        rename_dim,
        transpose,
        relabel_feature,
        repeat_label,
        text_labels,
        shrink,
        non_finite,
        bad_probability,
        bad_label,
        one_class,
        not_positive,
        text_values,
        single_draw,
        constant_draws,
        huge_value,
        drop_attr,
        bad_attr,
        bad_config,
        bad_group_attr,
    )
}


def first(options: Sequence[Any]) -> Any:
    """Pick the first option: the example tests' choice."""
    return options[0]
