"""Answer a seismologist's questions from posterior files: predict scenarios, pick simulations.

``predict`` streams a scenario CSV through one or more posterior files into a CSV of
predictions; ``next`` scores candidates (a CSV, or Sobol points over the training box)
and keeps the ones most worth simulating. Both read and write in chunks, so memory
stays bounded whatever the number of rows, and both write through a temporary file:
a bad row anywhere leaves nothing behind.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import xarray as xr
from tqdm import tqdm

from analysis.predictive.evaluator import evaluator
from analysis.predictive.metrics import accuracy, probabilistic_scores
from analysis.predictive.scenarios import (
    SCORE_COLUMNS,
    feature_names,
    next_simulations,
    predict_scenarios,
    rank_candidates,
    sobol_candidates,
    standardise,
    training_box,
    training_range,
)
from common.atomic import atomic_stream
from inference.posterior.units import feature_labels, feature_units
from study.data.dataset import LABEL, DataError
from study.data.scenario_csv import ScenarioChunk, read_scenarios

__all__ = ["NextResult", "PredictResult", "predict_file", "rank_next"]

logger = logging.getLogger(__name__)

#: Columns the outputs write themselves: a scenario file may not hold them.
RESERVED = (*SCORE_COLUMNS, "file", "method", "scenario", "candidate")

#: The farthest a scenario's feature may lie from the training mean, in training sd:
#: beyond it the value is not one of this feature in the dataset's units.
MAX_STANDARD_UNITS = 1e6

#: Probabilities held at once per chunk (draws × rows): 8 MB of float64; the network's
#: hidden layer holds 12 times as many for up to 500 draws at a time.
_CHUNK_VALUES = 1_000_000


class NextResult(NamedTuple):
    """What ``next`` found: the best candidates, and the reach they are judged by.

    ``reach``: :attr:`analysis.predictive.scenarios.TrainingRange.reach`.
    """

    best: pd.DataFrame
    reach: float


@dataclass
class PredictResult:
    """What ``predict`` did: rows read, time, extrapolations, scores.

    ``extrapolating`` and ``reach``: per file, how many scenarios extrapolate and the
    distance beyond which one is far from its design; ``scores``: per file, if labels
    were given.
    """

    rows: int
    seconds: float
    extrapolating: dict[str, int]
    reach: dict[str, float]
    scores: dict[str, dict[str, float]] = field(default_factory=dict)


def _chunk_rows(trees: Sequence[xr.DataTree]) -> int:
    draws = max(t["posterior"].sizes["chain"] * t["posterior"].sizes["draw"] for t in trees)
    return max(1, _CHUNK_VALUES // draws)


def _check_features(trees: Sequence[xr.DataTree], names: Sequence[str]) -> list[str]:
    features, units = feature_names(trees[0]), feature_units(trees[0])
    for tree, name in zip(trees[1:], names[1:], strict=True):
        if feature_names(tree) != features:
            raise DataError(
                f"{name} names features {', '.join(feature_names(tree))}, but {names[0]} "
                f"names {', '.join(features)} (expected files of the same features, in the "
                "same order)"
            )
        if feature_units(tree) != units:
            raise DataError(
                f"{name} gives its features other units than {names[0]} (expected files of "
                "the same features in the same units)"
            )
    return features


def _names(files: Sequence[Path]) -> list[str]:
    """Each file's name in the output: its base name, or its path where base names repeat."""
    names = [f.name for f in files]
    if len(set(names)) < len(names):
        names = [str(f) for f in files]
    if len(set(names)) < len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise DataError(f"{twice} is given twice (expected each posterior file once)")
    return names


def _progress(rows: Iterator, *, show: bool, unit: str) -> Iterator:
    if not show:
        yield from rows
        return
    with tqdm(unit=f" {unit}", unit_scale=True, leave=False) as bar:
        for chunk in rows:
            yield chunk
            bar.update(len(chunk.X))


def _check_scale(tree: xr.DataTree, name: str, X: np.ndarray, *, source: Path, start: int) -> None:
    """Refuse a scenario more than :data:`MAX_STANDARD_UNITS` training sd from the mean.

    Such a value (a feature in other units, or 1e308) would overflow the standardised
    input or the network's sums: one line naming the row, the column and the file's range.
    """
    Z = np.abs(standardise(tree, X))
    bad = ~(Z <= MAX_STANDARD_UNITS)  # also catches inf and NaN
    if not bad.any():
        return
    row, column = np.argwhere(bad)[0]
    feature = feature_names(tree)[column]
    box = training_box(tree).loc[feature]
    raise DataError(
        f"{source}: data row {start + row + 1}, column {feature!r}: {X[row, column]:g} lies "
        f"more than {MAX_STANDARD_UNITS:g} training sd from {name}'s training values "
        f"(expected values in the dataset's units; they span {box['min']:g} to {box['max']:g})"
    )


