"""NUTS by any of the samplers PyMC supports, on the one PyMC model."""

from __future__ import annotations

import os

import numpy as np
import pymc as pm
import xarray as xr

from inference.backends import BACKENDS, resolve
from inference.jax_nuts import sample_numpyro

#: Sampler statistics every backend is brought to, under PyMC's names.
_STAT_NAMES = {"depth": "tree_depth", "maxdepth_reached": "reached_max_treedepth"}
#: Every sampler's default maximum tree depth, which this project keeps.
_MAX_TREE_DEPTH = 10


def _cores(chains: int, cores: int | None) -> int:
    """``cores``, by default as many as there are usable CPUs, at most ``chains``."""
    return min(chains, len(os.sched_getaffinity(0))) if cores is None else cores


def parallel_chains(chains: int, cores: int | None = None) -> int:
    """How many chains run at once: all of them given more than one core, else one.

    ``cores`` defaults to as many as there are usable CPUs, at most ``chains``.
    """
    return chains if _cores(chains, cores) > 1 else 1


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


def _sample_pymc(model, *, backend: str, tune: int, init: str, **options):
    """``pm.sample`` with PyMC's or nutpie's NUTS; keep the free variables."""
    spec = BACKENDS[backend]
    # PyMC's own chains run in processes; fork them from a clean server process, as
    # forking a process in which JAX has started its threads can deadlock
    extra = {"init": init, "mp_ctx": "forkserver"} if spec.sampler == "pymc" else {}
    with model:
        tree = pm.sample(
            tune=tune,
            nuts_sampler=spec.sampler,
            backend=spec.mode,
            var_names=[rv.name for rv in model.free_RVs],
            compute_convergence_checks=False,
            discard_tuned_samples=False,  # kept only to count the tuning's gradient evaluations
            **options,
            **extra,
        )
    stats = tree["sample_stats"].to_dataset()
    warm = int(tree["warmup_sample_stats"]["n_steps"].sum()) if tune else 0
    stats.attrs["gradient_evaluations"] = warm + int(stats["n_steps"].sum())
    return tree["posterior"].to_dataset(), stats


def fit_nuts(
    model: pm.Model,
    *,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    cores: int | None = None,
    target_accept: float = 0.8,
    init: str = "jitter+adapt_diag",
    backend: str = "auto",
    random_seed: int | None = None,
    progressbar: bool = False,
) -> xr.DataTree:
    """Sample the network's posterior with NUTS.

    Weight-level convergence checks are not run here: the hidden units can be
    relabelled freely, so chains legitimately disagree on individual weights.
    Judge convergence on the predictions instead.

    Parameters
    ----------
    model : pymc.Model
        The network from :func:`inference.model.build_model` (or any model).
    draws, tune, chains : int
        Kept draws, tuning steps and chains.
    cores : int, optional
        Chains run in parallel; by default as many as there are usable CPUs
        (PyMC's own default halves the count, assuming hyperthreads). With one,
        every backend runs the chains one after another.
    target_accept : float
        Target acceptance rate of step-size adaptation.
    init : str
        PyMC's initialisation and mass-matrix adaptation, e.g. ``"jitter+adapt_diag"``
        or ``"jitter+adapt_full"`` (a dense mass matrix); PyMC's own sampler only.
    backend : str
        A key of :data:`inference.backends.BACKENDS`: the sampler and compile mode;
        ``"auto"``: the fastest installed.
    random_seed : int, optional
        Seeds the chains' initialisation and sampling.
    progressbar : bool
        Show progress on the terminal.

    Returns
    -------
    xarray.DataTree
        Groups ``posterior`` (the free variables only, not the per-row ``p``)
        and ``sample_stats`` (PyMC's names for every backend), whose attr
        ``gradient_evaluations`` counts the leapfrog steps of tuning and sampling
        together.
    """
    cores = _cores(chains, cores)
    backend = resolve(backend)
    if BACKENDS[backend].sampler == "numpyro":
        posterior, stats = sample_numpyro(
            model,
            draws=draws,
            tune=tune,
            chains=chains,
            target_accept=target_accept,
            random_seed=random_seed,
            parallel=parallel_chains(chains, cores) > 1,
            precision=BACKENDS[backend].precision,
            progressbar=progressbar,
        )
    else:
        posterior, stats = _sample_pymc(
            model,
            backend=backend,
            tune=tune,
            init=init,
            draws=draws,
            chains=chains,
            cores=cores,
            target_accept=target_accept,
            random_seed=random_seed,
            progressbar=progressbar,
        )
    return xr.DataTree.from_dict({"posterior": posterior, "sample_stats": _harmonise(stats)})
