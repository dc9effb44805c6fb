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
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from distributed import Client, wait

from analysis.design_curves import conclusion, paired_differences, to_reach
from analysis.predictive.metrics import accuracy, probabilistic_scores
from common.atomic import atomic_write
from common.errors import StudyError
from study.config import RunConfig
from study.data.dataset import LABEL, Dataset
from study.design.rounds import Loop, Schedule, design_round, initial_rows
from study.pipeline import resolve_runtime

__all__ = ["COLUMNS", "DesignError", "DesignResult", "run_design"]

logger = logging.getLogger(__name__)

#: ``design.csv``'s columns, in order.
COLUMNS = (
    "method",
    "acquisition",
    "seed",
    "round",
    "n_simulations",
    "accuracy",
    "log_loss",
    "brier",
    "ece",
    "mean_abs_diff_full",
    "wall_seconds",
    "fit_seconds",
    "positive_share",
    "picked_mean_bald",
    "picks",
    "file",
)
_SETTINGS = "design-settings.json"


class DesignError(StudyError, ValueError):
    """The design cannot start: its output holds another design's results."""


@dataclass(frozen=True)
class DesignResult:
    """What a design produced: its table (``design.csv``), files and wall time."""

    table: pd.DataFrame
    files: dict[str, Path]
    seconds: float


def _round_path(out: Path, loop: Loop, index: int, suffix: str) -> Path:
    return out / loop.name / f"round-{index:02d}{suffix}"


def _settings(pool: Dataset, config: RunConfig, schedule: Schedule, methods) -> dict:
    options = {m: config.applying_to(m) for m in methods}
    return {
        "schedule": asdict(schedule),
        "options": options,
        "data_sha256": pool.sha256,
        "features": list(pool.features),
        "pool": len(pool.train),
    }


def _check_settings(out: Path, settings: dict) -> None:
    """Write the design's settings, or refuse an output that holds another design's."""
    path = out / _SETTINGS
    if path.is_file():
        stored = json.loads(path.read_text(encoding="utf-8"))
        stored_options = stored.get("options", {})
        differ = [
            k
            for k in ("schedule", "data_sha256", "features", "pool")
            if stored.get(k) != settings[k]
        ]
        differ += [
            m
            for m in settings["options"]
            if m in stored_options and stored_options[m] != settings["options"][m]
        ]
        if differ:
            raise DesignError(
                f"{path}: the design in {out} was run with other settings ({', '.join(differ)} "
                "differ); choose another --out or remove it"
            )
        settings = {**stored, "options": stored_options | settings["options"]}
    atomic_write(path, json.dumps(settings, indent=2, sort_keys=True))


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
    reference: np.ndarray | None = None,
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
    reference : numpy.ndarray, optional
        A full-data reference's mean test predictions (``mean_abs_diff_full``).

    Raises
    ------
    DesignError
        ``out`` holds a design run with other settings.
    """
    start = time.perf_counter()
    config, runtime = resolve_runtime(config, cores=1)
    out.mkdir(parents=True, exist_ok=True)
    _check_settings(out, _settings(pool, config, schedule, {loop.method for loop in loops}))
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
    data = client.scatter(pool, broadcast=True, hash=False)
    run = uuid.uuid4().hex[:8]

    def submit(loop: Loop):
        rows = _next_rows(records[loop], initial[loop.seed])
        if rows is None:
            return None
        index = len(records[loop])
        return client.submit(
            design_round,
            loop,
            index,
            rows,
            data,
            config,
            runtime,
            schedule=schedule,
            reference=reference,
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
    table = _table(records)
    full = None
    if reference is not None:
        y = pool.test[LABEL].to_numpy()
        full = {
            "accuracy": float(accuracy(reference, y)),
            "log_loss": probabilistic_scores(y, reference).log_loss,
        }
    files = _write_outputs(
        table,
        out=out,
        failed=failed,
        settings=json.loads((out / _SETTINGS).read_text()),
        full=full,
    )
    return DesignResult(table, files, time.perf_counter() - start)


def _table(records: dict[Loop, list[dict]]) -> pd.DataFrame:
    rows = [r | {"picks": ";".join(map(str, r["picks"]))} for rs in records.values() for r in rs]
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return table.sort_values(["method", "acquisition", "seed", "round"], ignore_index=True)


def _write_outputs(
    table: pd.DataFrame, *, out: Path, failed: dict, settings: dict, full: dict | None
) -> dict[str, Path]:
    """Write ``design.csv``, ``design.json`` and ``design.html``.

    ``full``: the full-data reference's test ``accuracy`` and ``log_loss``, from which
    the simulations each loop needs to come near it are counted.
    """
    from reports.design import render_design
    from reports.html import write_html

    differences = paired_differences(table)
    lines = conclusion(differences)
    reach = to_reach(table, **full) if full is not None and len(table) else None
    summary = {
        "settings": settings,
        "rows": json.loads(table.to_json(orient="records")),
        "paired_area_differences": json.loads(differences.to_json(orient="records")),
        "conclusion": lines,
        "full_data_reference": full,
        "to_reach": None if reach is None else json.loads(reach.to_json(orient="records")),
        "failed": {loop.name: reason for loop, reason in failed.items()},
    }
    return {
        "csv": atomic_write(out / "design.csv", table.to_csv(index=False)),
        "json": atomic_write(out / "design.json", json.dumps(summary, indent=2)),
        "report": write_html(
            render_design(
                table, differences=differences, conclusion=lines, settings=settings, reach=reach
            ),
            out / "design.html",
        ),
    }
