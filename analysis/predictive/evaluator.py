"""Evaluate a posterior file's network on any inputs, derived from the one PyMC definition."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import xarray as xr

from inference.model.forward import compile_forward, predict_proba, row_loglik
from inference.posterior.rebuild import rebuild_model

Evaluator = Callable[..., xr.DataArray]


def evaluator(tree: xr.DataTree) -> Evaluator:
    """Return ``f(posterior, X, dim=...) -> p (chain, draw, dim)`` for a posterior file.

    The network is rebuilt from the file (:func:`inference.posterior.rebuild.rebuild_model`)
    and compiled once; the returned function evaluates any draws on any inputs.
    """
    model = rebuild_model(tree)
    return partial(predict_proba, model, forward=compile_forward(model))


def training_predictions(tree: xr.DataTree, *, network: Evaluator | None = None) -> xr.DataArray:
    """Probabilities for the stored training rows, ``(chain, draw, obs)``."""
    network = network or evaluator(tree)
    X = tree["constant_data"]["X"].to_numpy()
    return network(tree["posterior"], X, dim="obs")


def training_loglik(tree: xr.DataTree) -> xr.DataArray:
    """Each stored training row's log-likelihood per draw, ``(chain, draw, obs)``.

    The model's own weighted per-row term: read from the file's ``log_likelihood`` group
    (float32), or, in a file without one, computed from the stored draws and training
    data (:func:`inference.model.forward.row_loglik`).
    """
    if "log_likelihood" in tree.children:
        return tree["log_likelihood"]["y"].astype(float).rename("loglik")
    return row_loglik(rebuild_model(tree), tree["posterior"].to_dataset())


def weighted_f1_per_draw(predicted: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Support-weighted F1 over both classes for many predictions at once.

    Parameters
    ----------
    predicted : numpy.ndarray
        Boolean, shape ``(..., n)``: predicted "propagates".
    y : numpy.ndarray
        True 0/1 labels ``(n,)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(...)``; equals ``sklearn.metrics.f1_score(y, pred, average="weighted")``
        for each row, with F1 = 0 for a class that is neither true nor predicted.
    """
    y = np.asarray(y).astype(bool)
    tp = (predicted & y).sum(-1)
    tn = (~predicted & ~y).sum(-1)
    wrong = (predicted != y).sum(-1)
    f1_pos = np.divide(2 * tp, 2 * tp + wrong, out=np.zeros(tp.shape), where=2 * tp + wrong > 0)
    f1_neg = np.divide(2 * tn, 2 * tn + wrong, out=np.zeros(tn.shape), where=2 * tn + wrong > 0)
    return (f1_pos * y.sum() + f1_neg * (~y).sum()) / y.size
