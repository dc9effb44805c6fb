"""One loop of a design, round by round: fit on the acquired rows, score the pool, acquire.

A loop is one (method, acquisition, seed). It starts from a stratified, seeded initial
set that depends on the seed alone, so that every method and acquisition of one seed
starts from the same rows (paired). Each round fits the method on the rows acquired so
far with the ordinary pipeline (an ordinary posterior file, checked against the contract
when written), scores it on the test set, and picks the next batch from the rest of the
pool (:mod:`study.design.acquisition`). :func:`design_round` runs on a Dask worker and
returns the file as bytes and the round's record; the client writes both.

Every round fits on its rows padded to the budget with rows of weight 0, which change
neither the posterior nor its gradient, and JAX keeps what it compiles on disk
(:mod:`inference.backends.jax_programs`): the rounds of every loop run the same compiled
programs. A NUTS round on the paper's data (4 chains, 250 + 250 steps, one core) took
6.5-9.9 s this way after the first, against 24.7-33.8 s fitted on its own rows
(benchmarks/README.md). The file holds the acquired rows alone and says the fit's row
count in its attr ``design_fit_rows``.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
import xarray as xr

from analysis.diagnostics.modes import accuracy_mcse, pooled_mcse
from analysis.predictive.evaluator import evaluator
from analysis.predictive.metrics import accuracy, probabilistic_scores
from analysis.predictive.uncertainty import summarise_draws
from common.seeds import random_stream
from inference.backends.runtime import Runtime
from inference.posterior import storage
from study.config import RunConfig
from study.data.dataset import LABEL, DataError, Dataset
from study.data.split import stratified_subset
from study.design.acquisition import acquire

__all__ = ["Loop", "Schedule", "design_round", "initial_rows", "test_scores"]

#: The group that names a round's training rows: their positions in the pool.
ROWS_GROUP = "train_subset"
#: The file attribute that says the fit ran on its rows padded to this many of weight 0.
PADDED = "design_fit_rows"


@dataclass(frozen=True)
class Loop:
    """One (method, acquisition, seed) of a design."""

    method: str
    acquisition: str
    seed: int

    @property
    def name(self) -> str:
        """The loop's folder, e.g. ``nuts-bald-seed2``."""
        return f"{self.method}-{self.acquisition}-seed{self.seed}"


@dataclass(frozen=True)
class Schedule:
    """How many simulations a design starts from, adds each round, and ends with.

    Examples
    --------
    >>> Schedule(initial=50, batch=25, budget=120).sizes()
    [50, 75, 100, 120]
    """

    initial: int
    batch: int
    budget: int
    beta: float = 1.0

    def sizes(self) -> list[int]:
        """Return the number of simulations each round fits on."""
        sizes = list(range(self.initial, self.budget, self.batch))
        return [*sizes, self.budget]


def initial_rows(labels: np.ndarray, size: int, *, seed: int) -> np.ndarray:
    """Draw a seed's initial set: ``size`` pool rows, stratified by label, both classes.

    The same for every method and acquisition of the seed.

    Raises
    ------
    DataError
        The set would hold one class only.

    Examples
    --------
    >>> labels = np.array([0] * 70 + [1] * 30)
    >>> rows = initial_rows(labels, 10, seed=0)
    >>> again = initial_rows(labels, 10, seed=0)
    >>> len(rows), int(labels[rows].sum()), rows.tolist() == again.tolist()
    (10, 3, True)
    """
    rows = stratified_subset(labels, size, random_state=random_stream(seed, "design initial"))
    if len(np.unique(labels[rows])) < 2:
        raise DataError(
            f"--initial {size}: the initial set of seed {seed} holds one class only "
            f"(expected both: a larger --initial, the pool has {int(labels.sum())} of "
            f"{len(labels)} in class 1)"
        )
    return rows


def _standardised(dataset: Dataset, tree: xr.DataTree) -> np.ndarray:
    """Standardise the pool's inputs as the file's network takes them."""
    data = tree["constant_data"]
    x = dataset.train[list(dataset.features)].to_numpy(dtype=float)
    return (x - data["x_mean"].to_numpy()) / data["x_std"].to_numpy()


