"""NUTS by any of the samplers PyMC supports, on the one PyMC model.

The method ``"nuts"`` of :data:`inference.methods.registry.METHODS`: :func:`fit_nuts` samples,
:func:`fit` hands the draws and sampler statistics to the posterior file.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import xarray as xr

from common import progress
from inference.backends.choice import Backend
from inference.backends.jax_model import start_jax
from inference.backends.numpyro_nuts import sample_numpyro
from inference.backends.runtime import Runtime, parallel_chains
from inference.methods.result import MethodFit
from inference.methods.shared.starts import map_starts

__all__ = ["fit_nuts"]

#: Sampler statistics every backend is brought to, under PyMC's names.
_STAT_NAMES = {"depth": "tree_depth", "maxdepth_reached": "reached_max_treedepth"}
#: Every sampler's default maximum tree depth, which this project keeps.
_MAX_TREE_DEPTH = 10
#: The initialisation that starts each chain from its own optimised point (every backend).
ENSEMBLE = "ensemble"
#: The suffix of the initialisations that adapt a dense mass matrix (every backend).
DENSE = "adapt_full"


def _harmonise(stats: xr.Dataset) -> xr.Dataset:
    """Rename samplers' statistics to PyMC's names; derive what a sampler omits."""
    stats = stats.rename({k: v for k, v in _STAT_NAMES.items() if k in stats})
    if "acceptance_rate" not in stats and "mean_tree_accept" in stats:
        stats["acceptance_rate"] = stats["mean_tree_accept"]
    if "tree_depth" not in stats:
        stats["tree_depth"] = np.floor(np.log2(stats["n_steps"] + 1)).astype(np.int64)
    if "reached_max_treedepth" not in stats:
        stats["reached_max_treedepth"] = stats["tree_depth"] >= _MAX_TREE_DEPTH
    return stats


def _progress(status: progress.Status, *, tune: int, draws: int):
    """Return a ``pm.sample`` callback showing each chain's draw and later divergences."""
    at: dict[int, int] = {}

    def callback(trace, draw) -> None:
        at[draw.chain] = draw.draw_idx + 1
        shown = ", ".join(f"{c}: {at[c]}" for c in sorted(at))
        status.set(steps_per_chain=f"{shown} of {tune} warm-up + {draws}")
        if not draw.tuning and any(s.get("diverging", False) for s in draw.stats):
            status.add("divergences", 1)

    return callback


def _sample_pymc(
    model, *, backend: Backend, tune: int, init: str, starts, save_warmup: bool, **options
):
    """``pm.sample`` with PyMC's or nutpie's NUTS; keep the free variables (and warm-up's)."""
    # PyMC's own chains run in processes; fork them from a clean server process, as
    # forking a process in which JAX has started its threads can deadlock
    extra = {"init": init, "mp_ctx": "forkserver"} if backend.sampler == "pymc" else {}
    if backend.sampler == "pymc":  # nutpie takes no per-draw callback
        extra["callback"] = _progress(progress.current(), tune=tune, draws=options["draws"])
    if starts is not None:
        mass = init.split("+")[-1] if "+" in init else "adapt_diag"
        extra = extra | {"initvals": starts} | ({"init": mass} if extra else {})
    with model:
        tree = pm.sample(
            tune=tune,
            nuts_sampler=backend.sampler,
            backend=backend.mode,
            var_names=[rv.name for rv in model.free_RVs],
            compute_convergence_checks=False,
            discard_tuned_samples=False,  # kept only to count the tuning's gradient evaluations
            **options,
            **extra,
        )
    stats = tree["sample_stats"].to_dataset()
    warm = int(tree["warmup_sample_stats"]["n_steps"].sum()) if tune else 0
    stats.attrs["gradient_evaluations"] = warm + int(stats["n_steps"].sum())
    groups = ("warmup_posterior", "warmup_sample_stats")
    warmup = {g: tree[g].to_dataset() for g in groups} if save_warmup and tune else {}
    return tree["posterior"].to_dataset(), stats, warmup


