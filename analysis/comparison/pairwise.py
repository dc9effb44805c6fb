"""What sets two posteriors' draws apart, measure by measure: predictions and aligned weights.

Shared by the two-file comparison (:mod:`analysis.comparison.two_files`) and the intervals from the
reference's chains (:mod:`analysis.comparison.reference_error`), which recompute them on fewer
chains.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from analysis.parameters.alignment import HIDDEN_VARS, match_units, unit_vectors
from analysis.predictive.metrics import SAMPLE_DIMS

__all__ = ["align_to", "prediction_agreement", "sd_ratio"]


def prediction_agreement(ma: xr.Dataset, mb: xr.Dataset) -> dict[str, float]:
    """How far the two files' test predictions are apart.

    Returns
    -------
    dict
        ``class_agreement``: share of test simulations given the same class at 0.5;
        ``mean_abs_diff``: mean |p̄_a − p̄_b| (the total variation distance between the
        two predictive Bernoulli distributions, averaged); ``std_ratio``: mean
        predictive std of ``a`` over that of ``b``; ``std_correlation``: Pearson
        correlation of the per-simulation stds. ``ma`` and ``mb`` are the files'
        :func:`analysis.predictive.metrics.predictive_moments`.
    """
    pa, pb = ma["mean"].to_numpy(), mb["mean"].to_numpy()
    sa, sb = ma["std"].to_numpy(), mb["std"].to_numpy()
    return {
        "class_agreement": float(np.mean((pa > 0.5) == (pb > 0.5))),
        "mean_abs_diff": float(np.mean(np.abs(pa - pb))),
        "std_ratio": float(sa.mean() / sb.mean()),
        "std_correlation": float(np.corrcoef(sa, sb)[0, 1]),
    }


def align_to(reference: xr.Dataset, other: xr.Dataset) -> xr.Dataset:
    """Relabel ``other``'s hidden units (all chains) to match ``reference``'s.

    Both are posteriors whose chains are already aligned among themselves
    (:func:`analysis.parameters.alignment.align_hidden_units`); ``other``'s pooled units are
    matched to ``reference``'s pooled units by the assignment problem.
    """
    ref_units = unit_vectors(reference).mean("chain").to_numpy()
    other_units = unit_vectors(other).mean("chain").to_numpy()
    order = match_units(ref_units, other_units)
    aligned = other.copy()
    for name in HIDDEN_VARS:
        aligned[name] = other[name].isel(hidden=order).assign_coords(hidden=other["hidden"])
    return aligned


def sd_ratio(xa: xr.DataArray, xb: xr.DataArray) -> xr.DataArray:
    """Posterior sd of each element under ``a`` over that under ``b`` (aligned units)."""
    return xa.std(SAMPLE_DIMS) / xb.std(SAMPLE_DIMS)
