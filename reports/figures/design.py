"""A design study's figure: each method's learning curves, one line per acquisition."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from reports.figures.posterior import new_figure

__all__ = ["design_curves"]

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
