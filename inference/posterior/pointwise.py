"""The per-row groups ArviZ reads: ``log_likelihood`` and ``posterior_predictive``.

``az.loo``, ``az.compare`` and ``loo_approximate_posterior`` read each training row's
log-likelihood per draw from group ``log_likelihood``, named after the observed variable
(``y``); ``plot_ppc_dist`` and LOO-PIT read draws of the labels from group
``posterior_predictive``. Both come from the one network definition
(:mod:`inference.model.network`): the log-likelihood is the model's own weighted per-row
term, the very one its potential sums, so that under ``--balance weight`` (or
``upsample``, which weights rows by their counts) it scores the weighted rows the fit saw,
not the raw data. The predictive draws are of the label given the network's probability
(:data:`inference.model.network.LABELS`), one per row and draw, unweighted.

Stored compactly: the log-likelihood in float32, the labels as int8 (a Normal
likelihood's in float32), both compressed (:data:`COMPRESSION`).
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from inference.model.forward import predict_proba, row_loglik
from inference.model.network import LABELS

__all__ = ["COMPRESSION", "pointwise_groups"]

#: netCDF encoding of the per-row arrays: gzip behind HDF5's byte shuffle.
COMPRESSION = {"zlib": True, "complevel": 4, "shuffle": True}


def pointwise_groups(
    model: pm.Model,
    posterior: xr.Dataset,
    *,
    likelihood: str,
    random_seed: int | np.random.Generator | None,
) -> dict[str, xr.Dataset]:
    """Each training row's log-likelihood and a predictive draw of its label, per draw.

    Parameters
    ----------
    model : pymc.Model
        The network the posterior was fit on, holding the training rows.
    posterior : xarray.Dataset
        Its draws, dims ``(chain, draw, ...)``.
    likelihood : str
        The likelihood the model was built with (a key of
        :data:`inference.model.network.LABELS`).
    random_seed : int or numpy.random.Generator, optional
        Seeds the predictive draws.

    Returns
    -------
    dict of str to xarray.Dataset
        ``log_likelihood`` and ``posterior_predictive``, each with variable ``y`` of dims
        ``(chain, draw, obs)`` and the posterior's ``chain`` and ``draw`` labels.

    Examples
    --------
    >>> from inference.posterior.rebuild import rebuild_model
    >>> from inference.testing import tiny_posterior_file
    >>> tree = tiny_posterior_file(chains=2, draws=30)
    >>> groups = pointwise_groups(
    ...     rebuild_model(tree), tree["posterior"].to_dataset(),
    ...     likelihood="bernoulli", random_seed=1)
    >>> groups["log_likelihood"]["y"].dtype, groups["posterior_predictive"]["y"].dtype
    (dtype('float32'), dtype('int8'))
    >>> sorted(set(groups["posterior_predictive"]["y"].to_numpy().ravel().tolist()))
    [0, 1]
    """
    loglik = row_loglik(model, posterior)
    p = predict_proba(model, posterior, model["X"].get_value(), dim="obs")
    # p as an input, not a constant: a constant this large cannot be cached by numba
    p_in = pt.matrix("p", dtype=p.dtype)
    draw = pm.compile([p_in], LABELS[likelihood](p_in), random_seed=random_seed)
    flat = p.to_numpy().reshape(-1, p.sizes["obs"])
    labels = draw(flat).reshape(p.shape)
    labels = labels.astype(np.int8) if likelihood == "bernoulli" else labels.astype(np.float32)
    coords = {d: p[d] if d in p.coords else np.arange(p.sizes[d]) for d in p.dims}
    return {
        "log_likelihood": _compact(loglik.astype(np.float32), coords),
        "posterior_predictive": _compact(p.copy(data=labels), coords),
    }


def _compact(values: xr.DataArray, coords: dict) -> xr.Dataset:
    data = values.rename("y").assign_coords(coords).to_dataset()
    data["y"].encoding = dict(COMPRESSION)
    return data
