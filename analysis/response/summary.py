"""What a seismologist reads from one posterior file: response curves, maps, next simulations.

Gathers, for a report, the response curves of each feature (:mod:`analysis.response.curves`),
the maps of the most important pairs (:mod:`analysis.response.maps`) and the candidates
most worth simulating next (:func:`analysis.predictive.scenarios.next_simulations`), all in the
dataset's physical units and all from the file alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from analysis.predictive.acquisition import NEXT_CANDIDATES, NEXT_K
from analysis.predictive.evaluator import Evaluator, evaluator
from analysis.predictive.scenarios import (
    next_simulations,
    sobol_candidates,
    training_range,
    training_values,
)
from analysis.response.curves import (
    CORRELATED,
    accumulated_local_effects,
    correlated_pairs,
    curve_summary,
    effect_sizes,
    partial_dependence,
)
from analysis.response.maps import important_pairs, partial_dependence_map

__all__ = [
    "ResponseSummary",
    "answers",
    "effects_side_by_side",
    "next_overlap",
]


@dataclass(frozen=True)
class ResponseSummary:
    """Results of :func:`answers`.

    ``partial`` and ``ale``: :func:`analysis.response.curves.curve_summary` of the partial
    dependence
    and the accumulated local effects; ``effects``: each feature's effect size by both,
    largest ALE first; ``correlated``: the design's correlated pairs; ``lead``: the
    estimate the report leads with and why; ``maps``: the partial-dependence maps of the
    most important pairs; ``next``: the best :data:`NEXT_K` of :data:`NEXT_CANDIDATES`
    Sobol candidates by BALD; ``training`` and ``labels``: the training simulations in
    physical units and their outcomes; ``spacing``: the median distance between neighbouring
    training simulations, ``reach`` the distance beyond which a candidate is far from the
    design (:class:`analysis.predictive.scenarios.TrainingRange`).
    """

    partial: xr.Dataset
    ale: xr.Dataset
    effects: pd.DataFrame
    correlated: pd.DataFrame
    lead: tuple[str, str]
    maps: list[xr.Dataset]
    next: pd.DataFrame
    training: pd.DataFrame
    labels: np.ndarray
    spacing: float
    reach: float


def _lead(correlated: pd.DataFrame) -> tuple[str, str]:
    if correlated.empty:
        return "pd", (
            f"no two features have |Spearman ρ| ≥ {CORRELATED} in the training design, so "
            "partial dependence averages over combinations the design contains"
        )
    strongest = correlated.iloc[0]
    return "ale", (
        f"{len(correlated)} pair(s) of features have |Spearman ρ| ≥ {CORRELATED} in the "
        f"training design (strongest {strongest['a']}–{strongest['b']}, "
        f"ρ = {strongest['spearman']:.2f}): partial dependence would average over "
        "combinations never simulated, accumulated local effects do not"
    )


def _effects(pd_curves: xr.DataArray, ale_curves: xr.DataArray) -> pd.DataFrame:
    both = [
        effect_sizes(curves).add_prefix(f"{name}_")
        for name, curves in (("ale", ale_curves), ("pd", pd_curves))
    ]
    return pd.concat(both, axis=1).sort_values("ale_effect", ascending=False)


def answers(
    tree: xr.DataTree,
    *,
    order: list[str],
    random_state: int = 0,
    network: Evaluator | None = None,
) -> ResponseSummary:
    """Compute the response curves, maps and next simulations of one posterior file.

    Parameters
    ----------
    tree : xarray.DataTree
        A posterior file.
    order : list of str
        The features by importance, most important first (the maps show the pairs
        among the first three).
    random_state : int
        Seed of the training rows the partial dependence averages over.
    network : callable, optional
        From :func:`analysis.predictive.evaluator.evaluator`.

    Returns
    -------
    ResponseSummary

    Examples
    --------
    >>> from inference.testing import tiny_posterior_file
    >>> tree = tiny_posterior_file()
    >>> result = answers(tree, order=["x2", "x4", "x0"])
    >>> [m.attrs["x"] + "-" + m.attrs["y"] for m in result.maps]
    ['x2-x4', 'x2-x0', 'x4-x0']
    >>> len(result.next), result.lead[0] in ("pd", "ale")
    (20, True)
    """
    network = network or evaluator(tree)
    pd_curves = partial_dependence(tree, random_state=random_state, network=network)
    ale_curves = accumulated_local_effects(tree, network=network)
    correlated = correlated_pairs(tree)
    training = training_range(tree)
    pool = sobol_candidates(training.box, NEXT_CANDIDATES, seed=0).rename_axis("candidate")
    return ResponseSummary(
        partial=curve_summary(pd_curves),
        ale=curve_summary(ale_curves),
        effects=_effects(pd_curves, ale_curves),
        correlated=correlated,
        lead=_lead(correlated),
        maps=[
            partial_dependence_map(tree, pair, random_state=random_state, network=network)
            for pair in important_pairs(order)
        ],
        next=next_simulations(tree, pool, k=NEXT_K, network=network, training=training),
        spacing=training.spacing,
        reach=training.reach,
        training=training_values(tree),
        labels=tree["observed_data"]["y"].to_numpy().astype(np.int64),
    )


def _band_width(summary: xr.Dataset) -> pd.Series:
    width = (summary["upper"] - summary["lower"]).mean("point").to_pandas()
    width.index = width.index.astype(str)
    return width


def effects_side_by_side(runs: dict[str, ResponseSummary]) -> pd.DataFrame:
    """Each feature's effect sizes under each run, and how wide its bands are.

    Returns
    -------
    pandas.DataFrame
        Index the features, ordered by the first run's ALE effect; per run ``ale`` and
        ``pd`` (effect sizes), and ``ale band`` (the mean width of the 90 % ALE band); with
        two runs, ``band ratio``: the first run's band width over the second's (below 1:
        the first is more certain of the feature's effect).
    """
    columns = {}
    for label, run in runs.items():
        columns[(label, "ale")] = run.effects["ale_effect"]
        columns[(label, "pd")] = run.effects["pd_effect"]
        columns[(label, "ale band")] = _band_width(run.ale)
    table = pd.DataFrame(columns)
    labels = list(runs)
    if len(labels) == 2:
        table[("", "band ratio")] = table[(labels[0], "ale band")] / table[(labels[1], "ale band")]
    first = runs[labels[0]].effects.index
    return table.loc[first]


def next_overlap(a: ResponseSummary, b: ResponseSummary) -> dict[str, int | bool]:
    """How many of the two runs' next simulations are the same candidates.

    Both lists come from the same Sobol candidates only if the runs share a training
    box; otherwise ``same_pool`` is False and ``shared`` counts nothing.

    Returns
    -------
    dict
        ``k`` (length of the lists), ``shared`` (candidates in both), ``candidates``
        (size of the pool), ``same_pool``.
    """
    same = a.training.min().equals(b.training.min()) and a.training.max().equals(b.training.max())
    shared = len(set(a.next.index) & set(b.next.index)) if same else 0
    return {"k": len(a.next), "shared": shared, "candidates": NEXT_CANDIDATES, "same_pool": same}
