"""NumPyro's NUTS driving the PyMC model's own log density, compiled to JAX.

``pm.sample(nuts_sampler="numpyro")`` runs the same sampler, but reports no tuning
statistics and post-processes every draw through the whole model; driving NumPyro
directly keeps the leapfrog count of tuning and sampling and skips that work. The log
density is PyMC's (``get_jaxified_logp``): nothing here restates the network.
"""

from __future__ import annotations

import warnings

import numpy as np
import pymc as pm
import xarray as xr

from common import progress
from inference.backends.choice import Precision
from inference.backends.jax_model import jax_logp
from inference.model.variables import require_untransformed

#: NumPyro's extra fields, under PyMC's names for sampler statistics.
_FIELDS = {
    "diverging": "diverging",
    "num_steps": "n_steps",
    "accept_prob": "acceptance_rate",
    "energy": "energy",
    "potential_energy": "lp",
    "adapt_state.step_size": "step_size",
}


#: Iterations between a chain's progress reports from inside the compiled sampler.
_REPORT_EVERY = 25


def _reporting_nuts(status: progress.Status, *, tune: int, draws: int):
    """NumPyro's NUTS whose chains report their progress and divergences to ``status``.

    Every :data:`_REPORT_EVERY` iterations, and at each divergence after warm-up, a chain
    calls back to the host with its iteration (``jax.debug.callback``: no output, so the
    draws are the same as without it). Chains running in parallel are not told apart:
    the status shows the furthest iteration.
    """
    import jax
    from numpyro.infer import NUTS

    furthest = [0]

    def report(i, diverging):
        if diverging and int(i) > tune:  # this chain's own iteration
            status.add("divergences", 1)
        furthest[0] = at = max(furthest[0], int(i))  # chains report in any order
        stage = f"warm-up {at} of {tune}" if at <= tune else f"draw {at - tune} of {draws}"
        status.set(furthest_chain_at=stage)

    class ReportingNUTS(NUTS):
        def sample(self, state, model_args, model_kwargs):
            new = super().sample(state, model_args, model_kwargs)
            due = (new.i % _REPORT_EVERY == 0) | new.diverging
            jax.lax.cond(
                due, lambda: jax.debug.callback(report, new.i, new.diverging), lambda: None
            )
            return new

    return ReportingNUTS


def _initial_points(model: pm.Model, chains: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Model's initial point jittered by U(-1, 1) per chain (PyMC's ``jitter`` init)."""
    point = model.initial_point()
    return [
        point[v.name] + rng.uniform(-1, 1, size=(chains, *point[v.name].shape))
        for v in model.value_vars
    ]


def _stats(fields: dict, coords: dict) -> xr.Dataset:
    """NumPyro's statistics under PyMC's names, ``lp`` as log density (not potential)."""
    data = {
        name: (("chain", "draw"), np.asarray(fields[key]))
        for key, name in _FIELDS.items()
        if key in fields
    }
    stats = xr.Dataset(data, coords=coords)
    stats["lp"] = -stats["lp"]
    return stats


def sample_numpyro(
    model: pm.Model,
    *,
    draws: int,
    tune: int,
    chains: int,
    target_accept: float,
    random_seed: int | None,
    parallel: bool = True,
    precision: Precision = "float64",
    progressbar: bool = False,
    starts: list[dict[str, np.ndarray]] | None = None,
    dense_mass: bool = False,
    save_warmup: bool = False,
) -> tuple[xr.Dataset, xr.Dataset, dict[str, xr.Dataset]]:
    """Sample ``model`` with NumPyro's NUTS on its JAX-compiled log density.

    With ``parallel``, chains run in parallel, one per JAX CPU device, or one after
    another if JAX has fewer devices than chains (it keeps the device count it started
    with: :func:`inference.backends.jax_model.start_jax`); without, one after another.
    ``precision`` is the arithmetic of the log density
    (:func:`inference.backends.jax_model.jax_logp`); the sampler's state and the draws are
    float64 either way. ``starts``: one starting point per chain (variable -> value);
    without, the model's initial point jittered by U(-1, 1) (PyMC's ``jitter``).
    ``dense_mass``: adapt a dense mass matrix in warm-up instead of a diagonal one.
    ``save_warmup``: also return the tuning draws and their statistics.

    Returns
    -------
    posterior : xarray.Dataset
        The free variables, dims ``(chain, draw, ...)`` with the model's dims.
    sample_stats : xarray.Dataset
        NumPyro's statistics under PyMC's names; attr ``gradient_evaluations``:
        leapfrog steps of tuning and sampling.
    warmup : dict
        With ``save_warmup``, groups ``warmup_posterior`` and ``warmup_sample_stats`` of
        the tuning draws, alike; else empty.
    """
    require_untransformed(model, who="the JAX NUTS driver")
    import jax
    from numpyro.infer import MCMC

    logp = jax_logp(model, precision=precision)
    NUTS = _reporting_nuts(progress.current(), tune=tune, draws=draws)
    kernel = NUTS(
        potential_fn=lambda xs: -logp(xs),
        target_accept_prob=target_accept,
        dense_mass=dense_mass,
    )
    method = "parallel" if parallel and jax.local_device_count() >= chains else "sequential"
    mcmc = MCMC(
        kernel,
        num_warmup=tune,
        num_samples=draws,
        num_chains=chains,
        chain_method=method,
        progress_bar=progressbar,
    )
    rng = np.random.default_rng(random_seed)
    key_warmup, key_run = jax.random.split(jax.random.PRNGKey(rng.integers(2**31)))
    init = _initial_points(model, chains, rng)
    if starts is not None:
        init = [np.stack([start[v.name] for start in starts]) for v in model.value_vars]
    if chains == 1:  # NumPyro takes one chain's initial values without the chain axis
        init = [x[0] for x in init]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="There are not enough devices")
        fields = tuple(_FIELDS) if save_warmup else ("num_steps",)
        mcmc.warmup(key_warmup, init_params=init, extra_fields=fields, collect_warmup=True)
        tuning = int(np.sum(mcmc.get_extra_fields()["num_steps"])) if tune else 0
        warmup = (
            dict(zip(("warmup_posterior", "warmup_sample_stats"), _draws(model, mcmc), strict=True))
            if save_warmup and tune
            else {}
        )
        mcmc.run(key_run, extra_fields=tuple(_FIELDS))
    posterior, stats = _draws(model, mcmc)
    stats.attrs["gradient_evaluations"] = tuning + int(stats["n_steps"].sum())
    return posterior, stats, warmup


def _draws(model: pm.Model, mcmc) -> tuple[xr.Dataset, xr.Dataset]:
    """Return the draws and statistics NumPyro holds (of its last warm-up or run)."""
    values = mcmc.get_samples(group_by_chain=True)
    names = [v.name for v in model.value_vars]
    chains, draws = np.shape(values[0])[:2]
    sample = {"chain": np.arange(chains), "draw": np.arange(draws)}
    posterior = xr.Dataset(
        {
            n: (("chain", "draw", *model.named_vars_to_dims.get(n, ())), np.asarray(v))
            for n, v in zip(names, values, strict=True)
        },
        coords=sample
        | {d: list(model.coords[d]) for n in names for d in model.named_vars_to_dims.get(n, ())},
    )
    return posterior, _stats(mcmc.get_extra_fields(group_by_chain=True), sample)
