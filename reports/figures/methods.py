"""Figures of what a method's own library reports about its fit (SMC's tempering)."""

from __future__ import annotations

import xarray as xr
from matplotlib.figure import Figure

from reports.figures.posterior import new_figure

__all__ = ["tempering_schedule"]


def tempering_schedule(smc: xr.Dataset) -> Figure:
    """SMC's tempering exponent β and its kernel's acceptance per stage, one line per chain.

    ``smc``: a file's ``smc`` group (:mod:`inference.methods.smc`), stages of all chains along
    dim ``step``, ``step_chain`` naming each stage's chain.

    Examples
    --------
    >>> import xarray as xr
    >>> smc = xr.Dataset({"beta": ("step", [0.1, 1.0, 0.2, 1.0]),
    ...                   "accept_rate": ("step", [0.9, 0.3, 0.8, 0.4]),
    ...                   "step_chain": ("step", [0, 0, 1, 1])})
    >>> [len(ax.lines) for ax in tempering_schedule(smc).axes]
    [2, 2]
    """
    fig = new_figure(8, 3.2)
    left, right = fig.subplots(1, 2)
    for _, stages in smc.groupby("step_chain"):
        left.plot(stages["beta"].to_numpy(), marker=".", linewidth=0.8)
        right.plot(stages["accept_rate"].to_numpy(), marker=".", linewidth=0.8)
    left.set_yscale("log")
    left.set_xlabel("stage")
    left.set_ylabel("β (likelihood exponent)")
    right.set_xlabel("stage")
    right.set_ylabel("acceptance rate")
    right.set_ylim(0, 1)
    return fig
