"""Intervals of a comparison's headline numbers from the reference's chain-to-chain variation.

Each number of one file against the reference is recomputed with one of the reference's
chains left out at a time (:func:`analysis.comparison.jackknife.leave_one_chain_out`); the numbers
are those of :data:`analysis.comparison.pairwise.INTERVALS`, on fewer chains.
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

from analysis.comparison.jackknife import exceeds_spread, leave_one_chain_out
from analysis.comparison.pairwise import INTERVALS, pairwise_numbers
from analysis.diagnostics.by_draw_kind import draw_kind
from analysis.file_analysis import FileAnalysis

__all__ = ["reference_intervals"]


def _reference(a: FileAnalysis, b: FileAnalysis) -> int | None:
    """Which of the two runs is the reference: Markov chains (two or more), ``b`` first."""
    for index, run in ((1, b), (0, a)):
        if draw_kind(run.tree) == "markov" and run.tree["predictions"].sizes["chain"] >= 2:
            return index
    return None


def reference_intervals(a: FileAnalysis, b: FileAnalysis) -> tuple[str, pd.DataFrame] | None:
    """Intervals of the headline numbers from the reference's chain-to-chain variation.

    The reference is the run with Markov chains (two or more; ``b`` if both have them).
    Each number of :data:`~analysis.comparison.pairwise.INTERVALS` of ``a`` against ``b``
    is recomputed with one of the reference's chains left out at a time
    (:func:`analysis.comparison.jackknife.leave_one_chain_out`), and compared with its value
    if the runs differed only by the reference's own error (its ``null``: 0 for the
    accuracy difference, 1 for the ratios, the agreement and Kendall's τ, and for the mean
    |Δp̄| the mean of √(2/π) × the reference's chain-to-chain Monte Carlo error, the
    expected |Δ| of an exact run from a reference with that error).

    Returns
    -------
    tuple or None
        The reference's label (``"a"`` or ``"b"``) and the table of
        :func:`analysis.comparison.jackknife.exceeds_spread`; None if neither run has two chains.
    """
    index = _reference(a, b)
    if index is None:
        return None
    runs = (a, b)
    reference = runs[index].tree
    every = [list(range(r.tree["predictions"].sizes["chain"])) for r in runs]
    names = [number.name for number in INTERVALS]

    def numbers(keep: list[int]) -> xr.Dataset:
        lists = [keep if i == index else every[i] for i in range(2)]
        return pairwise_numbers(a, b, chains_a=lists[0], chains_b=lists[1], names=names)

    table = leave_one_chain_out(numbers, chains=len(every[index]))
    nulls = {number.name: number.null_for(reference) for number in INTERVALS}
    return "ab"[index], exceeds_spread(table, nulls, chains=len(every[index]))
