"""Figures of a sweep: learning curves, per-seed strips, predictive std against data size.

Each takes results of :mod:`analysis.learning_curves` and returns a matplotlib figure.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from reports.figures.colours import method_colour
from reports.figures.posterior import new_figure

__all__ = ["learning_curves", "seed_strips", "std_shrinkage"]

#: Axis labels of a sweep's metrics.
_SWEEP_LABELS = {
    "accuracy": "test accuracy",
    "f1_weighted": "weighted F1",
    "roc_auc": "ROC AUC",
    "log_loss": "log loss",
    "brier": "Brier score",
    "ece": "expected calibration error",
    "mean_std": "mean predictive std",
    "ess_p": "function-space ESS (median)",
    "fit_seconds": "fit seconds",
    "wall_seconds": "task wall seconds",
}


def _size_axis(ax, sizes: np.ndarray) -> None:
    ax.set_xscale("log", base=2)
    ax.set_xticks(sizes, [str(s) for s in sizes])
    ax.minorticks_off()
    ax.set_xlabel("training simulations")


def learning_curves(curves: xr.Dataset, *, metrics: tuple[str, ...]) -> Figure:
    """Each metric against training-set size: per method the median over seeds, and a band.

    ``curves`` is :func:`analysis.learning_curves.learning_curves`; the band spans its lowest to
    its highest quantile, the line is its 0.5 quantile.
    """
    ncols = min(3, len(metrics))
    nrows = -(-len(metrics) // ncols)
    fig = new_figure(4.2 * ncols, 3.3 * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    sizes = curves["train_size"].to_numpy()
    for ax, name in zip(axes, metrics, strict=False):
        for method in curves["method"].values:
            values = curves[name].sel({"method": method})
            ax.fill_between(
                sizes,
                values.isel(quantile=0),
                values.isel(quantile=-1),
                color=method_colour(str(method)),
                alpha=0.2,
            )
            ax.plot(
                sizes,
                values.sel(quantile=0.5),
                marker="o",
                color=method_colour(str(method)),
                label=str(method),
            )
        _size_axis(ax, sizes)
        ax.set_ylabel(_SWEEP_LABELS.get(name, name))
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    axes[0].legend()
    return fig


def seed_strips(cube: xr.Dataset, *, train_size: int, metrics: tuple[str, ...]) -> Figure:
    """Every seed's value of each metric at one training size, per method (failed: absent).

    ``cube`` is :func:`analysis.learning_curves.summary_cube`.
    """
    fig = new_figure(2.6 * len(metrics), 3.2)
    axes = fig.subplots(1, len(metrics), squeeze=False).ravel()
    at_size = cube.sel(train_size=train_size)
    methods = [str(m) for m in cube["method"].values]
    for ax, name in zip(axes, metrics, strict=True):
        for k, method in enumerate(methods):
            row = at_size.sel({"method": method})
            values = row[name].where(row["status"] == "ok").to_numpy()
            jitter = np.linspace(-0.12, 0.12, len(values))
            ax.scatter(k + jitter, values, color=method_colour(method), s=18)
        ax.set_xticks(range(len(methods)), methods)
        ax.set_xlim(-0.5, len(methods) - 0.5)
        ax.set_title(_SWEEP_LABELS.get(name, name), fontsize="medium")
    return fig


def std_shrinkage(shrinkage: xr.Dataset) -> Figure:
    """Median mean predictive std against training size (log-log), and relative to the first.

    ``shrinkage`` is :func:`analysis.learning_curves.std_shrinkage`.
    """
    fig = new_figure(9, 3.6)
    absolute, relative = fig.subplots(1, 2)
    sizes = shrinkage["train_size"].to_numpy()
    for method in shrinkage["method"].values:
        row = shrinkage.sel({"method": method})
        label = f"{method} (slope {float(row['slope']):.2f})"
        absolute.plot(
            sizes, row["median_std"], marker="o", color=method_colour(str(method)), label=label
        )
        relative.plot(
            sizes, row["relative"], marker="o", color=method_colour(str(method)), label=str(method)
        )
    absolute.set_yscale("log")
    absolute.set_ylabel("mean predictive std (median over seeds)")
    relative.set_ylabel(f"relative to {sizes[0]} simulations")
    relative.axhline(1, color="grey", linestyle=":")
    for ax in (absolute, relative):
        _size_axis(ax, sizes)
    absolute.legend()
    return fig
