"""The posterior file: an ArviZ InferenceData netCDF file, the only hand-off downstream.

Groups, dims and root attrs follow the contract in the project's design notes;
:func:`validate` checks it, :func:`save` writes atomically (a temporary file in
the same directory renamed into place), :func:`load` opens and checks a file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pymc as pm
import xarray as xr

from inference.model import PARAM_DIMS, PARAMS, build_model

ENGINE = "h5netcdf"
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
_LIBRARIES = ("pymc", "pytensor", "arviz", "xarray", "numpy", "h5netcdf", "scikit-learn")


class PosteriorFileError(ValueError):
    """A posterior file is missing, unreadable or breaks the contract."""


def library_versions() -> dict[str, str]:
    """Return the versions of the libraries that shape a posterior file."""
    return {name: metadata.version(name) for name in _LIBRARIES}


def study_version() -> str:
    """Return this project's installed version (``"unknown"`` from a bare checkout)."""
    try:
        return metadata.version("rupture-bnn")
    except metadata.PackageNotFoundError:
        return "unknown"


def assemble(
    *,
    method: str,
    posterior: xr.Dataset,
    prior: xr.Dataset,
    p_test: xr.DataArray,
    train: dict[str, np.ndarray],
    test: dict[str, np.ndarray],
    features: tuple[str, ...],
    config: dict[str, Any],
    seed: int,
    data_sha256: dict[str, str],
    fit_seconds: float,
    extra_groups: dict[str, xr.Dataset] | None = None,
) -> xr.DataTree:
    """Put a fit's results together as an InferenceData DataTree.

    Parameters
    ----------
    method : str
        ``"advi"``, ``"nuts"``, ...
    posterior, prior : xarray.Dataset
        The parameters :data:`~inference.model.PARAMS` with dims ``(chain, draw, ...)``.
    p_test : xarray.DataArray
        Test-set probabilities ``(chain, draw, test)``.
    train : dict
        ``X (obs, feature)``, ``y (obs,)``, ``weight (obs,)``, ``x_mean``, ``x_std (feature,)``.
    test : dict
        ``X (test, feature)``, ``y (test,)``.
    features : tuple of str
        The ``feature`` coordinate.
    config : dict
        The full run configuration (stored as JSON).
    seed : int
        The run's seed.
    data_sha256 : dict
        File name to sha256 of the data read.
    fit_seconds : float
        Wall time of the fit.
    extra_groups : dict of str to xarray.Dataset, optional
        Further groups, e.g. ``sample_stats`` or ``vi_history``.

    Returns
    -------
    xarray.DataTree
    """
    feature = {"feature": list(features)}
    obs = {"obs": np.arange(len(train["y"]))}
    test_c = {"test": np.arange(len(test["y"]))}
    groups = {
        "posterior": posterior[list(PARAMS)],
        "prior": prior[list(PARAMS)],
        "observed_data": xr.Dataset({"y": ("obs", train["y"])}, coords=obs),
        "constant_data": xr.Dataset(
            {
                "X": (("obs", "feature"), train["X"]),
                "weight": ("obs", train["weight"]),
                "x_mean": ("feature", train["x_mean"]),
                "x_std": ("feature", train["x_std"]),
            },
            coords=obs | feature,
        ),
        "predictions": p_test.rename("p").to_dataset(),
        "predictions_constant_data": xr.Dataset(
            {"X": (("test", "feature"), test["X"]), "y": ("test", test["y"])},
            coords=test_c | feature,
        ),
        **(extra_groups or {}),
    }
    tree = xr.DataTree.from_dict(groups)
    tree.attrs = {
        "method": method,
        "study_version": study_version(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": json.dumps(config, sort_keys=True),
        "seed": int(seed),
        "data_sha256": json.dumps(data_sha256, sort_keys=True),
        "library_versions": json.dumps(library_versions(), sort_keys=True),
        "fit_seconds": float(fit_seconds),
    }
    validate(tree)
    return tree


def validate(tree: xr.DataTree) -> None:
    """Check a DataTree against the posterior-file contract.

    Raises
    ------
    PosteriorFileError
        Naming the first missing group, variable, dim or attr.
    """
    for group, variables in CONTRACT.items():
        if group not in tree.children:
            raise PosteriorFileError(f"group {group!r} is missing")
        for name, dims in variables.items():
            if name not in tree[group].data_vars:
                raise PosteriorFileError(f"variable {group}/{name} is missing")
            found = tree[group][name].dims
            if tuple(found) != dims:
                raise PosteriorFileError(f"{group}/{name} has dims {found}, expected {dims}")
    missing = [a for a in REQUIRED_ATTRS if a not in tree.attrs]
    if missing:
        raise PosteriorFileError(f"root attrs missing: {', '.join(missing)}")


def save(tree: xr.DataTree, path: str | os.PathLike) -> Path:
    """Write ``tree`` to ``path`` atomically: nothing appears there unless complete.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    validate(tree)
    return atomic_write(path, lambda tmp: tree.to_netcdf(tmp, engine=ENGINE))


def atomic_write(path: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then rename it into place.

    A reader never sees a half-written ``path``; if ``write`` fails or is
    interrupted, the temporary file is removed and any old ``path`` is untouched.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def load(path: str | os.PathLike) -> xr.DataTree:
    """Open a posterior file into memory and check its contract.

    Raises
    ------
    PosteriorFileError
        The file is missing, not netCDF, or breaks the contract.
    """
    path = Path(path)
    if not path.is_file():
        raise PosteriorFileError(f"posterior file {path} not found")
    try:
        with xr.open_datatree(path, engine=ENGINE) as tree:
            tree = tree.load()
    except (OSError, ValueError) as err:
        raise PosteriorFileError(f"{path} is not a readable netCDF file ({err})") from None
    try:
        validate(tree)
    except PosteriorFileError as err:
        raise PosteriorFileError(f"{path}: {err}") from None
    return tree


def rebuild_model(tree: xr.DataTree) -> pm.Model:
    """Rebuild the network a posterior file was fit with, from the file alone.

    The training data come from ``constant_data`` and ``observed_data``; the hidden
    size from the posterior; prior scale and likelihood from the stored ``config``.

    Parameters
    ----------
    tree : xarray.DataTree
        A posterior file.

    Returns
    -------
    pymc.Model
        The model of :func:`inference.model.build_model`, ready to evaluate the stored
        draws (e.g. with :func:`inference.predict.predict_proba`).
    """
    config = json.loads(tree.attrs["config"])
    constant = tree["constant_data"]
    return build_model(
        constant["X"].to_numpy(),
        tree["observed_data"]["y"].to_numpy(),
        weight=constant["weight"].to_numpy(),
        features=[str(f) for f in constant["feature"].values],
        hidden=tree["posterior"].sizes["hidden"],
        prior_sigma=float(config.get("prior_sigma", 1.0)),
        likelihood=config.get("likelihood", "bernoulli"),
    )
