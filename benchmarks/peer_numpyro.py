"""The peer: the same network written by hand in NumPyro, as a researcher would.

8 inputs -> H ReLU units -> 1 sigmoid output, ``Normal(0, prior_sigma)`` priors on every
weight and bias, a Bernoulli likelihood on the upsampled training rows (the paper's
procedure: duplicated rows stay duplicated). SVI with an ``AutoNormal`` guide and Adam;
NUTS with NumPyro's own sampler. Nothing here imports this project's model.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from numpyro.infer import MCMC, NUTS, SVI, Predictive, Trace_ELBO
from numpyro.infer.autoguide import AutoNormal


def model(X, y=None, *, hidden=12, prior_sigma=1.0):
    """Define the BNN: ``X (n, d)`` -> logit ``(n,)``; observe ``y`` if given."""
    d = X.shape[1]
    prior = dist.Normal(0.0, prior_sigma)
    w0 = numpyro.sample("w0", prior.expand([d, hidden]).to_event(2))
    b0 = numpyro.sample("b0", prior.expand([hidden]).to_event(1))
    w1 = numpyro.sample("w1", prior.expand([hidden]).to_event(1))
    b1 = numpyro.sample("b1", prior)
    logit = jax.nn.relu(X @ w0 + b0) @ w1 + b1  # (n,)
    numpyro.sample("y", dist.Bernoulli(logits=logit), obs=y)


@jax.jit
def forward(X, w0, b0, w1, b1):
    """Probability of propagation for draws ``(s, ...)`` and inputs ``X (n, d)`` -> ``(s, n)``."""
    hidden = jax.nn.relu(jnp.einsum("nd,sdh->snh", X, w0) + b0[:, None, :])
    return jax.nn.sigmoid(jnp.einsum("snh,sh->sn", hidden, w1) + b1[:, None])


def fit_svi(X, y, *, steps, draws=1000, learning_rate=0.01, hidden=12, seed=0):
    """SVI with AutoNormal and Adam for a fixed number of steps; draws from the guide.

    Returns
    -------
    dict
        Parameter draws ``name -> (draws, ...)`` and the loss per step.
    """
    guide = AutoNormal(model)
    svi = SVI(model, guide, numpyro.optim.Adam(learning_rate), Trace_ELBO())
    key_fit, key_draw = jax.random.split(jax.random.PRNGKey(seed))
    result = svi.run(key_fit, steps, X, y, hidden=hidden, progress_bar=False)
    sampler = Predictive(guide, params=result.params, num_samples=draws)
    samples = sampler(key_draw, X, hidden=hidden)
    return {k: np.asarray(v) for k, v in samples.items()}, np.asarray(result.losses)


def fit_nuts(
    X, y, *, chains, warmup, draws, target_accept=0.8, dense_mass=False, hidden=12, seed=0
):
    """NumPyro NUTS; chains run in parallel on as many host devices as chains.

    Returns
    -------
    dict
        Parameter draws ``name -> (chains * draws, ...)``, and the leapfrog steps of
        warm-up and sampling under ``"_gradient_evaluations"``.
    """
    kernel = NUTS(model, target_accept_prob=target_accept, dense_mass=dense_mass)
    mcmc = MCMC(
        kernel,
        num_warmup=warmup,
        num_samples=draws,
        num_chains=chains,
        chain_method="parallel",
        progress_bar=False,
    )
    key_warmup, key_run = jax.random.split(jax.random.PRNGKey(seed))
    mcmc.warmup(key_warmup, X, y, hidden=hidden, extra_fields=("num_steps",), collect_warmup=True)
    warmup_steps = int(mcmc.get_extra_fields()["num_steps"].sum())
    mcmc.run(key_run, X, y, hidden=hidden, extra_fields=("num_steps",))
    samples = {k: np.asarray(v) for k, v in mcmc.get_samples(group_by_chain=True).items()}
    steps = np.asarray(mcmc.get_extra_fields(group_by_chain=True)["num_steps"])
    samples["_gradient_evaluations"] = warmup_steps + int(steps.sum())
    samples["_steps_per_draw"] = float(steps.mean())
    return samples
