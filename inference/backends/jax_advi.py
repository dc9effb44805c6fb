"""Mean-field ADVI on the PyMC model's own log density, compiled to JAX.

The same algorithm as ``pm.ADVI().fit`` with ``pm.adam``: a normal with mean ``mu`` and
sd ``softplus(rho)`` per unconstrained parameter, started at the model's initial point
with ``rho = 0``; one Monte Carlo sample of the negative ELBO per step; Adam's update as
PyMC writes it. The difference is the loop: ``pm.fit`` calls a compiled step from
Python once per step, while here a whole window of steps runs inside one XLA program
(``jax.lax.scan``) and Python only checks the stopping rule between windows. The log
density is PyMC's (``get_jaxified_logp``): nothing here restates the network.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pymc as pm

from inference.backends.jax_model import jax_logp

logger = logging.getLogger(__name__)

_BETA1, _BETA2, _EPSILON = 0.9, 0.999, 1e-8  # pm.adam's defaults


def _negative_elbo(logp: Callable, unravel: Callable):
    """One-sample estimate of the negative ELBO, log q(z) - log p(z), at ``z = mu + sd * eps``."""
    import jax
    import jax.numpy as jnp

    def loss(params, eps):
        mu, rho = params
        sd = jax.nn.softplus(rho)
        z = mu + sd * eps
        log_q = jnp.sum(-0.5 * eps**2 - 0.5 * jnp.log(2 * jnp.pi) - jnp.log(sd))
        return log_q - logp(unravel(z))

    return loss


def _window_runner(loss: Callable, learning_rate: float):
    """Compile ``run(state, key, steps) -> (state, losses)``: ``steps`` Adam steps.

    The standard normal draws of all steps are made at once, before the loop: drawn
    inside it, one step at a time, they cost more than the gradient itself on CPU.
    """
    import jax
    import jax.numpy as jnp

    value_and_grad = jax.value_and_grad(loss)

    def step(state, eps):
        params, m, v, t = state
        value, grads = value_and_grad(params, eps)
        t = t + 1
        a_t = learning_rate * jnp.sqrt(1 - _BETA2**t) / (1 - _BETA1**t)
        m = jax.tree.map(lambda m_, g: _BETA1 * m_ + (1 - _BETA1) * g, m, grads)
        v = jax.tree.map(lambda v_, g: _BETA2 * v_ + (1 - _BETA2) * g**2, v, grads)
        params = jax.tree.map(
            lambda p, m_, v_: p - a_t * m_ / (jnp.sqrt(v_) + _EPSILON), params, m, v
        )
        return (params, m, v, t), value

    def run(state, key, steps):
        eps = jax.random.normal(key, (steps, *state[0][0].shape), dtype=state[0][0].dtype)
        return jax.lax.scan(step, state, eps)

    return jax.jit(run, static_argnums=2)


def optimise(
    model: pm.Model,
    *,
    learning_rate: float,
    max_steps: int,
    window: int,
    stop: Callable[[np.ndarray, int], str | None],
    random_seed: int,
    progressbar: bool = False,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
    """Fit the mean-field normal by Adam, a window of steps per compiled call.

    Parameters
    ----------
    model : pymc.Model
        A model whose free variables are untransformed.
    learning_rate : float
        Adam's step size.
    max_steps : int
        Upper bound on optimisation steps.
    window : int
        Steps per compiled call; ``stop`` is asked after each.
    stop : callable
        ``stop(loss, i)`` with the loss history and the index of the last step;
        returns why the fit stops, or None to go on.
    random_seed : int
        Seeds the Monte Carlo samples of the ELBO.
    progressbar : bool
        Show progress on the terminal.

    Returns
    -------
    mean, sd : dict of str to numpy.ndarray
        The fitted normal per value variable, in the variable's shape.
    loss : numpy.ndarray
        Negative ELBO per step.
    """
    import jax
    import jax.numpy as jnp
    from jax.flatten_util import ravel_pytree
    from tqdm.auto import tqdm

    names = [v.name for v in model.value_vars]
    start = model.initial_point()
    flat, unravel = ravel_pytree([jnp.asarray(start[n], dtype=float) for n in names])
    logp = jax_logp(model)
    run = _window_runner(_negative_elbo(logp, unravel), learning_rate)
    zeros = jnp.zeros_like(flat)
    state = ((flat, zeros), (zeros, zeros), (zeros, zeros), 0)
    key = jax.random.PRNGKey(random_seed)
    loss = np.empty(0)
    with tqdm(total=max_steps, disable=not progressbar, desc="ADVI") as bar:
        while len(loss) < max_steps:
            key, chunk = jax.random.split(key)
            state, losses = run(state, chunk, min(window, max_steps - len(loss)))
            loss = np.concatenate([loss, np.asarray(losses)])
            bar.update(len(losses))
            bar.set_postfix(loss=f"{loss[-window:].mean():.1f}")
            if (reason := stop(loss, len(loss) - 1)) is not None:
                logger.info(reason)
                break
    mu, rho = state[0]
    mean = {n: np.asarray(v) for n, v in zip(names, unravel(mu), strict=True)}
    sd = {n: np.asarray(v) for n, v in zip(names, unravel(jax.nn.softplus(rho)), strict=True)}
    return mean, sd, loss


def log_density(model: pm.Model, values: dict[str, np.ndarray]) -> np.ndarray:
    """Evaluate the model's log density at many points: ``values`` carry a leading draw axis."""
    import jax

    logp = jax_logp(model)
    names = [v.name for v in model.value_vars]
    return np.asarray(jax.jit(jax.vmap(lambda *xs: logp(list(xs))))(*(values[n] for n in names)))
