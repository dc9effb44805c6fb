"""The Bayesian neural network, defined once.

``inputs (feature) -> hidden ReLU units -> one sigmoid output``, with
independent ``Normal(0, prior_sigma)`` priors on every weight and bias. Every
other evaluation of the network (test predictions, permutation importance, the
analyses of a posterior file) is derived from the graph built here.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from inference.model.parameters import PARAM_DIMS, PARAMS, Likelihood

#: Name of the weighted per-row log-likelihood term in the model's graph, which the
#: potential ``loglik`` sums (read by :func:`inference.model.forward.compile_row_loglik`).
ROW_LOGLIK = "loglik_rows"


def _bernoulli_logp(logit: pt.TensorVariable, y: pt.TensorVariable) -> pt.TensorVariable:
    # log Bernoulli(y | sigmoid(logit)) = y * logit - log(1 + exp(logit)), for y in {0, 1}:
    # one softplus per row and no bounds checks (the labels are checked on loading)
    return y * logit - pt.softplus(logit)


#: The label's distribution given the network's probability p, per likelihood: what a
#: posterior predictive draw of a label is drawn from.
LABELS: dict[str, Callable[[Any], pt.TensorVariable]] = {
    "bernoulli": lambda p: pm.Bernoulli.dist(p=p),
    # the author's code: a Normal(score, 1) likelihood on the 0/1 labels
    "normal": lambda p: pm.Normal.dist(mu=p, sigma=1.0),
}


def _normal_logp(logit: pt.TensorVariable, y: pt.TensorVariable) -> pt.TensorVariable:
    return pm.logp(LABELS["normal"](pm.math.sigmoid(logit)), y)


#: Per-row log-likelihood of a label given the network's logit.
LIKELIHOODS: dict[str, Callable[[pt.TensorVariable, pt.TensorVariable], pt.TensorVariable]] = {
    "bernoulli": _bernoulli_logp,
    "normal": _normal_logp,
}


def network_logit(X, w0, b0, w1, b1):
    """Forward pass: the output unit's logit for inputs ``X (obs, feature)``.

    The hidden layer is held unit by unit, ``(hidden, obs)``: compiled to JAX, a NUTS
    leapfrog step on the real data costs ~9 % less than with ``(obs, hidden)``.
    """
    hidden = pt.maximum(pt.dot(w0.T, X.T) + b0[:, None], 0.0)  # (hidden, obs), ReLU
    return pt.dot(w1, hidden) + b1  # (obs,)


def build_model(
    X: np.ndarray,
    y: np.ndarray,
    *,
    weight: np.ndarray | None = None,
    features: Sequence[str],
    hidden: int = 12,
    prior_sigma: float = 1.0,
    likelihood: Likelihood = "bernoulli",
) -> pm.Model:
    """Build the network as a PyMC model.

    Parameters
    ----------
    X : numpy.ndarray
        Standardised inputs ``(obs, feature)``; a ``pm.Data`` container named ``"X"``,
        so new inputs can be set for prediction.
    y : numpy.ndarray
        0/1 labels ``(obs,)``.
    weight : numpy.ndarray, optional
        Non-negative row weights ``(obs,)`` (counts of duplicated rows); 1 by default.
    features : sequence of str
        Feature names, the ``feature`` coordinate.
    hidden : int
        Number of hidden ReLU units.
    prior_sigma : float
        Standard deviation of the Normal(0, sigma) prior on every weight and bias.
    likelihood : {"bernoulli", "normal"}
        ``"bernoulli"`` (correct for 0/1 labels), or ``"normal"``: Normal(score, 1),
        the likelihood of the paper's code.

    Returns
    -------
    pymc.Model
        With free variables :data:`PARAMS`, the deterministic ``p (obs,)`` (probability
        that the rupture propagates) and the weighted log-likelihood as a potential.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.random.default_rng(0).normal(size=(20, 2)), np.arange(20) % 2
    >>> model = build_model(X, y, features=["sxx", "syy"], hidden=4)
    >>> sorted(rv.name for rv in model.free_RVs)
    ['b0', 'b1', 'w0', 'w1']
    >>> model.named_vars_to_dims["w0"]
    ('feature', 'hidden')
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    weight = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=float)
    if likelihood not in LIKELIHOODS:
        raise ValueError(f"likelihood must be one of {sorted(LIKELIHOODS)}, got {likelihood!r}")
    if X.shape != (len(y), len(features)) or weight.shape != y.shape:
        raise ValueError(
            f"shapes disagree: X {X.shape}, y {y.shape}, weight {weight.shape}, "
            f"{len(features)} features"
        )
    coords = {"obs": np.arange(len(y)), "feature": list(features), "hidden": np.arange(hidden)}
    with pm.Model(coords=coords) as model:
        X_data = pm.Data("X", X, dims=("obs", "feature"))
        y_data = pm.Data("y", y, dims="obs")
        w_data = pm.Data("weight", weight, dims="obs")
        params = [pm.Normal(n, 0.0, prior_sigma, dims=PARAM_DIMS[n]) for n in PARAMS]
        logit = network_logit(X_data, *params)
        pm.Deterministic("p", pm.math.sigmoid(logit), dims="obs")
        rows = w_data * LIKELIHOODS[likelihood](logit, y_data)
        rows.name = ROW_LOGLIK
        pm.Potential("loglik", rows.sum())
    return model


def sample_prior(
    model: pm.Model,
    *,
    draws: int = 1000,
    random_seed: int | np.random.Generator | None = None,
    var_names: Sequence[str] = PARAMS,
) -> xr.Dataset:
    """Draw the parameters (``var_names``: of any model) from their prior.

    Returns
    -------
    xarray.Dataset
        ``var_names`` (:data:`PARAMS`) with dims ``(chain, draw, ...)``, one chain.

    Examples
    --------
    >>> import numpy as np
    >>> model = build_model(np.zeros((4, 2)), [0, 1, 0, 1], features=["a", "b"], hidden=3)
    >>> sample_prior(model, draws=10, random_seed=1)["w0"].sizes
    Frozen({'chain': 1, 'draw': 10, 'feature': 2, 'hidden': 3})
    """
    with model, warnings.catch_warnings():
        # only the parameters are drawn, and the likelihood potential has no
        # bearing on their prior: PyMC's warning about potentials does not apply
        warnings.filterwarnings("ignore", message="The effect of Potentials", category=UserWarning)
        tree = pm.sample_prior_predictive(draws, var_names=list(var_names), random_seed=random_seed)
    return tree["prior"].to_dataset()
