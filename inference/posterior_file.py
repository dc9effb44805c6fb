"""The posterior file: an ArviZ InferenceData netCDF file, the only hand-off downstream.

Groups, dims and root attrs follow the contract in the project's design notes;
:func:`validate` (from :mod:`inference.contract`) checks it, :func:`save` writes
atomically (a temporary file in the same directory renamed into place), :func:`load`
opens a file as untrusted data and checks it.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pymc as pm
import xarray as xr

from inference.contract import (
    CONTRACT,
    REQUIRED_ATTRS,
    PosteriorFileError,
    read_config,
    validate,
)
from inference.model import PARAMS, build_model

__all__ = [
    "CONTRACT",
    "ENGINE",
    "REQUIRED_ATTRS",
    "OutputError",
    "PosteriorFileError",
    "assemble",
    "atomic_write",
    "check_target",
    "library_versions",
    "load",
    "read_config",
    "rebuild_model",
    "remove_partial_files",
    "save",
    "study_version",
    "validate",
]

ENGINE = "h5netcdf"
_LIBRARIES = ("pymc", "pytensor", "arviz", "xarray", "numpy", "h5netcdf", "scikit-learn")


class OutputError(OSError):
    """A file cannot be written where it was asked for."""


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


def save(tree: xr.DataTree, path: str | os.PathLike) -> Path:
    """Write ``tree`` to ``path`` atomically: nothing appears there unless complete.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    validate(tree)
    return atomic_write(path, lambda tmp: tree.to_netcdf(tmp, engine=ENGINE))


#: Temporary files being written by :func:`atomic_write` in this process.
_PARTIAL: set[Path] = set()


def check_target(path: Path) -> None:
    """Refuse to write over something that exists and is not a regular file.

    Renaming over a directory or a device (``/dev/null``, as root) must never happen.

    Raises
    ------
    OutputError
        ``path`` exists and is not a regular file.
    """
    if path.exists() and not path.is_file():
        raise OutputError(f"cannot write {path}: it exists and is not a regular file")


def atomic_write(path: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then rename it into place.

    A reader never sees a half-written ``path``; if ``write`` fails or is
    interrupted (by any exception, ``KeyboardInterrupt`` included), the temporary
    file is removed and any old ``path`` is untouched. While it exists, the
    temporary file is listed for :func:`remove_partial_files`.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    OutputError
        ``path`` exists and is not a regular file (a directory, a device), or the
        directory cannot be made, or the file cannot be written there.
    """
    path = Path(path)
    check_target(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    _PARTIAL.add(tmp)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        os.replace(tmp, path)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror or err}") from None
    finally:
        _remove(tmp)
    return path


def _remove(tmp: Path) -> None:
    with contextlib.suppress(OSError):  # never mask why the write failed
        tmp.unlink(missing_ok=True)
    _PARTIAL.discard(tmp)


def remove_partial_files() -> None:
    """Remove the temporary files of writes still in progress (for a forced exit)."""
    for tmp in list(_PARTIAL):
        _remove(tmp)


#: What h5py, h5netcdf and xarray raise on bytes that are not a readable netCDF file:
#: the kinds seen when truncating and corrupting real posterior files
#: (tests/test_properties.py does so at random).
_READ_ERRORS = (OSError, ValueError, KeyError, TypeError, AttributeError, RuntimeError, IndexError)


@contextmanager
def _unraisable_ignored():
    """Silence what h5netcdf reports, while being collected, about a file it failed to open."""
    previous = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        yield
    finally:
        gc.collect()
        sys.unraisablehook = previous


def _read(path: Path) -> xr.DataTree:
    """Read a netCDF file into memory, decoding nothing but numbers and text."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the contract, not a library's warning, judges the file
        with xr.open_datatree(
            path,
            engine=ENGINE,
            phony_dims="access",
            decode_times=False,
            decode_timedelta=False,
        ) as tree:
            return tree.load()


def load(path: str | os.PathLike) -> xr.DataTree:
    """Open a posterior file into memory and check its contract.

    The file is data, never code: nothing in it is unpickled or evaluated, its JSON
    attrs are parsed as JSON, and no path written inside it is opened.

    Raises
    ------
    PosteriorFileError
        The file is missing, not netCDF, truncated or corrupt, or breaks the contract.
    """
    path = Path(path)
    if not path.exists():
        raise PosteriorFileError(f"posterior file {path} not found")
    if not path.is_file():
        raise PosteriorFileError(f"posterior file {path} is not a regular file")
    message = None
    with _unraisable_ignored():
        try:
            tree = _read(path)
        except _READ_ERRORS as err:
            reason = (str(err).splitlines() or [type(err).__name__])[0]
            message = f"{path} is not a readable netCDF file ({reason})"
    if message is not None:
        raise PosteriorFileError(message)
    try:
        validate(tree)
    except PosteriorFileError as err:
        raise PosteriorFileError(
            f"{path} is not a valid rupture-bnn posterior file: {err}"
        ) from None
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
    config = read_config(tree)
    constant = tree["constant_data"]
    return build_model(
        constant["X"].to_numpy(),
        tree["observed_data"]["y"].to_numpy(),
        weight=constant["weight"].to_numpy(),
        features=[str(f) for f in constant["feature"].values],
        hidden=tree["posterior"].sizes["hidden"],
        prior_sigma=float(config["prior_sigma"]),
        likelihood=config["likelihood"],
    )