def test_scores(tree: xr.DataTree, reference: np.ndarray | None = None) -> dict:
    """Score a file's mean test predictions; ``mean_abs_diff_full`` to ``reference``'s.

    ``mc_error_p`` and ``mc_error_accuracy`` are the Monte Carlo errors of the mean
    prediction (averaged over the test set) and of the accuracy, from chain to chain
    (:func:`~analysis.diagnostics.modes.pooled_mcse`,
    :func:`~analysis.diagnostics.modes.accuracy_mcse`); NaN for one chain.
    """
    draws = tree["predictions"]["p"]
    p = draws.mean(("chain", "draw")).to_numpy()
    y = tree["predictions_constant_data"]["y"].to_numpy()
    scores = probabilistic_scores(y, p)
    gap = float(np.abs(p - reference).mean()) if reference is not None else np.nan
    return {
        "accuracy": float(accuracy(p, y)),
        "log_loss": scores.log_loss,
        "brier": scores.brier,
        "ece": scores.ece,
        "mean_abs_diff_full": gap,
        "mc_error_p": float(pooled_mcse(draws).mean()),
        "mc_error_accuracy": accuracy_mcse(draws, y),
    }


def _pick(
    loop: Loop, index: int, tree: xr.DataTree, pool: Dataset, rows: np.ndarray, *, schedule
) -> tuple[np.ndarray, float]:
    """Score the rest of the pool under a round's file; return the picks and their mean BALD."""
    remaining = np.setdiff1d(np.arange(len(pool.train)), rows)
    k = min(schedule.batch, schedule.budget - len(rows), len(remaining))
    if k <= 0:  # the budget is spent
        return remaining[:0], float("nan")
    draws = evaluator(tree)(tree["posterior"], _standardised(pool, tree)[remaining], dim="row")
    scores = summarise_draws(draws)
    rng = np.random.default_rng(random_stream(loop.seed, f"design {loop.acquisition} {index}"))
    inputs = pool.train[list(pool.features)].to_numpy(dtype=float)
    spread = (inputs - inputs.mean(axis=0)) / inputs.std(axis=0)  # the whole pool's scale
    chosen = acquire(
        loop.acquisition,
        scores=scores,
        pool=spread[remaining],
        acquired=spread[rows],
        k=k,
        rng=rng,
        beta=schedule.beta,
    )
    return remaining[chosen], float(scores["mutual_information"].to_numpy()[chosen].mean())


def design_round(
    loop: Loop,
    index: int,
    rows: np.ndarray,
    pool: Dataset,
    config: RunConfig,
    runtime: Runtime,
    *,
    schedule: Schedule,
    reference: np.ndarray | None = None,
) -> tuple[bytes, dict]:
    """Fit round ``index`` of a loop on the pool rows ``rows``; score it; pick the next batch.

    Parameters
    ----------
    loop : Loop
    index : int
        The round, from 0.
    rows : numpy.ndarray
        Positions in ``pool.train`` of the simulations run so far.
    pool : Dataset
        The pool (``train``) and the test set (``test``).
    config : RunConfig
        Backends resolved; its seed is replaced by the loop's.
    runtime : Runtime
    schedule : Schedule
    reference : numpy.ndarray, optional
        The full-data reference's mean test predictions.

    Returns
    -------
    nc : bytes
        The round's posterior file, with a group ``train_subset`` (``row``: the pool rows).
    record : dict
        The round's row of ``design.csv``, with ``rows`` and ``picks`` (pool positions) to
        resume from.
    """
    start = time.perf_counter()
    subset = dataclasses.replace(
        pool, train=pool.train.iloc[rows], source=f"{len(rows)} acquired of {pool.source}"
    )
    from inference.backends.jax_programs import programs_released, use_compilation_cache
    from study.pipeline import fit_posterior  # the pipeline imports JAX's runtime: on workers

    use_compilation_cache()  # every round of every loop compiles the same programs
    own = dataclasses.replace(config, seed=loop.seed)
    with programs_released():  # a worker runs many rounds (inference.backends.jax_programs)
        tree = fit_posterior(loop.method, subset, own, runtime=runtime, pad_to=schedule.budget)
    tree.attrs[PADDED] = schedule.budget
    tree[ROWS_GROUP] = xr.DataTree(xr.Dataset({"row": ("subset", np.asarray(rows))}))
    picks, picked_bald = _pick(loop, index, tree, pool, rows, schedule=schedule)
    labels = pool.train[LABEL].to_numpy()
    record = {
        "method": loop.method,
        "acquisition": loop.acquisition,
        "seed": loop.seed,
        "round": index,
        "n_simulations": len(rows),
        **test_scores(tree, reference),
        "wall_seconds": time.perf_counter() - start,
        "fit_seconds": float(tree.attrs["fit_seconds"]),
        "positive_share": float(labels[rows].mean()),
        "picked_mean_bald": picked_bald,
        "rows": [int(r) for r in rows],
        "picks": [int(r) for r in picks],
    }
    return storage.to_bytes(tree), record
