"""A design study's learning curves: their areas, paired by seed, and what they say.

The table is ``design.csv``: one row per (method, acquisition, seed, round). A learning
curve is one loop's test accuracy (or log loss) against the simulations run. Its area
is the trapezoid mean over the simulations, so that it reads as an average accuracy.
Every acquisition of one seed starts from the same initial set, so areas are compared
as paired differences per seed: their mean and a Student-t interval over the seeds
(95 %; none from one seed: "not measurable").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

__all__ = [
    "CORE_HOURS",
    "area_table",
    "conclusion",
    "decision_map",
    "paired_differences",
    "to_reach",
]

#: The interval's coverage.
LEVEL = 0.95
#: What one simulation costs: the paper's 2 hours on 8 processors.
CORE_HOURS = 2 * 8


def _area(group: pd.DataFrame, metric: str) -> float:
    curve = group.sort_values("n_simulations")
    n, value = curve["n_simulations"].to_numpy(float), curve[metric].to_numpy(float)
    if len(n) < 2:
        return float(value[0]) if len(value) else np.nan
    return float(np.trapezoid(value, n) / (n[-1] - n[0]))


def area_table(table: pd.DataFrame, *, metric: str = "accuracy") -> pd.DataFrame:
    """Return the area under each loop's learning curve, per method, acquisition and seed.

    Examples
    --------
    >>> table = pd.DataFrame({"method": "advi", "acquisition": "random", "seed": 0,
    ...                       "n_simulations": [10, 20, 30], "accuracy": [0.6, 0.8, 0.8]})
    >>> float(area_table(table)["area"].iloc[0])
    0.75
    """
    keys = ["method", "acquisition", "seed"]
    areas = table.groupby(keys).apply(_area, metric=metric, include_groups=False)
    return areas.rename("area").reset_index()


def _interval(diff: pd.Series) -> dict:
    """Mean and Student-t interval of paired differences (NaN bounds from one seed)."""
    diff = diff.dropna()
    mean, half = float(diff.mean()) if len(diff) else np.nan, np.nan
    if len(diff) > 1:
        half = float(stats.t.ppf(0.5 + LEVEL / 2, len(diff) - 1) * diff.std(ddof=1))
        half /= np.sqrt(len(diff))
    return {"seeds": len(diff), "mean": mean, "lower": mean - half, "upper": mean + half}


#: The columns of :func:`paired_differences`.
PAIRED_COLUMNS = [
    "comparison",
    "method",
    "acquisition",
    "against",
    "seeds",
    "mean",
    "lower",
    "upper",
]


def paired_differences(
    table: pd.DataFrame, *, model_free: Sequence[str], metric: str = "accuracy"
) -> pd.DataFrame:
    """Differences of areas under the learning curves, paired by seed, with intervals.

    Four kinds of row, each a per-seed difference (its mean and t-interval over the seeds):

    - ``against`` a model-free acquisition (``model_free``: ``random``, ``spread``): an
      acquisition's area minus its, within a method (model-free ones against those
      listed before them);
    - ``against`` a method (the first in alphabetical order, e.g. ``advi``): another
      method's area minus its own, with the same acquisition. The model-free acquisitions
      pick the same simulations under every method, so their rows measure the fit alone;
    - ``against`` ``<method> picks``: how much more a model-based acquisition gains over
      the first model-free one (``random``) under this method than under the first
      method, ``(A - A_random) - (A' - A'_random)``: what the better posterior's picks add
      beyond its fit.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PAIRED_COLUMNS`; ``comparison`` says each row in words.

    Examples
    --------
    >>> table = pd.DataFrame({
    ...     "method": "advi", "seed": [0, 0, 1, 1, 0, 0, 1, 1], "n_simulations": [10, 20] * 4,
    ...     "acquisition": ["random"] * 4 + ["bald"] * 4,
    ...     "accuracy": [0.6, 0.7, 0.6, 0.8, 0.7, 0.8, 0.6, 0.9]})
    >>> row = paired_differences(table, model_free=["random"]).iloc[0]
    >>> row["comparison"], float(round(row["mean"], 4)), int(row["seeds"])
    ('advi: bald - random', 0.075, 2)
    """
    areas = area_table(table, metric=metric).set_index(["method", "acquisition", "seed"])["area"]
    have = set(areas.index.droplevel("seed"))
    rows = []

    def add(text, method, acquisition, against, diff):
        rows.append({"comparison": text, "method": method, "acquisition": acquisition,
                     "against": against, **_interval(diff)})  # fmt: skip

    def area(method, acquisition):
        return areas.loc[(method, acquisition)] if (method, acquisition) in have else None

    order = list(model_free)
    for method, acquisition in sorted(have):
        bases = order[: order.index(acquisition)] if acquisition in order else order
        for base in (b for b in bases if area(method, b) is not None):
            diff = area(method, acquisition) - area(method, base)
            add(f"{method}: {acquisition} - {base}", method, acquisition, base, diff)
    first = min((m for m, _ in have), default=None)
    for method, acquisition in sorted(have):
        if method == first or area(first, acquisition) is None:
            continue
        diff = area(method, acquisition) - area(first, acquisition)
        add(f"{acquisition}: {method} - {first}", method, acquisition, first, diff)
        gains = [area(m, order[0]) for m in (method, first)] if order else [None]
        if acquisition not in order and all(g is not None for g in gains):
            text = f"{acquisition}'s gain over {order[0]}: {method} - {first}"
            add(text, method, acquisition, f"{first} picks", diff - (gains[0] - gains[1]))
    return pd.DataFrame(rows, columns=PAIRED_COLUMNS)


def _reading(row: pd.Series) -> str:
    if row["seeds"] < 2:
        return f"not measurable from {row['seeds']} seed"
    if row["lower"] > 0:
        return "higher"
    if row["upper"] < 0:
        return "lower"
    return "not distinguishable"


def conclusion(differences: pd.DataFrame) -> list[str]:
    """One sentence per paired comparison, saying first what the interval allows.

    Examples
    --------
    >>> d = pd.DataFrame({"comparison": ["nuts: bald - random"], "seeds": [3],
    ...                   "mean": [0.02], "lower": [0.01], "upper": [0.03], "against": "random"})
    >>> conclusion(d)[0].split(" (")[0]
    'nuts: bald - random: higher'
    """
    lines = []
    for _, row in differences.iterrows():
        interval = (
            f", {LEVEL:.0%} interval [{row['lower']:+.4f}, {row['upper']:+.4f}]".replace("%", " %")
            if row["seeds"] > 1
            else ""
        )
        lines.append(
            f"{row['comparison']}: {_reading(row)} (area under the accuracy curve "
            f"{row['mean']:+.4f}{interval} over {row['seeds']} seeds)."
        )
    return lines


def _first(group: pd.DataFrame, metric: str, target: float, *, above: bool) -> float:
    curve = group.sort_values("n_simulations")
    met = curve[metric] >= target if above else curve[metric] <= target
    return float(curve.loc[met, "n_simulations"].iloc[0]) if met.any() else np.nan


def to_reach(table: pd.DataFrame, *, accuracy: float, log_loss: float) -> pd.DataFrame:
    """Count the simulations each loop needs to come near the full-data reference.

    Within 0.01 of its test accuracy, and within 5 % of its test log loss; NaN where a
    loop never does within its budget. Per method and acquisition: the mean over seeds,
    the lowest and the highest seed, the seeds that got there, and the mean in core-hours
    at the paper's cost (:data:`CORE_HOURS` a simulation).

    Examples
    --------
    >>> table = pd.DataFrame({"method": "advi", "acquisition": "bald", "seed": [0, 0, 1, 1],
    ...                       "n_simulations": [10, 20, 10, 20], "accuracy": [0.7, 0.8, 0.8, 0.8],
    ...                       "log_loss": [0.6, 0.5, 0.5, 0.5]})
    >>> row = to_reach(table, accuracy=0.805, log_loss=0.5).iloc[0]
    >>> float(row["accuracy_mean"]), int(row["accuracy_reached"]), float(row["accuracy_core_hours"])
    (15.0, 2, 240.0)
    """
    keys = ["method", "acquisition", "seed"]
    targets = {"accuracy": (accuracy - 0.01, True), "log_loss": (1.05 * log_loss, False)}
    columns = {}
    for metric, (target, above) in targets.items():
        first = table.groupby(keys).apply(
            _first, metric=metric, target=target, above=above, include_groups=False
        )
        by = first.groupby(level=["method", "acquisition"])
        columns |= {
            f"{metric}_mean": by.mean(),
            f"{metric}_min": by.min(),
            f"{metric}_max": by.max(),
            f"{metric}_reached": by.count(),
            f"{metric}_core_hours": by.mean() * CORE_HOURS,
        }
    return pd.DataFrame(columns).reset_index()


def decision_map(tree: xr.DataTree) -> xr.Dataset:
    """Map the full-data posterior's partial dependence on its two most effective features.

    The features are ranked by the range of their mean partial-dependence curve
    (:func:`analysis.response.curves.effect_sizes`); the map is
    :func:`analysis.response.maps.partial_dependence_map` of the first two, whose 50 %
    contour is the decision boundary the picks are drawn over.
    """
    from analysis.predictive.evaluator import evaluator
    from analysis.response.curves import effect_sizes, partial_dependence
    from analysis.response.maps import partial_dependence_map

    network = evaluator(tree)
    order = effect_sizes(partial_dependence(tree, network=network)).index.tolist()
    return partial_dependence_map(tree, (order[0], order[1]), network=network)
