"""A leaderboard: every method's posterior file scored against one reference.

Each file is compared with the reference by :func:`analysis.comparison.two_files.compare_runs`, so
every number is the two-file comparison's (:func:`analysis.comparison.pairwise.pairwise_numbers`
of the file against the reference: the leaderboard is their N-way case), with the intervals from
the reference's own chains (:func:`analysis.comparison.two_files.reference_intervals`); the
leaderboard gathers them in one table and says, from the numbers, which methods' predictions lie
within the reference's own spread and which is the cheapest of those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from analysis.comparison.pairwise import PAIRWISE, point_numbers
from analysis.comparison.two_files import Comparison, compare_runs
from analysis.diagnostics.by_draw_kind import draw_kind
from analysis.file_analysis import FileAnalysis
from analysis.predictive.loo import compare_elpd
from inference.posterior.classes import PAPER_CLASSES, Classes

if TYPE_CHECKING:  # its scikit-learn models load only where baselines are fitted
    from analysis.comparison.baselines import Baselines

__all__ = ["Leaderboard", "leaderboard"]

#: The test metrics of each row, from the comparison's prediction table.
METRICS = ("accuracy", "f1_weighted", "f1_propagate", "roc_auc", "log_loss", "brier", "ece")


@dataclass(frozen=True)
class Leaderboard:
    """Results of :func:`leaderboard`.

    Attributes
    ----------
    reference : str
        The reference's label.
    table : pandas.DataFrame
        One row per file (the reference first), columns documented in the README.
    comparisons : dict of str to Comparison
        Each other file against the reference.
    conclusion : list of str
        Sentences written from the table.
    baselines : tuple of str
        The labels of the rows that are non-Bayesian baselines, not posterior files.
    classes : Classes
        What the reference's ``y`` = 0 and 1 mean.
    """

    reference: str
    table: pd.DataFrame
    comparisons: dict[str, Comparison]
    conclusion: list[str]
    baselines: tuple[str, ...] = ()
    classes: Classes = PAPER_CLASSES


def _labels(runs: Sequence[FileAnalysis]) -> list[str]:
    """Name the runs by method, numbered where one method appears more than once."""
    names = [run.method for run in runs]
    return [
        f"{name} ({names[: k + 1].count(name)})" if names.count(name) > 1 else name
        for k, name in enumerate(names)
    ]


def _row(comparison: Comparison, run: FileAnalysis, *, side: int) -> dict:
    label = comparison.labels[side]
    metrics = comparison.predictions[label]
    cost = comparison.cost[label]
    independent = draw_kind(run.tree) == "independent"  # judged by PSIS k-hat; chains are not
    khat = run.diagnostics.khat if independent else np.nan
    return {m: float(metrics[m]) for m in METRICS} | {
        "khat": float(khat),
        "fit_seconds": float(cost["fit_seconds"]),
        "gradient_evaluations": float(cost["gradient_evaluations"]),
    }


def _columns(numbers: xr.Dataset) -> dict[str, float]:
    """Pick the pairwise numbers the leaderboard shows, under their column names."""
    return {n.column: float(numbers[n.name]) for n in PAIRWISE if n.column and n.name in numbers}


def _against(comparison: Comparison) -> dict:
    row = _columns(comparison.numbers)
    intervals = comparison.intervals
    if intervals is not None and comparison.reference == comparison.labels[1]:
        mad = intervals.loc["mean_abs_diff"]
        row |= {
            "mean_abs_diff_se": float(mad["se"]),
            "mean_abs_diff_null": float(mad["null"]),
            "beyond_reference_spread": bool(mad["exceeds"]) if mad["measurable"] else None,
        }
    return row


def _baseline_rows(baselines: Baselines, reference: FileAnalysis) -> dict[str, dict]:
    """Score each baseline's predictions against the reference's mean predictions."""
    p_ref = reference.predictive["mean"].to_numpy()
    rows = {}
    for name, scores in baselines.table.iterrows():
        p = baselines.p.sel(baseline=name).to_numpy()
        rows[f"{name} (baseline)"] = (
            {m: float(scores[m]) for m in METRICS}
            | {"fit_seconds": float(scores["fit_seconds"])}
            | {"kernel_rows": float(scores["kernel_rows"])}
            | _columns(point_numbers(p, p_ref))
        )
    return rows


def leaderboard(
    runs: Sequence[FileAnalysis],
    *,
    reference: FileAnalysis,
    labels: Sequence[str] | None = None,
    baselines: Baselines | None = None,
) -> Leaderboard:
    """Score every analysed file against the reference's.

    Parameters
    ----------
    runs : sequence of FileAnalysis
        The other files' analyses (:func:`analysis.file_analysis.analyse_run`).
    reference : FileAnalysis
        The reference's (NUTS with several chains, for intervals).
    labels : sequence of str, optional
        Names of ``runs`` (default: their methods, numbered when repeated); the reference
        is named by its method with "(reference)".
    baselines : Baselines, optional
        Non-Bayesian baselines (:func:`analysis.comparison.baselines.fit_baselines`), added as rows
        named "NAME (baseline)": their test metrics and the numbers two mean predictions
        give against the reference's (:func:`analysis.comparison.pairwise.point_numbers`);
        no weight-space columns.

    Returns
    -------
    Leaderboard

    Raises
    ------
    analysis.comparison.two_files.ComparisonError
        A file's test set or network differs from the reference's.

    Examples
    --------
    >>> from analysis.file_analysis import analyse_run
    >>> from inference.testing import tiny_posterior_file
    >>> ref = analyse_run(tiny_posterior_file("nuts", chains=3), n_repeats=1)
    >>> board = leaderboard([analyse_run(tiny_posterior_file("advi"), n_repeats=1)], reference=ref)
    >>> board.table.index.tolist()
    ['nuts (reference)', 'advi']
    >>> float(board.table.loc["nuts (reference)", "mean_abs_diff"])
    0.0
    """
    labels = list(labels) if labels is not None else _labels(runs)
    ref_label = f"{reference.method} (reference)"
    comparisons, rows = {}, {}
    for label, run in zip(labels, runs, strict=True):
        comparison = compare_runs(
            run, reference, answers=False, chains=False
        )  # a row shows neither
        comparisons[label] = comparison
        rows[label] = _row(comparison, run, side=0) | _against(comparison)
    first = next(iter(comparisons.values()), None)
    own = _row(first, reference, side=1) if first else {}
    floor = rows[labels[0]].get("mean_abs_diff_null", np.nan) if labels else np.nan
    own |= {n.column: n.same for n in PAIRWISE if n.column} | {"mean_abs_diff_null": floor}
    extra = _baseline_rows(baselines, reference) if baselines is not None else {}
    files = {ref_label: reference, **dict(zip(labels, runs, strict=True))}
    elpd = compare_elpd(
        {label: run.tree for label, run in files.items()},
        {label: run.elpd for label, run in files.items()},
    )
    table = pd.DataFrame.from_dict({ref_label: own, **rows, **extra}, orient="index")
    table = table.join(elpd.table)
    conclusion = (
        _conclusion(table.drop(index=list(extra)), ref_label)
        + ([elpd.sentence] if elpd.sentence else [])
        + _baseline_line(table, extra, ref_label)
    )
    return Leaderboard(
        ref_label, table, comparisons, conclusion, tuple(extra), classes=reference.classes
    )


def _baseline_line(table: pd.DataFrame, baselines: Sequence[str], reference: str) -> list[str]:
    if not baselines:
        return []
    best = table.loc[list(baselines), "accuracy"].idxmax()
    return [
        f"Non-Bayesian baselines, trained on the reference's training rows: the most accurate "
        f"is {best} ({table.loc[best, 'accuracy']:.4f}, against {reference}'s "
        f"{table.loc[reference, 'accuracy']:.4f}); they have no posterior to compare."
    ]


def _conclusion(table: pd.DataFrame, reference: str) -> list[str]:
    others = table.drop(index=reference)
    if others.empty:
        return ["Only the reference: nothing to compare."]
    if "beyond_reference_spread" not in others or others["beyond_reference_spread"].isna().all():
        return [
            f"{reference} has fewer than two Markov chains, so its own Monte Carlo error is "
            "unknown: no method can be said to lie within it. Closest predictions: "
            f"{others['mean_abs_diff'].idxmin()} (mean |Δp̄| "
            f"{others['mean_abs_diff'].min():.4f})."
        ]
    beyond = others["beyond_reference_spread"].astype(bool)
    within = others[~beyond].sort_values("fit_seconds")
    lines = [
        f"Mean |Δp̄| to {reference} against its own spread (jackknife over its chains; the "
        f"floor of an exact method: {table.loc[reference, 'mean_abs_diff_null']:.4f})."
    ]
    if within.empty:
        lines.append("No method's predictions lie within the reference's own spread.")
    else:
        cheapest = within.index[0]
        lines.append(
            f"Within it: {', '.join(within.index)}; the cheapest is {cheapest} "
            f"({within.loc[cheapest, 'fit_seconds']:.1f} s of fit)."
        )
    if beyond.any():
        far = others[beyond].sort_values("mean_abs_diff")
        lines.append(
            "Beyond it: "
            + ", ".join(f"{label} ({row['mean_abs_diff']:.4f})" for label, row in far.iterrows())
            + "."
        )
    return lines
