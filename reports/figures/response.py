"""Figures of the response curves and maps; each takes precomputed results, computes nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from analysis.response.maps import contour_lines
from inference.posterior.classes import PAPER_CLASSES, Classes
from reports.figures.colours import CLASS_COLOURS, method_colour
from reports.figures.posterior import new_figure

__all__ = ["response_curves", "response_maps"]


def response_curves(
    summaries: dict[str, xr.Dataset],
    *,
    ylabel: str,
    probability: bool = True,
    names: dict[str, str] | None = None,
) -> Figure:
    """One panel per feature: each run's mean curve and its credible band.

    Parameters
    ----------
    summaries : dict of str to xarray.Dataset
        Run label to :func:`analysis.response.curves.curve_summary` (dims ``feature``,
        ``point``; coordinate ``value`` in physical units).
    ylabel : str
        What the curves show.
    probability : bool
        Whether the curves are probabilities (fixed 0–1 axis and the 50 % line).
    names : dict, optional
        Feature to its axis label with unit (:func:`inference.posterior.units.feature_labels`).
    """
    names = names or {}
    first = next(iter(summaries.values()))
    features = [str(f) for f in first["feature"].values]
    columns = int(np.ceil(len(features) / 2)) if len(features) <= 8 else 4
    rows = int(np.ceil(len(features) / columns))
    fig = new_figure(11, 2.6 * max(rows, 2))
    axes = np.ravel(fig.subplots(rows, columns, sharey=probability, squeeze=False))
    for label, summary in summaries.items():
        colour = method_colour(label)
        band = f"{100 * summary.attrs['prob']:.0f} %"
        for ax, feature in zip(axes, features, strict=False):
            curve = summary.sel(feature=feature)
            x = curve["value"].to_numpy()
            ax.fill_between(x, curve["lower"], curve["upper"], color=colour, alpha=0.25, lw=0)
            ax.plot(x, curve["mean"], color=colour, label=f"{label} (mean, {band} band)")
    for ax, feature in zip(axes, features, strict=False):
        ax.set_xlabel(names.get(feature, feature))
        if probability:
            ax.axhline(0.5, color="grey", linestyle=":", linewidth=0.8)
            ax.set_ylim(0, 1)
        else:
            ax.axhline(0.0, color="grey", linestyle=":", linewidth=0.8)
    for ax in axes[len(features) :]:
        ax.set_visible(False)
    fig.supylabel(ylabel, fontsize="medium")  # one label the height of both rows: never clipped
    axes[0].legend(fontsize="small")
    return fig


def _training_points(
    ax, training: pd.DataFrame, labels: np.ndarray, pair, *, classes: Classes
) -> None:
    for label, colour in CLASS_COLOURS.items():
        keep = labels == label
        ax.scatter(
            training.loc[keep, pair[0]],
            training.loc[keep, pair[1]],
            s=3,
            color=colour,
            alpha=0.5,
            label=classes.names[label],
            rasterized=True,
        )


def _contours(ax, surface: xr.Dataset) -> None:
    styles = (("mean", "-", "50 % of the mean"), ("q05", "--", "90 % band"), ("q95", "--", None))
    for name, style, label in styles:
        for k, line in enumerate(contour_lines(surface[name])):
            ax.plot(*line.T, color="black", linestyle=style, label=label if k == 0 else None)


def response_maps(
    maps: list[xr.Dataset],
    *,
    training: pd.DataFrame,
    labels: np.ndarray,
    names: dict[str, str] | None = None,
    classes: Classes = PAPER_CLASSES,
) -> Figure:
    """Per pair: the mean P(event) with its 50 % contour and band, and its sd.

    Parameters
    ----------
    maps : list of xarray.Dataset
        :func:`analysis.response.maps.partial_dependence_map` of each pair.
    training : pandas.DataFrame
        The training simulations in physical units (overlaid by class).
    labels : numpy.ndarray
        Their 0/1 outcomes.
    names : dict, optional
        Feature to its axis label with unit.
    classes : Classes
        The classes' names (:func:`inference.posterior.classes.file_classes`).
    """
    names = names or {}
    fig = new_figure(9, 3.6 * len(maps))
    axes = np.atleast_2d(fig.subplots(len(maps), 2))
    for (mean_ax, sd_ax), surface in zip(axes, maps, strict=True):
        pair = (surface.attrs["x"], surface.attrs["y"])
        x, y = surface["x"].to_numpy(), surface["y"].to_numpy()
        image = mean_ax.pcolormesh(
            x, y, surface["mean"], cmap="RdBu_r", vmin=0, vmax=1, rasterized=True
        )
        fig.colorbar(image, ax=mean_ax, label=f"mean {classes.probability}")
        _training_points(mean_ax, training, labels, pair, classes=classes)
        _contours(mean_ax, surface)
        spread = sd_ax.pcolormesh(x, y, surface["sd"], cmap="viridis", rasterized=True)
        fig.colorbar(spread, ax=sd_ax, label="sd over draws")
        _training_points(sd_ax, training, labels, pair, classes=classes)
        for ax in (mean_ax, sd_ax):
            ax.set_xlim(x[0], x[-1])
            ax.set_ylim(y[0], y[-1])
            ax.set_xlabel(names.get(pair[0], pair[0]))
            ax.set_ylabel(names.get(pair[1], pair[1]))
    axes[0, 0].legend(fontsize="x-small", loc="best")
    return fig
