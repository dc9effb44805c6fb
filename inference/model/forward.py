"""Evaluate the model's network on new inputs for many posterior draws at once.

The function is not written by hand: it is the model's own graph for ``p`` with
the ``X`` data container and the parameters replaced by batched inputs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import xarray as xr
from pytensor.graph.replace import vectorize_graph
from pytensor.graph.traversal import ancestors

from inference.model.network import PARAMS, ROW_LOGLIK

_CHUNK = 500


def compile_forward(model: pm.Model) -> Callable[..., np.ndarray]:
    """Compile ``f(X, w0, b0, w1, b1) -> p`` from the model's graph.

    Parameters
    ----------
    model : pymc.Model
        A model from :func:`inference.model.network.build_model`.

    Returns
    -------
    callable
        Takes ``X (n, feature)`` and the parameters with one leading draw axis;
        returns ``p (draw, n)``.
    """
    X_new = pt.matrix("X_new")
    batched = _batched(model)
    p = vectorize_graph(model["p"], replace={model["X"]: X_new, **batched})
    return pytensor.function([X_new, *batched.values()], p)


def _batched(model: pm.Model) -> dict:
    return {model[n]: pt.tensor(n, shape=(None, *model[n].type.shape)) for n in PARAMS}


def compile_row_loglik(model: pm.Model) -> Callable[..., np.ndarray]:
    """Compile ``f(w0, b0, w1, b1) -> log-likelihood (draw, obs)`` of the training rows.

    The term is the model's own: each row's weighted log-likelihood, which the model's
    potential ``loglik`` sums (:data:`inference.model.network.ROW_LOGLIK`).
    """
    rows = next(v for v in ancestors([model["loglik"]]) if v.name == ROW_LOGLIK)
    batched = _batched(model)
    return pytensor.function(list(batched.values()), vectorize_graph(rows, replace=batched))


def row_loglik(model: pm.Model, posterior: xr.Dataset) -> xr.DataArray:
    """Each training row's weighted log-likelihood under each posterior draw.

    Returns
    -------
    xarray.DataArray
        ``loglik`` with dims ``(chain, draw, obs)``.

    Examples
    --------
    >>> from inference.posterior.rebuild import rebuild_model
    >>> from inference.testing import tiny_posterior_file
    >>> tree = tiny_posterior_file()
    >>> model = rebuild_model(tree)
    >>> ll = row_loglik(model, tree["posterior"].to_dataset())
    >>> ll.dims, bool((ll <= 0).all())
    (('chain', 'draw', 'obs'), True)
    """
    return _per_draw(compile_row_loglik(model), posterior, dim="obs").rename("loglik")


def _per_draw(f: Callable[..., np.ndarray], posterior: xr.Dataset, *args, dim: str):
    """``f(*args, w0, b0, w1, b1)`` for every draw, in chunks; dims ``(chain, draw, dim)``."""
    chains, draws = posterior.sizes["chain"], posterior.sizes["draw"]
    arrays = []
    for name in PARAMS:
        values = posterior[name].transpose("chain", "draw", ...).to_numpy()
        arrays.append(values.reshape(chains * draws, *values.shape[2:]))
    n = chains * draws
    out = np.concatenate(
        [f(*args, *(a[i : i + _CHUNK] for a in arrays)) for i in range(0, n, _CHUNK)]
    )
    coords = {d: posterior[d] for d in ("chain", "draw") if d in posterior.coords}
    return xr.DataArray(out.reshape(chains, draws, -1), dims=("chain", "draw", dim), coords=coords)


def predict_proba(
    model: pm.Model,
    posterior: xr.Dataset | xr.DataTree,
    X: np.ndarray,
    *,
    dim: str = "test",
    forward: Callable[..., np.ndarray] | None = None,
) -> xr.DataArray:
    """Probability that the rupture propagates, per posterior draw and input row.

    Parameters
    ----------
    model : pymc.Model
        The model the posterior belongs to.
    posterior : xarray.Dataset or xarray.DataTree
        Variables :data:`~inference.model.network.PARAMS` with dims ``(chain, draw, ...)``.
    X : numpy.ndarray
        Standardised inputs ``(n, feature)``.
    dim : str
        Name of the row dim of the result.
    forward : callable, optional
        A function from :func:`compile_forward`, to skip compiling again.

    Returns
    -------
    xarray.DataArray
        ``p`` with dims ``(chain, draw, dim)``.

    Examples
    --------
    >>> from inference.posterior.rebuild import rebuild_model
    >>> from inference.testing import tiny_posterior_file
    >>> tree = tiny_posterior_file()
    >>> model = rebuild_model(tree)
    >>> p = predict_proba(model, tree["posterior"], tree["predictions_constant_data"]["X"])
    >>> bool(abs(p - tree["predictions"]["p"]).max() < 1e-12)  # the file's own predictions
    True
    """
    forward = forward or compile_forward(model)
    if isinstance(posterior, xr.DataTree):
        posterior = posterior.to_dataset()
    return _per_draw(forward, posterior, np.asarray(X, dtype=float), dim=dim).rename("p")
