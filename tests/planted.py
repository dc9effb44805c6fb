"""Posterior files with planted answers: draws chosen so the network computes a known function.

Built on :func:`inference.testing.tiny_posterior_file` (3 hidden units, features x0..x7)
with the draws replaced and the predictions recomputed, and with training statistics
that are not 0 and 1, so every physical-unit computation must standardise to pass.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from inference.model.forward import predict_proba
from inference.model.parameters import PARAMS
from inference.posterior.rebuild import rebuild_model
from inference.testing import tiny_posterior_file

#: Training statistics planted in the files (physical = standardised * X_STD + X_MEAN).
X_MEAN = np.arange(8) * 10.0
X_STD = np.linspace(0.5, 4.0, 8)
#: A ReLU's offset large enough that it stays linear over the data (|x| < 10).
SHIFT = 10.0


def _zero_draws(chains: int, draws: int) -> dict[str, np.ndarray]:
    shapes = {"w0": (8, 3), "b0": (3,), "w1": (3,), "b1": ()}
    return {n: np.zeros((chains, draws, *shapes[n])) for n in PARAMS}


def planted_file(values: dict[str, np.ndarray]) -> xr.DataTree:
    """A tiny posterior file whose draws are ``values`` (each ``(chain, draw, ...)``)."""
    first = values["w0"]
    tree = tiny_posterior_file("nuts", chains=first.shape[0], draws=first.shape[1], hidden=3)
    post = tree["posterior"].to_dataset()
    for name in PARAMS:
        post[name] = (post[name].dims, values[name])
    tree["posterior"] = xr.DataTree(post)
    constant = tree["constant_data"].to_dataset()
    constant["x_mean"] = ("feature", X_MEAN)
    constant["x_std"] = ("feature", X_STD)
    tree["constant_data"] = xr.DataTree(constant)
    predictions = tree["predictions"].to_dataset()
    X_test = tree["predictions_constant_data"]["X"].to_numpy()
    predictions["p"] = predict_proba(rebuild_model(tree), post, X_test)
    tree["predictions"] = xr.DataTree(predictions)
    return tree


def one_feature(*, feature: int, slope: np.ndarray, centre: float) -> xr.DataTree:
    """P = sigmoid(slope_d * (z - centre)), z the standardised ``feature``; one slope per draw."""
    slope = np.asarray(slope, dtype=float)[None, :]
    v = _zero_draws(1, slope.shape[1])
    v["w0"][..., feature, 0] = 1.0
    v["b0"][..., 0] = SHIFT
    v["w1"][..., 0] = slope
    v["b1"][...] = -slope * (SHIFT + centre)
    return planted_file(v)


def disagree_beyond(*, feature: int, edge: float, spread: np.ndarray) -> xr.DataTree:
    """Every draw gives P = 0.5 where z_feature <= edge; beyond, their logits fan out by ``spread``.

    One draw per element of ``spread``.
    """
    spread = np.asarray(spread, dtype=float)[None, :]
    v = _zero_draws(1, spread.shape[1])
    v["w0"][..., feature, 1] = 1.0
    v["b0"][..., 1] = -edge
    v["w1"][..., 1] = spread
    return planted_file(v)


def linear_boundary(*, pair: tuple[int, int], offset: float, slope: float) -> xr.DataTree:
    """P = sigmoid(slope * (z_a + z_b - offset)) in the standardised pair, for every draw."""
    v = _zero_draws(1, 4)
    v["w0"][..., pair[0], 0] = 1.0
    v["w0"][..., pair[1], 0] = 1.0
    v["b0"][..., 0] = SHIFT
    v["w1"][..., 0] = slope
    v["b1"][...] = -slope * (SHIFT + offset)
    return planted_file(v)


def physical(tree: xr.DataTree, standardised: np.ndarray) -> np.ndarray:
    """Standardised inputs of ``tree`` back in physical units."""
    constant = tree["constant_data"]
    return standardised * constant["x_std"].to_numpy() + constant["x_mean"].to_numpy()
