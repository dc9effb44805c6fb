"""A design study on a Dask cluster: every loop a chain of rounds, loops side by side.

The client submits each loop's next round when its previous round's file and record
are written (``OUT/<loop>/round-NN.nc`` and ``round-NN.json``, each renamed into place,
the record last), so that loops run in parallel and a rerun of the same command, after
an interrupt or a lost worker, continues every loop from its last written round with the
same results. ``OUT/design-settings.json`` holds what shapes the results; a rerun with
other settings is refused.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from distributed import Client, wait
from matplotlib.figure import Figure

from analysis.design_curves import decision_map
from common.atomic import atomic_write
from inference.posterior.units import feature_labels
from reports.figures.design import picks_map
from study.config import RunConfig
from study.data.dataset import LABEL, Dataset
from study.design.outputs import design_table, write_outputs
from study.design.reference import full_data_reference
from study.design.rounds import Loop, Schedule, design_round, initial_rows, test_scores
from study.design.settings import DesignError, check_settings, design_settings
from study.pipeline import resolve_runtime

__all__ = ["DesignError", "DesignResult", "run_design"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DesignResult:
    """What a design produced: its table (``design.csv``), files, wall time, failed loops."""

    table: pd.DataFrame
    files: dict[str, Path]
    seconds: float
    failed: int = 0


def _round_path(out: Path, loop: Loop, index: int, suffix: str) -> Path:
    return out / loop.name / f"round-{index:02d}{suffix}"


def _done(out: Path, loop: Loop) -> list[dict]:
    """Read the records of a loop's rounds already written, in order, up to a gap."""
    records = []
    while (path := _round_path(out, loop, len(records), ".json")).is_file():
        if not _round_path(out, loop, len(records), ".nc").is_file():
            break
        records.append(json.loads(path.read_text(encoding="utf-8")))
    return records


def _next_rows(records: list[dict], initial: np.ndarray) -> np.ndarray | None:
    """Return the rows of a loop's next round, or None when the loop is finished."""
    if not records:
        return initial
    last = records[-1]
    return np.array([*last["rows"], *last["picks"]]) if last["picks"] else None


def run_design(
    loops: Sequence[Loop],
    pool: Dataset,
    config: RunConfig,
    *,
    schedule: Schedule,
    out: Path,
    client: Client,
    reference: xr.DataTree | None = None,
    reference_method: str | None = None,
) -> DesignResult:
    """Run every loop's rounds on the cluster; write each round, then the tables and report.

    Parameters
    ----------
    loops : sequence of Loop
    pool : Dataset
        The pool of simulations to acquire from (``train``) and the test set (``test``).
    config : RunConfig
        Settings shared by every fit (the seed is each loop's).
    schedule : Schedule
    out : pathlib.Path
        Output directory.
    client : distributed.Client
    reference : xarray.DataTree, optional
        A posterior file fitted on the whole pool: each round's ``mean_abs_diff_full`` to
        its mean test predictions, the simulations to come near its accuracy and log
        loss, and its decision boundary under the picks.
    reference_method : str, optional
        Without ``reference``: the method of the full-data reference fitted here once and
        kept in ``out`` (:func:`study.design.reference.full_data_reference`).

    Raises
    ------
    DesignError
        ``out`` holds a design run with other settings.
    """
    start = time.perf_counter()
    config, runtime = resolve_runtime(config, cores=1)
    out.mkdir(parents=True, exist_ok=True)
    methods = {loop.method for loop in loops}
    settings = check_settings(out, design_settings(pool, config, schedule, methods))
    if reference is None and reference_method is not None:
        reference = full_data_reference(reference_method, pool, out=out)
    labels = pool.train[LABEL].to_numpy()
    initial = {s: initial_rows(labels, schedule.initial, seed=s) for s in {lp.seed for lp in loops}}
    records = {loop: _done(out, loop) for loop in loops}
    logger.info(
        "%d rounds already done in %s; %d loops on %s",
        sum(map(len, records.values())),
        out,
        len(loops),
        client.scheduler.address,
    )
    full_p = None
    if reference is not None:
        full_p = reference["predictions"]["p"].mean(("chain", "draw")).to_numpy()
    run = uuid.uuid4().hex[:8]

    def submit(loop: Loop):
        rows = _next_rows(records[loop], initial[loop.seed])
        if rows is None:
            return None
        index = len(records[loop])
        # the pool goes with every task (≈ 0.1 MB), not scattered once: a task whose worker
        # dies is then run again on another, where scattered data would be lost with it
        return client.submit(
            design_round,
            loop,
            index,
            rows,
            pool,
            config,
            runtime,
            schedule=schedule,
            reference=full_p,
            key=f"{loop.name}-round{index}-{run}",
            pure=False,
        )

    pending = {f: loop for loop in loops if (f := submit(loop)) is not None}
    failed: dict[Loop, str] = {}
    while pending:
        done, _ = wait(list(pending), return_when="FIRST_COMPLETED")
        for future in done:
            loop = pending.pop(future)
            if future.status != "finished":
                failed[loop] = f"{type(future.exception()).__name__}: {future.exception()}"
                logger.error("loop %s failed: %s", loop.name, failed[loop])
                continue
            nc, record = future.result()
            future.release()  # the scheduler forgets it: a lost worker does not run it again
            index = len(records[loop])
            atomic_write(_round_path(out, loop, index, ".nc"), nc)
            record["file"] = f"{loop.name}/round-{index:02d}.nc"
            atomic_write(_round_path(out, loop, index, ".json"), json.dumps(record))
            records[loop].append(record)
            logger.info(
                "%s round %d: %d simulations, accuracy %.4f",
                loop.name,
                index,
                record["n_simulations"],
                record["accuracy"],
            )
            if (following := submit(loop)) is not None:
                pending[following] = loop
    table = design_table(records)
    full, picks = None, None
    if reference is not None and len(table):
        full, picks = _against_reference(reference, table, pool, initial)
    files = write_outputs(
        table,
        out=out,
        failed=failed,
        settings=settings,
        full=full,
        picks=picks,
    )
    return DesignResult(table, files, time.perf_counter() - start, failed=len(failed))


def _against_reference(
    reference: xr.DataTree, table: pd.DataFrame, pool: Dataset, initial: dict
) -> tuple[dict, Figure]:
    """Score the reference on the test set; draw where the first seed's loops picked."""
    scores = test_scores(reference)
    first = min(initial)
    picks = picks_map(
        decision_map(reference),
        table[table["seed"] == first],
        pool=pool.train[list(pool.features)].reset_index(drop=True),
        initial=initial[first],
        names=feature_labels(reference),
    )
    return {"accuracy": scores["accuracy"], "log_loss": scores["log_loss"]}, picks
