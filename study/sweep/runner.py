"""Replicated studies on a Dask cluster: one task per (method, seed, training size) fit.

Each task draws a stratified subset of the training simulations (:mod:`study.sweep.subsets`),
fits the network on it with the ordinary pipeline (:mod:`study.sweep.tasks`) and returns its
posterior file as bytes with the file's summary row; the client writes the files
(:mod:`study.sweep.cluster`), so workers need no shared disk. The test set is always the whole
test file. This module runs the whole sweep and writes its tables and report.

NUTS chains run one after another inside a task and Dask runs tasks side by side:
every fit is given one core (PyMC's chain processes cannot be started from a daemonic
Dask worker process; NumPyro's chains then run sequentially too).

A task whose posterior file is already in the output directory is not run again; its
summary row is recomputed from the file.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from distributed import Client

from analysis.learning_curves import analyse_sweep, summary_cube, summary_table
from common.atomic import atomic_write
from inference.posterior.storage import netcdf_bytes
from reports import render_sweep, write_html
from study.sweep.cluster import run_tasks, workers
from study.config import RunConfig
from study.data.dataset import Dataset
from study.pipeline import resolve_runtime
from study.sweep.tasks import SweepError, Task, finished_row

__all__ = ["SweepError", "SweepResult", "run_sweep", "write_summary"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepResult:
    """What a sweep produced.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per task (:func:`analysis.learning_curves.summary_table`).
    files : dict of str to pathlib.Path
        ``summary_csv``, ``summary_nc`` and ``report``.
    resumed : int
        Tasks found finished in the output directory and not run again.
    seconds : float
        Wall time of the sweep.
    """

    table: pd.DataFrame
    files: dict[str, Path]
    resumed: int
    seconds: float

    @property
    def failed(self) -> int:
        """How many tasks failed."""
        return int((self.table["status"] != "ok").sum())


def write_summary(table: pd.DataFrame, *, out: Path) -> dict[str, Path]:
    """Write the sweep table as ``summary.csv`` and, as a cube, ``summary.nc``."""
    cube = summary_cube(table)
    return {
        "summary_csv": atomic_write(out / "summary.csv", table.to_csv(index=False)),
        "summary_nc": atomic_write(out / "summary.nc", netcdf_bytes(cube)),
    }


def run_sweep(
    tasks: Sequence[Task],
    dataset: Dataset,
    config: RunConfig,
    *,
    out: Path,
    client: Client,
) -> SweepResult:
    """Run a sweep on a Dask cluster, skip what is done, write the files and the report.

    Parameters
    ----------
    tasks : sequence of Task
        From :func:`plan`.
    dataset : Dataset
        All the simulations.
    config : RunConfig
        Settings shared by every task (its ``seed`` is replaced by each task's).
    out : pathlib.Path
        Output directory: ``<method>-seed<S>-n<N>.nc`` per task, ``summary.csv``,
        ``summary.nc`` and ``sweep.html``.
    client : distributed.Client
        Connected to the cluster that runs the tasks.

    Returns
    -------
    SweepResult
        Failed tasks are in its table with their reason; the others are written.

    Raises
    ------
    SweepError
        ``out`` holds a task's file fit with other settings.
    """
    start = time.perf_counter()
    config, runtime = resolve_runtime(config, cores=1)
    out.mkdir(parents=True, exist_ok=True)
    rows = {
        t: finished_row(out / f"{t.name}.nc", t, config, features=dataset.features) for t in tasks
    }
    todo = [t for t, row in rows.items() if row is None]
    resumed = len(tasks) - len(todo)
    n_workers = workers(client)
    logger.info(
        "%d of %d tasks already done in %s; running %d on %s (%d workers)",
        resumed,
        len(tasks),
        out,
        len(todo),
        client.scheduler.address,
        n_workers,
    )
    if todo and not n_workers:
        logger.warning("the scheduler has no workers yet: the tasks wait until one joins")
    rows |= run_tasks(todo, dataset, config, runtime=runtime, out=out, client=client)
    table = summary_table([rows[t] for t in tasks])
    files = write_summary(table, out=out)
    settings = _settings(
        dataset, config, client=client, seconds=time.perf_counter() - start, resumed=resumed
    )
    html = render_sweep(analyse_sweep(table), title=f"Sweep: {out.name}", settings=settings)
    files["report"] = write_html(html, out / "sweep.html")
    return SweepResult(table, files, resumed, time.perf_counter() - start)


def _settings(
    dataset: Dataset, config: RunConfig, *, client: Client, seconds: float, resumed: int
) -> dict:
    shared = {k: v for k, v in config.as_dict().items() if k != "seed"}
    return {
        "run configuration (every task; seed per task)": shared,
        "data": dataset.source,
        "data sha256": dataset.sha256,
        "test simulations": len(dataset.test),
        "training simulations available": len(dataset.train),
        "scheduler": client.scheduler.address,
        "tasks found done and not rerun": resumed,
        "sweep wall time (to this report)": f"{seconds:.1f} s",
    }
