"""Figures of what a method's own library reports about its fit, as the method declares.

A method's row declares its figures as :class:`~inference.methods.declarations.Lines`
(SMC's tempering schedule, say); this module draws any of them.
"""

from __future__ import annotations

import xarray as xr
from matplotlib.figure import Figure

from inference.methods.declarations import Lines
from reports.figures.posterior import new_figure

__all__ = ["lines"]


def lines(group: xr.Dataset, spec: Lines) -> Figure:
    """Draw a declared figure: one panel per variable, one line per value of ``spec.per``.

    Examples
    --------
    >>> from inference.methods.declarations import Panel
    >>> smc = xr.Dataset({"beta": ("step", [0.1, 1.0, 0.2, 1.0]),
    ...                   "accept_rate": ("step", [0.9, 0.3, 0.8, 0.4]),
    ...                   "step_chain": ("step", [0, 0, 1, 1])})
    >>> spec = Lines("smc", "step", "step_chain", "stage",
    ...              (Panel("beta", "β", log=True), Panel("accept_rate", "acceptance")), "")
    >>> [len(ax.lines) for ax in lines(smc, spec).axes]
    [2, 2]
    """
    fig = new_figure(4 * len(spec.panels), 3.2)
    axes = fig.subplots(1, len(spec.panels), squeeze=False)[0]
    for _, part in group.groupby(spec.per):
        for ax, panel in zip(axes, spec.panels, strict=True):
            ax.plot(part[panel.variable].to_numpy(), marker=".", linewidth=0.8)
    for ax, panel in zip(axes, spec.panels, strict=True):
        if panel.log:
            ax.set_yscale("log")
        if panel.limits is not None:
            ax.set_ylim(*panel.limits)
        ax.set_xlabel(spec.xlabel)
        ax.set_ylabel(panel.label)
    return fig
