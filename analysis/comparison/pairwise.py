"""What sets two posteriors apart, number by number: each number declared once, in :data:`PAIRWISE`.

:func:`pairwise_numbers` computes them for a posterior ``a`` against a posterior ``b``. The
two-file comparison (:mod:`analysis.comparison.two_files`) reports them; the intervals from the
reference's chains (:mod:`analysis.comparison.reference_error`) recompute the ones with a null
value (:data:`INTERVALS`) leaving out one of the reference's chains at a time; the leaderboard
(:mod:`analysis.comparison.leaderboard`) is their N-way case, each row a file against the
reference. Its JSON keys, the conclusion's words and the reports' notes are read from the table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from analysis.comparison.measures import (
    MeanPair,
    Pair,
    accuracy_difference,
    class_agreement,
    exact_run_mean_abs_diff,
    kendall_tau,
    mean_abs_diff,
    mean_sd_ratio,
    mean_wasserstein,
    std_correlation,
    std_ratio,
)

if TYPE_CHECKING:
    from analysis.file_analysis import FileAnalysis

__all__ = [
    "INTERVALS",
    "NUMBERS",
    "PAIRWISE",
    "PairwiseNumber",
    "pairwise_numbers",
    "point_numbers",
]


@dataclass(frozen=True)
class PairwiseNumber:
    """One number of a posterior ``a`` against a posterior ``b``.

    Attributes
    ----------
    name : str
        Its key in the comparison's and the intervals' JSON and in :func:`pairwise_numbers`.
    label : str
        How the conclusion names it.
    meaning : str
        What it is, one phrase, for the reports' notes.
    same : float
        Its value for a posterior against itself (the leaderboard's reference row).
    compute : callable
        From the pair's inputs to the number.
    null : float or callable, optional
        Its value if ``a`` and ``b`` differed only by the reference's own Monte Carlo error, a
        constant or computed from the reference's file; None: it has no interval from the
        reference's chains. Every number with a null is recomputed on fewer chains, and
        exceeds the reference's spread on either side of the null (|value − null| > 1.96 se).
    null_meaning : str
        How a computed null is derived, in words, for the reports' notes.
    point : bool
        Whether it needs only the two mean predictions (so baselines have it too).
    group : str, optional
        The object of the comparison's JSON that holds it (``""``: the top level); None: not
        written there.
    column : str, optional
        Its column in the leaderboard; None: not shown there.
    """

    name: str
    label: str
    meaning: str
    same: float
    compute: Callable[[Pair], float]
    null: float | Callable[[xr.DataTree], float] | None = None
    null_meaning: str = ""
    point: bool = False
    group: str | None = None
    column: str | None = None

    def null_for(self, reference: xr.DataTree) -> float:
        """Return the null value, computed from ``reference``'s file where it depends on it."""
        return float(self.null(reference) if callable(self.null) else self.null)


def _of_means(function: Callable[[np.ndarray, np.ndarray], float]) -> Callable[[Pair], float]:
    return lambda pair: function(*pair.means)


#: Every number of one posterior against another, in the order the reports list them.
PAIRWISE = (
    PairwiseNumber(
        "accuracy_difference",
        "the accuracy difference",
        "test accuracy of A minus that of B, threshold 0.5",
        0.0,
        accuracy_difference,
        null=0.0,
    ),
    PairwiseNumber(
        "class_agreement",
        "the class agreement",
        "share of test simulations given the same class at 0.5",
        1.0,
        _of_means(class_agreement),
        null=1.0,
        point=True,
        group="agreement",
        column="class_agreement",
    ),
    PairwiseNumber(
        "mean_abs_diff",
        "the mean |Δp̄|",
        "mean |p̄_A − p̄_B| over the test simulations (average total variation distance of the "
        "two predictive distributions)",
        0.0,
        _of_means(mean_abs_diff),
        null=exact_run_mean_abs_diff,
        null_meaning="√(2/π) × the reference's mean chain-to-chain Monte Carlo error",
        point=True,
        group="agreement",
        column="mean_abs_diff",
    ),
    PairwiseNumber(
        "std_ratio",
        "the std ratio",
        "mean predictive std of A over that of B",
        1.0,
        std_ratio,
        null=1.0,
        group="agreement",
        column="std_ratio",
    ),
    PairwiseNumber(
        "std_correlation",
        "the correlation of the stds",
        "Pearson correlation of the per-simulation predictive stds",
        1.0,
        std_correlation,
        group="agreement",
    ),
    *(
        PairwiseNumber(
            f"mean_sd_ratio_{name}",
            f"the {name} sd ratio",
            f"mean over {name}'s weights of the posterior sd under A over that under B, "
            "hidden units aligned",
            1.0,
            mean_sd_ratio(name),
            null=1.0,
            group="weights",
        )
        for name in ("w0", "w1")
    ),
    *(
        PairwiseNumber(
            f"mean_wasserstein_{name}",
            f"the mean Wasserstein-1 distance of {name}",
            f"mean over {name}'s weights of the Wasserstein-1 distance between A's and B's "
            "marginals, hidden units aligned",
            0.0,
            mean_wasserstein(name),
            group="weights",
            column=f"mean_wasserstein_{name}",
        )
        for name in ("w0", "w1")
    ),
    PairwiseNumber(
        "kendall_tau_importance",
        "Kendall's τ",
        "Kendall's τ between the two rankings of mean F1 drop (permutation importance)",
        1.0,
        kendall_tau,
        null=1.0,
        group="",
        column="kendall_tau",
    ),
)
#: The numbers by name.
NUMBERS = {number.name: number for number in PAIRWISE}
#: The numbers with an interval from the reference's chains (those with a null value).
INTERVALS = tuple(number for number in PAIRWISE if number.null is not None)


def _dataset(values: dict[str, float]) -> xr.Dataset:
    return xr.Dataset(
        {
            name: xr.DataArray(value, attrs={"long_name": NUMBERS[name].label})
            for name, value in values.items()
        }
    )


def pairwise_numbers(
    a: FileAnalysis,
    b: FileAnalysis,
    *,
    chains_a: list[int] | None = None,
    chains_b: list[int] | None = None,
    names: Sequence[str] | None = None,
) -> xr.Dataset:
    """Compute the numbers of posterior ``a`` against posterior ``b`` (:data:`PAIRWISE`).

    Parameters
    ----------
    a, b : FileAnalysis
        The two files' analyses (:func:`analysis.file_analysis.analyse_run`).
    chains_a, chains_b : list of int, optional
        Positions of the chains to keep (default: every chain, through the analysis's own
        pooled summaries); the jackknife of the reference's chains leaves one out.
    names : sequence of str, optional
        Which numbers (default: all), computed in :data:`PAIRWISE`'s order.

    Returns
    -------
    xarray.Dataset
        One scalar variable per number, its ``long_name`` the conclusion's label.

    Examples
    --------
    >>> from analysis.file_analysis import analyse_run
    >>> from inference.testing import tiny_posterior_file
    >>> run = analyse_run(tiny_posterior_file("nuts", chains=3), n_repeats=1)
    >>> numbers = pairwise_numbers(run, run, chains_b=[0, 1])
    >>> list(numbers.data_vars)[:3]
    ['accuracy_difference', 'class_agreement', 'mean_abs_diff']
    >>> float(pairwise_numbers(run, run, names=["mean_abs_diff"])["mean_abs_diff"])
    0.0
    """
    wanted = [n for n in PAIRWISE if names is None or n.name in names]
    pair = Pair((a, b), (chains_a, chains_b))
    return _dataset({number.name: number.compute(pair) for number in wanted})


def point_numbers(p_a: np.ndarray, p_b: np.ndarray) -> xr.Dataset:
    """Compute the numbers that two mean predictions alone give (those ``point`` in the table).

    Examples
    --------
    >>> numbers = point_numbers(np.array([0.9, 0.4]), np.array([0.7, 0.6]))
    >>> {name: round(float(v), 3) for name, v in numbers.items()}
    {'class_agreement': 0.5, 'mean_abs_diff': 0.2}
    """
    means = (np.asarray(p_a), np.asarray(p_b))
    return _dataset({n.name: n.compute(MeanPair(means)) for n in PAIRWISE if n.point})
