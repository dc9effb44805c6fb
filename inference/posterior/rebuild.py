"""Rebuild, from a posterior file alone, the network it was fit with."""

from __future__ import annotations

import pymc as pm
import xarray as xr

from inference.model.network import build_model
from inference.posterior.attrs import read_config

__all__ = ["rebuild_model"]


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
        The model of :func:`inference.model.network.build_model`, ready to evaluate the stored
        draws (e.g. with :func:`inference.model.forward.predict_proba`).

    Examples
    --------
    >>> from inference.testing import tiny_posterior_file
    >>> model = rebuild_model(tiny_posterior_file(hidden=3))
    >>> len(model.coords["feature"]), len(model.coords["hidden"])
    (8, 3)
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
