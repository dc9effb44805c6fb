"""Figures of the analyses: each takes precomputed results and returns a Figure.

Nothing here computes statistics of a posterior or writes files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from inference.posterior.classes import PAPER_CLASSES, Classes
from reports.figures.colours import CLASS_COLOURS, method_colour


def new_figure(width: float, height: float) -> Figure:
    """Return an empty figure of ``width`` × ``height`` inches, laid out to fit."""
    return Figure(figsize=(width, height), layout="constrained")


def prior_posterior(densities: xr.Dataset) -> Figure:
    """Pooled prior and posterior densities per parameter (the paper's Fig. 3)."""
    fig = new_figure(8, 5)
    axes = fig.subplots(2, 2).ravel()
    for ax, name in zip(axes, densities["variable"].values, strict=True):
        row = densities.sel(variable=name)
        ax.plot(row["x"], row["prior"], color="grey", linestyle="--", label="prior")
        ax.plot(row["x"], row["posterior"], color="black", label="posterior")
        ax.set_title(str(name))
        ax.set_xlabel("value")
        ax.set_ylabel("density")
    axes[0].legend()
    return fig


def _heatmap(ax, values: xr.DataArray, *, title: str, cmap: str, centred: bool) -> None:
    data = values.to_numpy()
    if data.ndim == 1:
        data = data[None, :]
    limit = np.abs(data).max() if centred else None
    image = ax.imshow(
        data,
        cmap=cmap,
        aspect="auto",
        vmin=-limit if centred else None,
        vmax=limit if centred else None,
    )
    ax.set_title(title)
    ax.set_xticks(range(values.sizes["hidden"]), values["hidden"].values)
    ax.set_xlabel("hidden unit")
    if "feature" in values.dims:
        ax.set_yticks(range(values.sizes["feature"]), values["feature"].values)
    else:
        ax.set_yticks([])
    ax.figure.colorbar(image, ax=ax)


def weight_heatmaps(moments: xr.Dataset) -> Figure:
    """Heatmaps of posterior mean and sd of ``w0`` and ``w1`` (the paper's Fig. 4)."""
    fig = new_figure(10, 6)
    axes = fig.subplots(2, 2, height_ratios=[4, 1])
    for col, stat in enumerate(("mean", "sd")):
        centred = stat == "mean"
        cmap = "RdBu_r" if centred else "viridis"
        _heatmap(
            axes[0, col],
            moments["w0"].sel(stat=stat),
            title=f"w0 {stat}",
            cmap=cmap,
            centred=centred,
        )
        _heatmap(
            axes[1, col],
            moments["w1"].sel(stat=stat),
            title=f"w1 {stat}",
            cmap=cmap,
            centred=centred,
        )
    return fig


def predictive(
    moments: xr.Dataset, *, threshold: float = 0.5, classes: Classes = PAPER_CLASSES
) -> Figure:
    """Histogram of mean scores and predictive std against mean score (the paper's Fig. 5).

    Colour is the true class; crosses mark misclassified test simulations.
    """
    fig = new_figure(10, 4)
    hist_ax, scatter_ax = fig.subplots(1, 2)
    mean, std, y = (moments[k].to_numpy() for k in ("mean", "std", "y"))
    wrong = (mean > threshold) != (y == 1)
    bins = np.linspace(0, 1, 26)
    for label, name in enumerate(classes.names):
        colour = CLASS_COLOURS[label]
        hist_ax.hist(mean[y == label], bins=bins, alpha=0.6, color=colour, label=f"true {name}")
        keep = (y == label) & ~wrong
        scatter_ax.scatter(
            mean[keep], std[keep], s=10, color=colour, alpha=0.6, label=f"true {name}"
        )
        miss = (y == label) & wrong
        scatter_ax.scatter(
            mean[miss],
            std[miss],
            s=30,
            color=colour,
            marker="x",
            label=f"true {name}, misclassified",
        )
    for ax in (hist_ax, scatter_ax):
        ax.axvline(threshold, color="grey", linestyle=":")
        ax.set_xlabel(f"mean predicted {classes.probability}")
    hist_ax.set_ylabel("test simulations")
    scatter_ax.set_ylabel("predictive std")
    hist_ax.legend()
    scatter_ax.legend(fontsize="small")
    return fig


def reliability_diagram(bins: xr.Dataset, *, classes: Classes = PAPER_CLASSES) -> Figure:
    """Observed frequency against mean prediction per bin, with the diagonal."""
    fig = new_figure(4.5, 4.5)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="perfect calibration")
    ax.plot(bins["predicted"], bins["observed"], marker="o", color="black", label="model")
    ax.set_xlabel(f"mean predicted {classes.probability}")
    ax.set_ylabel(f"observed frequency: {classes.positive}")
    ax.legend()
    return fig


