"""Figures of how far a reference can be trusted, and of methods scored against it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from reports.figures.posterior import new_figure

__all__ = ["cost_fidelity", "pooled_stability"]


def pooled_stability(
    saturation: pd.DataFrame, pooled: np.ndarray, stacked: np.ndarray, mcse: np.ndarray
) -> Figure:
    """How far the pooled prediction can be trusted: saturation, and pooled vs stacked.

    Left: the mean |p̄_k − p̄_all| of the prediction pooled over k chains, against k, with
    the mean chain-to-chain Monte Carlo error of the pooled prediction. Right: each test
    simulation's pooled against stacked mean probability, with ±2 Monte Carlo errors.
    """
    fig = new_figure(9.0, 3.8)
    left, right = fig.subplots(1, 2)
    k = saturation.index.to_numpy()
    left.plot(k, saturation["mean_abs_diff_to_all"], marker="o", color="k")
    if np.isfinite(mcse).any():
        left.axhline(np.nanmean(mcse), color="red", linestyle=":", label="mean Monte Carlo error")
        left.legend()
    left.set_xlabel("chains pooled")
    left.set_ylabel("mean |p̄(k chains) − p̄(all)|")
    error = np.where(np.isfinite(mcse), 2 * mcse, 0.0)
    right.errorbar(pooled, stacked, xerr=error, fmt=".", ms=3, alpha=0.5, color="k")
    right.plot([0, 1], [0, 1], color="red", linestyle=":")
    right.set_xlabel("pooled mean p (every draw alike)")
    right.set_ylabel("stacked mean p (chains weighted)")
    return fig


def cost_fidelity(table: pd.DataFrame, *, reference: str, baselines: Sequence[str] = ()) -> Figure:
    """Fit seconds against mean |Δp̄| to the reference, one point per method (log scales).

    ``table``: :attr:`analysis.comparison.leaderboard.Leaderboard.table`; the reference's own Monte
    Carlo floor of the mean |Δp̄| is drawn as a line; ``baselines`` (rows without a
    posterior) are drawn as open grey markers.
    """
    fig = new_figure(5.5, 4.2)
    ax = fig.subplots()
    others = table.drop(index=reference)
    for label, row in others.iterrows():
        style = {"facecolors": "none", "edgecolors": "grey"} if label in baselines else {}
        ax.scatter(row["fit_seconds"], row["mean_abs_diff"], color="k", **style)
        ax.annotate(
            str(label),
            (row["fit_seconds"], row["mean_abs_diff"]),
            fontsize=8,
            xytext=(4, 4),
            textcoords="offset points",
        )
    floor = table.loc[reference, "mean_abs_diff_null"]
    if np.isfinite(floor) and floor > 0:
        ax.axhline(floor, color="red", linestyle=":", label=f"{reference}'s own error")
        ax.legend()
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("fit seconds")
    ax.set_ylabel(f"mean |p̄ − p̄({reference})|")
    return fig