def fit_nuts(
    model: pm.Model,
    *,
    runtime: Runtime | None = None,
    random_seed: int | None = None,
    progressbar: bool = False,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    target_accept: float = 0.8,
    nuts_init: str = "jitter+adapt_diag",
    save_warmup: bool = False,
) -> MethodFit:
    """Sample the network's posterior with NUTS.

    Weight-level convergence checks are not run here: the hidden units can be
    relabelled freely, so chains legitimately disagree on individual weights.
    Judge convergence on the predictions instead.

    Parameters
    ----------
    model : pymc.Model
        The network from :func:`inference.model.network.build_model` (or any model).
    runtime : Runtime, optional
        Its NUTS backend (:data:`inference.backends.choice.BACKENDS`) samples, with its
        cores: chains run in parallel on as many of them as there are chains (PyMC's own
        default halves the count, assuming hyperthreads); with one, every backend runs
        the chains one after another. NumPyro's start JAX, if nothing has, with one CPU
        device per parallel chain (:meth:`inference.backends.runtime.Runtime.start` does
        so for a run). Default: the fastest installed backend on every usable CPU.
    random_seed : int, optional
        Seeds the chains' initialisation and sampling.
    progressbar : bool
        Show progress on the terminal.
    draws, tune, chains : int
        Kept draws, tuning steps and chains.
    target_accept : float
        Target acceptance rate of step-size adaptation.
    nuts_init : str
        Where chains start and which mass matrix warm-up adapts, as PyMC names them.
        ``"ensemble"`` (or ``"ensemble+adapt_full"``): each chain starts from its own MAP
        fit from a prior draw (:func:`inference.methods.shared.starts.map_starts`), with
        every backend.
        ``"...+adapt_full"`` adapts a dense mass matrix, with every backend. The other
        choices are PyMC's initialisations, e.g. ``"jitter+adapt_diag"``, which NumPyro
        follows only as far as its start: the jittered initial point.
    save_warmup : bool
        Also keep the tuning draws and their statistics, as groups ``warmup_posterior``
        and ``warmup_sample_stats`` (ArviZ's names); the kept draws are the same.

    Returns
    -------
    MethodFit
        The free variables only (not the per-row ``p``) and ``sample_stats`` (PyMC's
        names for every backend), whose attr ``gradient_evaluations`` counts the
        leapfrog steps of tuning and sampling together.

    Examples
    --------
    >>> import pymc as pm
    >>> with pm.Model() as model:
    ...     mu = pm.Normal("mu", 0.0, 10.0)
    ...     _ = pm.Normal("y", mu, 1.0, observed=[2.9, 3.1, 3.0])
    >>> fit = fit_nuts(model, draws=100, tune=100, chains=2, random_seed=1)
    >>> fit.posterior["mu"].sizes
    Frozen({'chain': 2, 'draw': 100})
    >>> bool(abs(float(fit.posterior["mu"].mean()) - 3.0) < 0.5)
    True
    """
    runtime = runtime or Runtime.resolve()
    cores, backend, init = min(chains, runtime.cores), runtime.backend, nuts_init
    ensemble = init.split("+")[0] == ENSEMBLE
    starts = map_starts(model, chains=chains, random_seed=random_seed) if ensemble else None
    if backend.sampler == "numpyro":
        start_jax(parallel_chains(chains, cores))
        posterior, stats, warmup = sample_numpyro(
            model,
            draws=draws,
            tune=tune,
            chains=chains,
            target_accept=target_accept,
            random_seed=random_seed,
            parallel=parallel_chains(chains, cores) > 1,
            precision=backend.precision,
            progressbar=progressbar,
            starts=starts,
            dense_mass=init.endswith(DENSE),
            save_warmup=save_warmup,
        )
    else:
        posterior, stats, warmup = _sample_pymc(
            model,
            backend=backend,
            tune=tune,
            init=init,
            starts=starts,
            draws=draws,
            chains=chains,
            cores=cores,
            target_accept=target_accept,
            random_seed=random_seed,
            progressbar=progressbar,
            save_warmup=save_warmup,
        )
    if warmup:
        warmup["warmup_sample_stats"] = _harmonise(warmup["warmup_sample_stats"])
    return MethodFit(
        posterior=posterior,
        sample_stats=_harmonise(stats),
        groups=warmup,
        libraries=backend.libraries,
        backend=backend.name,
        tuning_steps=tune,
    )