def bars_height(features: int, *, least: float) -> float:
    """Return a figure's height for one bar (or group of bars) per feature, ``least`` at least."""
    return max(least, 0.3 * features + 1.2)


def importance(summary: xr.Dataset, *, classes: Classes = PAPER_CLASSES) -> Figure:
    """F1 drop per feature with its interval, and class-wise predictive std (Fig. 6)."""
    fig = new_figure(10, bars_height(summary.sizes["feature"], least=4))
    drop_ax, std_ax = fig.subplots(1, 2)
    features = [str(f) for f in summary["feature"].values]
    position = np.arange(len(features))
    drop = summary["f1_drop"].to_numpy()
    error = np.abs(np.stack([drop - summary["f1_drop_lower"], summary["f1_drop_upper"] - drop]))
    drop_ax.barh(position, drop, xerr=error, color="grey", capsize=3)
    drop_ax.set_yticks(position, features)
    drop_ax.invert_yaxis()
    drop_ax.set_xlabel(f"drop in weighted F1 ({summary.attrs['ci_prob']:.0%} interval)")
    height = 0.4
    for offset, (key, name) in enumerate(
        (("std_arrest", classes.negative), ("std_propagate", classes.positive))
    ):
        std_ax.barh(
            position + (offset - 0.5) * height,
            summary[key],
            height=height,
            color=CLASS_COLOURS[offset],
            label=f"correct {name}",
        )
        std_ax.axvline(summary.attrs[f"baseline_{key}"], color=CLASS_COLOURS[offset], linestyle=":")
    std_ax.set_yticks(position, features)
    std_ax.invert_yaxis()
    std_ax.set_xlabel("mean predictive std under permutation (dotted: unpermuted)")
    std_ax.legend()
    return fig


def loss_trace(trace: xr.Dataset) -> Figure:
    """ADVI loss per step, its running mean, and where the fit stopped."""
    fig = new_figure(8, 3.5)
    ax = fig.subplots()
    steps = np.arange(trace.sizes["iteration"])
    ax.plot(steps, trace["loss"], color="lightgrey", linewidth=0.5, label="loss")
    ax.plot(steps, trace["running_mean"], color="black", label="running mean")
    stop = "converged" if trace.attrs["converged"] else "max_steps reached"
    ax.axvline(steps[-1], color="red", linestyle=":", label=f"stop: {stop}")
    low, high = np.percentile(trace["loss"], [0.5, 99])
    ax.set_ylim(low - 0.05 * (high - low), high)
    ax.set_xlabel("step")
    ax.set_ylabel("negative ELBO")
    ax.legend()
    return fig


def rhat_histogram(rhat: pd.Series | np.ndarray) -> Figure:
    """Histogram of the function-space R-hat of every test prediction."""
    fig = new_figure(4.5, 3.5)
    ax = fig.subplots()
    values = np.asarray(rhat)
    values = values[np.isfinite(values)]
    if values.size == 0:
        ax.text(0.5, 0.5, "R-hat needs at least two chains", ha="center", transform=ax.transAxes)
        return fig
    ax.hist(values, bins=30, color="grey")
    ax.axvline(1.01, color="red", linestyle=":", label="1.01")
    ax.set_xlabel("R-hat of p per test simulation")
    ax.set_ylabel("count")
    ax.legend()
    return fig


