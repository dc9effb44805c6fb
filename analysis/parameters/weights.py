"""Weight summaries: prior versus posterior densities and posterior moments (Figs. 3-4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from scipy.stats import gaussian_kde

from analysis.predictive.metrics import SAMPLE_DIMS
from inference.model.parameters import PARAMS


def weight_moments(posterior: xr.Dataset) -> xr.Dataset:
    """Posterior mean and standard deviation of every weight and bias.

    Pass an aligned posterior (:func:`inference.posterior.alignment.align_hidden_units`) for
    multi-chain runs, so that hidden units mean the same thing in every chain.

    Returns
    -------
    xarray.Dataset
        The variables of :data:`~inference.model.network.PARAMS`, each with a leading dim
        ``stat`` = ``["mean", "sd"]``.
    """
    params = posterior[list(PARAMS)]
    stacked = xr.concat([params.mean(SAMPLE_DIMS), params.std(SAMPLE_DIMS)], dim="stat")
    return stacked.assign_coords(stat=["mean", "sd"])


def _pooled(group: xr.Dataset, name: str) -> np.ndarray:
    return group[name].to_numpy().ravel()


def pooled_densities(
    tree: xr.DataTree, *, n_grid: int = 200, max_values: int = 20_000, random_state: int = 0
) -> xr.Dataset:
    """Kernel density of all elements of each parameter, prior against posterior.

    Elements are pooled (all 96 entries of ``w0`` in one density, and so on), which is
    what the paper's Fig. 3 shows and does not depend on how hidden units are labelled.

    Parameters
    ----------
    tree : xarray.DataTree
        A posterior file.
    n_grid : int
        Points on each variable's grid.
    max_values : int
        At most this many pooled values (a seeded subsample) enter each density.
    random_state : int
        Seed of the subsample.

    Returns
    -------
    xarray.Dataset
        Dims ``(variable, grid)``: ``x``, ``prior``, ``posterior`` densities.
    """
    rng = np.random.default_rng(random_state)
    rows = {"x": [], "prior": [], "posterior": []}
    for name in PARAMS:
        values = {g: _pooled(tree[g], name) for g in ("prior", "posterior")}
        values = {
            g: rng.choice(v, max_values, replace=False) if v.size > max_values else v
            for g, v in values.items()
        }
        kdes = {g: gaussian_kde(v) for g, v in values.items()}
        # the grid spans each group's central 99 % widened by 3 kernel sds, so that neither
        # density is cut off (with few prior draws the kernel is wide)
        ranges = np.array(
            [
                np.percentile(v, [0.5, 99.5])
                + np.array([-3, 3]) * np.sqrt(kdes[g].covariance[0, 0])
                for g, v in values.items()
            ]
        )
        grid = np.linspace(ranges[:, 0].min(), ranges[:, 1].max(), n_grid)
        rows["x"].append(grid)
        for group, kde in kdes.items():
            rows[group].append(kde(grid))
    return xr.Dataset(
        {k: (("variable", "grid"), np.array(v)) for k, v in rows.items()},
        coords={"variable": list(PARAMS)},
    )


def pooled_summary(tree: xr.DataTree) -> pd.DataFrame:
    """Mean, sd and 3 % / 97 % quantiles of each parameter's pooled elements.

    Returns
    -------
    pandas.DataFrame
        Index ``(variable, source)`` with source ``prior`` or ``posterior``.
    """
    rows = {}
    for name in PARAMS:
        for group in ("prior", "posterior"):
            v = _pooled(tree[group], name)
            q03, q97 = np.percentile(v, [3, 97])
            rows[(name, group)] = {"mean": v.mean(), "sd": v.std(), "3%": q03, "97%": q97}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.names = ["variable", "source"]
    return table
