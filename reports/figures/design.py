"""A design study's figure: each method's learning curves, one line per acquisition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from analysis.response.maps import contour_lines
from reports.figures.posterior import new_figure

__all__ = ["design_curves", "picks_map"]

#: The metrics drawn, with their axis labels.
_METRICS = {"accuracy": "test accuracy", "log_loss": "test log loss"}


def design_curves(table: pd.DataFrame) -> Figure:
    """Accuracy and log loss against simulations run: per acquisition, mean and seed range.

    One row of panels per method; the line is the mean over seeds, the band runs from
    the lowest to the highest seed.
    """
    methods = list(dict.fromkeys(table["method"]))
    fig = new_figure(10, 3.4 * len(methods))
    axes = fig.subplots(len(methods), len(_METRICS), squeeze=False)
    for row, method in zip(axes, methods, strict=True):
        own = table[table["method"] == method]
        for ax, (metric, label) in zip(row, _METRICS.items(), strict=True):
            for acquisition, curves in own.groupby("acquisition", sort=False):
                by_n = curves.groupby("n_simulations")[metric]
                n = by_n.mean().index.to_numpy()
                (line,) = ax.plot(n, by_n.mean().to_numpy(), marker=".", label=acquisition)
                ax.fill_between(n, by_n.min(), by_n.max(), color=line.get_color(), alpha=0.2)
            ax.set_xlabel("simulations run")
            ax.set_ylabel(label)
            ax.set_title(method)
    axes[0, 0].legend(fontsize="small")
    return fig


def picks_map(
    surface: xr.Dataset,
    table: pd.DataFrame,
    *,
    pool: pd.DataFrame,
    initial: np.ndarray,
    names: dict[str, str] | None = None,
) -> Figure:
    """Where one seed's loops picked, coloured by round, over the full-data boundary.

    One panel per method and acquisition (the first seed of each): the pool in grey, the
    initial set in black, each round's picks in the colour of its round, and the 50 %
    contour of the full-data reference's partial dependence (``surface``,
    :func:`analysis.design_curves.decision_map`) over its two most effective features.
    ``pool``: the pool's inputs in physical units; ``initial``: the seed's initial rows;
    ``names``: each feature's axis label with its unit.
    """
    names = names or {}
    x, y = surface.attrs["x"], surface.attrs["y"]
    seed = table["seed"].min()
    loops = list(table[table["seed"] == seed].groupby(["method", "acquisition"], sort=False))
    columns = min(len(loops), 5)
    rows = int(np.ceil(len(loops) / columns))
    fig = new_figure(3.2 * columns, 3.2 * rows)
    axes = np.ravel(fig.subplots(rows, columns, squeeze=False, sharex=True, sharey=True))
    for ax, ((method, acquisition), loop) in zip(axes, loops, strict=False):
        ax.scatter(pool[x], pool[y], s=2, color="0.85", rasterized=True)
        ax.scatter(pool[x].iloc[initial], pool[y].iloc[initial], s=6, color="black")
        for _, row in loop.dropna(subset=["picks"]).iterrows():
            picked = [int(r) for r in str(row["picks"]).split(";") if r]
            colour = _round_colour(row["round"], loop["round"].max())
            ax.scatter(pool[x].iloc[picked], pool[y].iloc[picked], s=8, color=colour)
        for line in contour_lines(surface["mean"]):
            ax.plot(*line.T, color="black", linewidth=1)
        ax.set_title(f"{method}, {acquisition}", fontsize="small")
        ax.set_xlabel(names.get(x, x))
        ax.set_ylabel(names.get(y, y))
    for ax in axes[len(loops) :]:
        ax.set_visible(False)
    return fig


def _round_colour(index: int, last: int):
    """Colour round ``index`` of ``last``: early rounds dark, late rounds light."""
    from matplotlib import colormaps

    return colormaps["viridis"](index / max(last, 1))
