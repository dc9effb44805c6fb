"""Diagnostics of any method's posterior file, typed by what its draws are.

The method table (:data:`inference.methods.registry.METHODS`) says whether a method's draws are
Markov chains (:class:`~analysis.diagnostics.chains.ChainDiagnostics`) or independent draws from an
approximation (:class:`~analysis.diagnostics.approximation.ApproximationDiagnostics`); this module
picks the diagnostics from that, never from which groups a file happens to hold.
"""

from __future__ import annotations

from collections.abc import Callable

import xarray as xr

from analysis.diagnostics.approximation import (
    ApproximationDiagnostics,
    approximation_diagnostics,
    draw_count,
)
from analysis.diagnostics.chains import ChainDiagnostics, chain_diagnostics, rhat_ess
from inference.methods.registry import METHODS, DrawKind

__all__ = ["Diagnostics", "diagnose", "draw_kind", "prediction_ess"]

Diagnostics = ChainDiagnostics | ApproximationDiagnostics

#: How each kind of draws is diagnosed: ``f(tree, aligned) -> Diagnostics``.
_DIAGNOSE: dict[DrawKind, Callable[[xr.DataTree, xr.Dataset], Diagnostics]] = {
    "markov": lambda tree, aligned: chain_diagnostics(tree, aligned=aligned),
    "independent": lambda tree, aligned: approximation_diagnostics(tree),
}


def draw_kind(tree: xr.DataTree) -> DrawKind:
    """Return what a checked posterior file's draws are, from its ``method`` attr."""
    return METHODS[tree.attrs["method"]].draws


def diagnose(tree: xr.DataTree, *, aligned: xr.Dataset) -> Diagnostics:
    """Diagnose a posterior file by its method's kind of draws.

    Parameters
    ----------
    tree : xarray.DataTree
        A checked posterior file.
    aligned : xarray.Dataset
        Its posterior with hidden units aligned across chains.
    """
    return _DIAGNOSE[draw_kind(tree)](tree, aligned)


def prediction_ess(tree: xr.DataTree) -> float:
    """Function-space ESS: the median bulk ESS of the test predictions.

    Independent draws (an approximation's) count fully: their ESS is their number.
    """
    if draw_kind(tree) == "independent":
        return draw_count(tree)
    elements = rhat_ess(tree["predictions"].to_dataset())
    return float(elements["ess_bulk"].median())