def std_scatter(
    moments: tuple[xr.Dataset, xr.Dataset],
    *,
    labels: tuple[str, str],
    classes: Classes = PAPER_CLASSES,
) -> Figure:
    """Per-test-simulation predictive std of run A against run B, with the diagonal."""
    fig = new_figure(4.8, 4.5)
    ax = fig.subplots()
    a, b = moments
    y = a["y"].to_numpy()
    for label, name in enumerate(classes.names):
        keep = y == label
        ax.scatter(
            b["std"].to_numpy()[keep],
            a["std"].to_numpy()[keep],
            s=10,
            alpha=0.6,
            color=CLASS_COLOURS[label],
            label=f"true {name}",
        )
    top = float(max(a["std"].max(), b["std"].max())) * 1.05
    ax.plot([0, top], [0, top], color="grey", linestyle="--", label="equal")
    ax.set_xlabel(f"predictive std, {labels[1]}")
    ax.set_ylabel(f"predictive std, {labels[0]}")
    ax.legend()
    return fig


def reliability_overlay(
    bins: tuple[xr.Dataset, ...], *, labels: tuple[str, ...], classes: Classes = PAPER_CLASSES
) -> Figure:
    """Every run's reliability diagram on one set of axes."""
    fig = new_figure(4.8, 4.5)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="perfect calibration")
    markers = ("o", "s", "^", "v", "D", "P", "X", "*")
    for k, (data, label) in enumerate(zip(bins, labels, strict=True)):
        marker = markers[k % len(markers)]
        ax.plot(
            data["predicted"],
            data["observed"],
            marker=marker,
            color=method_colour(label),
            label=label,
        )
    ax.set_xlabel(f"mean predicted {classes.probability}")
    ax.set_ylabel(f"observed frequency: {classes.positive}")
    ax.legend()
    return fig


def parameter_differences(parameters: xr.Dataset, *, labels: tuple[str, str]) -> Figure:
    """Heatmaps per weight of w0 and w1: difference of means, log2 sd ratio, Wasserstein-1."""
    a, b = labels
    fig = new_figure(13, 5.5)
    axes = fig.subplots(2, 3, height_ratios=[4, 1])
    panels = (
        ("mean_diff", f"mean {a} − mean {b}", "RdBu_r", True),
        ("sd_ratio", f"log2(sd {a} / sd {b})", "PuOr_r", True),
        ("wasserstein", "Wasserstein-1 distance", "viridis", False),
    )
    for col, (key, title, cmap, centred) in enumerate(panels):
        for row, name in enumerate(("w0", "w1")):
            values = parameters[f"{name}_{key}"]
            if key == "sd_ratio":
                values = np.log2(values)
            _heatmap(axes[row, col], values, title=f"{name}: {title}", cmap=cmap, centred=centred)
    return fig


def importance_pair(importance: xr.Dataset) -> Figure:
    """Both runs' F1 drops per feature, with intervals, side by side."""
    fig = new_figure(6.5, bars_height(importance.sizes["feature"], least=4.5))
    ax = fig.subplots()
    features = [str(f) for f in importance["feature"].values]
    position = np.arange(len(features))
    runs = [str(r) for r in importance["run"].values]
    height = 0.8 / len(runs)
    for k, run in enumerate(runs):
        row = importance.sel(run=run)
        drop = row["f1_drop"].to_numpy()
        error = np.abs(np.stack([drop - row["f1_drop_lower"], row["f1_drop_upper"] - drop]))
        ax.barh(
            position + (k - (len(runs) - 1) / 2) * height,
            drop,
            height=height,
            xerr=error,
            capsize=2,
            color=method_colour(run),
            label=run,
        )
    ax.set_yticks(position, features)
    ax.invert_yaxis()
    ax.set_xlabel("drop in weighted F1 when shuffled (interval over shuffles and draws)")
    ax.legend()
    return fig
