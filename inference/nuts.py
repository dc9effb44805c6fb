"""NUTS with PyMC's sampler."""

from __future__ import annotations

import os

import pymc as pm
import xarray as xr


def fit_nuts(
    model: pm.Model,
    *,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    cores: int | None = None,
    target_accept: float = 0.9,
    init: str = "jitter+adapt_diag",
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
        (PyMC's own default halves the count, assuming hyperthreads).
    target_accept : float
        Target acceptance rate of step-size adaptation.
    init : str
        PyMC's initialisation and mass-matrix adaptation, e.g. ``"jitter+adapt_diag"``
        or ``"jitter+adapt_full"`` (a dense mass matrix).
    random_seed : int, optional
        Seeds the chains' initialisation and sampling.
    progressbar : bool
        Show progress on the terminal.

    Returns
    -------
    xarray.DataTree
        Groups ``posterior`` (the free variables only, not the per-row ``p``)
        and ``sample_stats``, whose attr ``gradient_evaluations`` counts the
        leapfrog steps of tuning and sampling together.
    """
    if cores is None:
        cores = min(chains, len(os.sched_getaffinity(0)))
    with model:
        tree = pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            cores=cores,
            target_accept=target_accept,
            init=init,
            random_seed=random_seed,
            var_names=[rv.name for rv in model.free_RVs],
            progressbar=progressbar,
            compute_convergence_checks=False,
            discard_tuned_samples=False,  # kept only to count the tuning's gradient evaluations
        )
    stats = tree["sample_stats"].to_dataset()
    tuning = int(tree["warmup_sample_stats"]["n_steps"].sum()) if tune else 0
    stats.attrs["gradient_evaluations"] = tuning + int(stats["n_steps"].sum())
    return xr.DataTree.from_dict(
        {"posterior": tree["posterior"].to_dataset(), "sample_stats": stats}
    )
