"""Put a fit's results together as a posterior file: the InferenceData DataTree.

The groups, dims and root attrs follow the contract of :mod:`inference.posterior.contract`;
the file is checked when it is written (:func:`inference.posterior.storage.save`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import numpy as np
import xarray as xr

from inference.methods.result import MethodFit
from inference.model.parameters import PARAMS
from inference.posterior.alignment import GROUP as ALIGNMENT
from inference.posterior.alignment import alignment_group
from inference.posterior.classes import PAPER_CLASSES, Classes

__all__ = ["assemble", "library_versions", "study_version"]

#: The distributions that shape every posterior file, whatever computed its draws.
_LIBRARIES = ("pymc", "pytensor", "arviz", "xarray", "numpy", "h5netcdf", "scikit-learn")
#: Groups of the fit's draws and their statistics.
_FITTED = ("posterior", "sample_stats", "warmup_posterior", "warmup_sample_stats")
#: Groups whose values PyMC computed from the model, whichever method fitted it.
_BY_PYMC = ("prior", "log_likelihood", "posterior_predictive")
#: This project's distribution name.
_PROJECT = "rupture-bnn"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def library_versions(libraries: tuple[str, ...] = ()) -> dict[str, str]:
    """Return the versions of the libraries that shape a posterior file and computed its draws.

    ``libraries``: those that computed the draws (:attr:`MethodFit.libraries`); JAX's
    are listed with ``jaxlib``, which holds its compiled code.

    Examples
    --------
    >>> sorted(library_versions(("blackjax", "jax")))[:3]
    ['arviz', 'blackjax', 'h5netcdf']
    >>> "jaxlib" in library_versions(("jax",))
    True
    """
    names = list(dict.fromkeys((*_LIBRARIES, *libraries)))
    if "jax" in names:
        names.append("jaxlib")
    return {name: _version(name) for name in names}


def study_version() -> str:
    """Return this project's installed version (``"unknown"`` from a bare checkout)."""
    return _version(_PROJECT)


def _group_attrs(tree: xr.DataTree, fit: MethodFit, *, created: str, seconds: float) -> None:
    """Give every group the attrs ArviZ and PyMC write, keeping those a group has.

    Every group: ``created_at`` and ``creation_library*`` (:func:`arviz_base.make_attrs`).
    :data:`_FITTED`: the ``inference_library`` that computed the draws and its version, the
    ``inference_backend``, ``sampling_time`` (the fit's seconds) and, for MCMC,
    ``tuning_steps``, over what a library wrote. :data:`_BY_PYMC`: PyMC, which computed
    them.
    """
    from arviz_base import make_attrs

    common = make_attrs({"created_at": created})
    library = fit.libraries[0]
    fitted = {
        "inference_library": library,
        "inference_library_version": study_version() if library == _PROJECT else _version(library),
        "inference_backend": fit.backend,
        "sampling_time": float(seconds),
    }
    if fit.tuning_steps is not None:
        fitted["tuning_steps"] = int(fit.tuning_steps)
    by_pymc = {"inference_library": "pymc", "inference_library_version": _version("pymc")}
    for name, node in tree.children.items():
        own = fitted if name in _FITTED else {}
        own = by_pymc if name in _BY_PYMC else own
        node.attrs = {**common, **node.attrs, **own}


def assemble(
    *,
    method: str,
    fit: MethodFit,
    prior: xr.Dataset,
    p_test: xr.DataArray,
    train: dict[str, np.ndarray],
    test: dict[str, np.ndarray],
    features: tuple[str, ...],
    config: dict[str, Any],
    seed: int,
    data_sha256: dict[str, str],
    fit_seconds: float,
    pointwise: dict[str, xr.Dataset] | None = None,
    units: dict[str, str] | None = None,
    classes: Classes = PAPER_CLASSES,
    lines: tuple[np.ndarray, np.ndarray] | None = None,
) -> xr.DataTree:
    """Put a fit's results together as an InferenceData DataTree.

    Parameters
    ----------
    method : str
        A key of :data:`inference.methods.registry.METHODS`.
    fit : MethodFit
        The method's draws (parameters :data:`~inference.model.network.PARAMS`, dims
        ``(chain, draw, ...)``), sampler statistics and further groups.
    prior : xarray.Dataset
        Prior draws of the same parameters.
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
    pointwise : dict, optional
        Groups ``log_likelihood`` and ``posterior_predictive`` of the training rows
        (:func:`inference.posterior.pointwise.pointwise_groups`); left out without it.
    units : dict, optional
        Feature to unit (``"1"``: dimensionless, ``""``: unknown), stored as the
        ``unit`` coordinate of ``constant_data`` (:mod:`inference.posterior.units`).
    classes : Classes
        What ``y`` = 0 and 1 mean, stored as ``observed_data`` attrs
        (:mod:`inference.posterior.classes`).
    lines : (numpy.ndarray, numpy.ndarray), optional
        The data file's line number of each training and test row, stored as the ``line``
        coordinate of ``constant_data`` and ``predictions_constant_data`` (which rows went
        where).

    Returns
    -------
    xarray.DataTree
        Not yet checked against the contract: that happens when it is written.
    """
    feature = {"feature": list(features)}
    obs = {"obs": np.arange(len(train["y"]))}
    test_c = {"test": np.arange(len(test["y"]))}
    rows = {"obs": {}, "test": {}}  # a campaign's line numbers: on the input groups only
    if lines is not None:
        rows = {
            dim: {"line": (dim, np.asarray(n, dtype=np.int64))}
            for dim, n in zip(rows, lines, strict=True)
        }
    groups = {
        "posterior": fit.posterior[list(PARAMS)],
        "prior": prior[list(PARAMS)],
        "observed_data": xr.Dataset({"y": ("obs", train["y"])}, coords=obs, attrs=classes.attrs()),
        "constant_data": xr.Dataset(
            {
                "X": (("obs", "feature"), train["X"]),
                "weight": ("obs", train["weight"]),
                "x_mean": ("feature", train["x_mean"]),
                "x_std": ("feature", train["x_std"]),
            },
            coords=obs | feature | rows["obs"],
        ).assign_coords(
            {} if units is None else {"unit": ("feature", [units.get(f, "") for f in features])}
        ),
        "predictions": p_test.rename("p").to_dataset().assign_coords(test_c),
        "predictions_constant_data": xr.Dataset(
            {"X": (("test", "feature"), test["X"]), "y": ("test", test["y"])},
            coords=test_c | feature | rows["test"],
        ),
        "sample_stats": fit.sample_stats,
        ALIGNMENT: alignment_group(fit.posterior),
        **(pointwise or {}),
        **fit.groups,
    }
    tree = xr.DataTree.from_dict(groups)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    _group_attrs(tree, fit, created=created, seconds=fit_seconds)
    tree.attrs = {
        "method": method,
        "study_version": study_version(),
        "created": created,
        "config": json.dumps(config, sort_keys=True),
        "seed": int(seed),
        "data_sha256": json.dumps(data_sha256, sort_keys=True),
        "library_versions": json.dumps(library_versions(fit.libraries), sort_keys=True),
        "fit_seconds": float(fit_seconds),
    }
    return tree