def _scenario_frame(chunk: ScenarioChunk, features: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(chunk.X, columns=features)
    frame.index = pd.RangeIndex(chunk.start, chunk.start + len(frame), name="scenario")
    frame = pd.concat([chunk.extra.set_index(frame.index), frame], axis=1)
    if chunk.label is not None:
        frame[LABEL] = chunk.label
    return frame


def predict_file(
    files: Sequence[Path],
    trees: Sequence[xr.DataTree],
    scenarios: Path,
    output: Path,
    *,
    progress: bool = False,
) -> PredictResult:
    """Predict every scenario of a CSV under every posterior file; write one CSV.

    One output row per scenario and file, scenario by scenario: the scenario's own
    columns, ``file`` and ``method``, then the columns of
    :func:`analysis.predictive.scenarios.predict_scenarios`. Each file standardises the scenarios
    with its own training statistics and flags what lies outside its own training box.
    """
    start = time.perf_counter()
    names = _names(files)
    features = _check_features(trees, names)
    networks = [evaluator(t) for t in trees]
    ranges = [training_range(t) for t in trees]
    seen, extrapolating = 0, dict.fromkeys(names, 0)
    means = {n: [] for n in names}
    labels = []
    units = feature_units(trees[0])
    chunks = read_scenarios(
        scenarios, features, chunk_rows=_chunk_rows(trees), reserved=RESERVED, units=units
    )
    names_with_units = feature_labels(trees[0])
    with atomic_stream(output) as out:
        for chunk in _progress(chunks, show=progress, unit="rows"):
            frame = _scenario_frame(chunk, features)
            parts = []
            for name, tree, network, training in zip(names, trees, networks, ranges, strict=True):
                _check_scale(tree, name, chunk.X, source=scenarios, start=chunk.start)
                table = predict_scenarios(tree, chunk.X, network=network, training=training)
                table.index = frame.index
                parts.append(frame.assign(file=name, method=tree.attrs["method"]).join(table))
                extrapolating[name] += int(table["extrapolation"].sum())
                if chunk.label is not None:  # kept for the scores only
                    means[name].append(table["mean"].to_numpy())
            rows = pd.concat(parts).sort_index(kind="stable").rename(columns=names_with_units)
            rows.to_csv(out, header=seen == 0)
            seen += len(frame)
            if chunk.label is not None:
                labels.append(chunk.label)
    reach = {name: training.reach for name, training in zip(names, ranges, strict=True)}
    result = PredictResult(seen, time.perf_counter() - start, extrapolating, reach)
    if labels:
        y = np.concatenate(labels)
        for name in names:
            p_mean = np.concatenate(means[name])
            result.scores[name] = {"accuracy": accuracy(p_mean, y), **_scores(y, p_mean)}
    return result


def _scores(y: np.ndarray, p_mean: np.ndarray) -> dict[str, float]:
    if len(np.unique(y)) < 2:  # log loss and the like need both classes
        return {}
    return probabilistic_scores(y, p_mean).as_dict()


def _candidate_chunks(
    tree: xr.DataTree, *, candidates: Path | None, sobol: int | None, seed: int, rows: int
) -> Iterator[pd.DataFrame]:
    features = feature_names(tree)
    if candidates is not None:
        chunks = read_scenarios(
            candidates,
            features,
            chunk_rows=rows,
            labels=False,
            reserved=RESERVED,
            units=feature_units(tree),
        )
        for chunk in chunks:
            _check_scale(tree, "the posterior file", chunk.X, source=candidates, start=chunk.start)
            yield _scenario_frame(chunk, features).rename_axis("candidate")
        return
    points = sobol_candidates(training_box(tree), sobol, seed=seed).rename_axis("candidate")
    for begin in range(0, len(points), rows):
        yield points.iloc[begin : begin + rows]


def rank_next(
    tree: xr.DataTree,
    *,
    candidates: Path | None = None,
    sobol: int | None = None,
    seed: int = 0,
    by: str = "bald",
    k: int = 20,
    within: float | None = None,
) -> NextResult:
    """Return the ``k`` candidates most worth simulating next, from a CSV or Sobol points.

    Candidates are scored chunk by chunk and the best ``k`` so far kept, so the result
    is :func:`analysis.predictive.scenarios.next_simulations` of all candidates at once.
    """
    if (candidates is None) == (sobol is None):
        raise DataError("give candidates as a CSV file or a number of Sobol points, not both")
    network, training = evaluator(tree), training_range(tree)
    best = None
    for chunk in _candidate_chunks(
        tree, candidates=candidates, sobol=sobol, seed=seed, rows=_chunk_rows([tree])
    ):
        top = next_simulations(
            tree, chunk, by=by, k=k, within=within, network=network, training=training
        )
        pool = top if best is None else pd.concat([best, top])
        # ties go to the earlier candidate, as when all are ranked at once
        best = rank_candidates(pool.drop(columns="rank").sort_index(kind="stable"), by=by, k=k)
    return NextResult(best, training.reach)
