"""Replicated studies on a Dask cluster: one task per (method, seed, training size) fit.

Each task draws a stratified subset of the training simulations, fits the network on
it with the ordinary pipeline (:func:`study.pipeline.fit_posterior`) and returns its
posterior file as bytes with the file's summary row; the client writes the files, so
workers need no shared disk. The test set is always the whole test file.

NUTS chains run one after another inside a task and Dask runs tasks side by side:
every sampler is given one core (PyMC's chain processes cannot be started from a
daemonic Dask worker process; NumPyro's chains then run sequentially too).

A task whose posterior file is already in the output directory is not run again; its
summary row is recomputed from the file.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dask
import numpy as np
import pandas as pd
import xarray as xr
from distributed import Client, Future, LocalCluster, wait

from analysis.sweep import (
    TRAIN_SIZE_ATTR,
    WALL_ATTR,
    analyse_sweep,
    summary_cube,
    summary_row,
    summary_table,
)
from inference import posterior_file
from inference.backends import resolve
from inference.posterior_file import PosteriorFileError, atomic_write
from reports.html import render_sweep, write_html
from study.config import Method, RunConfig
from study.data import LABEL, Dataset
from study.pipeline import fit_posterior

logger = logging.getLogger(__name__)

#: Spawn key of the subset's random stream, beside the four of :meth:`RunConfig.seeds`.
_SUBSET_STREAM = 4
#: Seconds between progress lines while no task finishes.
PROGRESS_SECONDS = 30.0
#: How long to wait for an external scheduler to answer.
CONNECT_TIMEOUT = "10s"


class SweepError(ValueError):
    """The sweep cannot start: no scheduler, or the output holds other settings' results."""


@dataclass(frozen=True)
class Task:
    """One fit of a sweep."""

    method: Method
    seed: int
    train_size: int

    @property
    def name(self) -> str:
        """The task's file stem, e.g. ``nuts-seed3-n400``."""
        return f"{self.method}-seed{self.seed}-n{self.train_size}"


@dataclass(frozen=True)
class SweepResult:
    """What a sweep produced.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per task (:func:`analysis.sweep.summary_table`).
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


def plan(
    *, methods: Sequence[Method], seeds: Sequence[int], train_sizes: Sequence[int]
) -> list[Task]:
    """Every combination of method, seed and training size, the costliest first.

    NUTS tasks and large training sets come first, so that the long tasks do not
    start last and leave the cluster idle behind them.
    """
    tasks = [Task(m, s, n) for m in methods for s in seeds for n in train_sizes]
    return sorted(tasks, key=lambda t: (t.method != "nuts", -t.train_size, t.seed))


def stratified_subset(
    labels: np.ndarray, size: int, *, random_state: int | np.random.SeedSequence
) -> np.ndarray:
    """Draw a stratified random subset of ``size`` rows, nested across sizes.

    Each class's rows are permuted (seeded) and the first ``round(size × share)`` of
    the propagating class and the rest from the arresting class are taken, so for one
    ``random_state`` a smaller subset is part of every larger one.

    Parameters
    ----------
    labels : numpy.ndarray
        0/1 labels of all the training rows.
    size : int
        Rows wanted, between 1 and ``len(labels)``.
    random_state : int or numpy.random.SeedSequence
        Seeds the permutations.

    Returns
    -------
    numpy.ndarray
        The subset's row indices, sorted.

    Raises
    ------
    ValueError
        ``size`` is not between 1 and the number of rows.
    """
    labels = np.asarray(labels)
    if not 1 <= size <= len(labels):
        raise ValueError(
            f"training size {size} is not between 1 and the {len(labels)} training simulations"
        )
    rng = np.random.default_rng(random_state)
    ones = rng.permutation(np.flatnonzero(labels == 1))
    zeros = rng.permutation(np.flatnonzero(labels != 1))
    n_ones = round(size * len(ones) / len(labels))
    return np.sort(np.concatenate([ones[:n_ones], zeros[: size - n_ones]]))


def subset_seed(seed: int) -> np.random.SeedSequence:
    """Return the random stream of a seed's training subsets, apart from its fit seeds."""
    return np.random.SeedSequence(seed, spawn_key=(_SUBSET_STREAM,))


def subset_dataset(dataset: Dataset, size: int, *, seed: int) -> tuple[Dataset, np.ndarray]:
    """Cut a dataset's training simulations to a stratified, nested subset.

    Returns
    -------
    subset : Dataset
        ``size`` training rows, in their original order; the whole test set.
    rows : numpy.ndarray
        Their indices in ``dataset.train``.
    """
    labels = dataset.train[LABEL].to_numpy()
    rows = stratified_subset(labels, size, random_state=subset_seed(seed))
    source = (
        f"stratified subset of {size} of the {len(labels)} training simulations "
        f"(seed {seed}) from {dataset.source}"
    )
    train = dataset.train.iloc[rows].reset_index(drop=True)
    return dataclasses.replace(dataset, train=train, source=source), rows


def run_task(task: Task, dataset: Dataset, config: RunConfig) -> tuple[bytes, dict]:
    """Fit one task; runs on a Dask worker.

    Parameters
    ----------
    task : Task
    dataset : Dataset
        All the simulations; the task draws its training subset.
    config : RunConfig
        The sweep's settings; the seed is the task's.

    Returns
    -------
    nc : bytes
        The posterior file, with root attrs ``train_size`` and ``wall_seconds`` and a
        group ``train_subset`` (``row``: indices of the training rows drawn).
    row : dict
        Its summary row (:func:`analysis.sweep.summary_row`).
    """
    start = time.perf_counter()
    subset, rows = subset_dataset(dataset, task.train_size, seed=task.seed)
    config = dataclasses.replace(config, seed=task.seed)
    with _pymc_info_off():
        tree = fit_posterior(task.method, subset, config, cores=1)
    tree["train_subset"] = xr.DataTree(
        xr.Dataset(
            {"row": ("subset", rows)},
            attrs={"of": len(dataset.train), "description": "indices into the training set"},
        )
    )
    tree.attrs[TRAIN_SIZE_ATTR] = task.train_size
    tree.attrs[WALL_ATTR] = time.perf_counter() - start
    return to_bytes(tree), summary_row(tree)


@contextmanager
def _pymc_info_off() -> Iterator[None]:
    """Silence PyMC's INFO lines, which every task would print on its worker's stderr."""
    pymc_logger = logging.getLogger("pymc")
    level = pymc_logger.level
    pymc_logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        pymc_logger.setLevel(level)


def to_bytes(tree: xr.DataTree) -> bytes:
    """Serialise a posterior file in memory, checked against the contract first."""
    posterior_file.validate(tree)
    # On a Dask worker xarray would guard the write with a distributed lock named after
    # the target, which fails for an in-memory target; the data are in memory anyway
    with dask.config.set(scheduler="synchronous"):
        return bytes(tree.to_netcdf(engine=posterior_file.ENGINE))


def _expected_config(task: Task, config: RunConfig) -> dict:
    return dataclasses.replace(config, seed=task.seed).as_dict() | {"method": task.method}


def finished_row(path: Path, task: Task, config: RunConfig) -> dict | None:
    """Return the summary row of a task already done; None if its file is missing or bad.

    Raises
    ------
    SweepError
        The file holds a fit with other settings (refitting would overwrite it).
    """
    if not path.is_file():
        return None
    try:
        tree = posterior_file.load(path)
    except PosteriorFileError as err:
        logger.warning("%s; fitting %s again", err, task.name)
        return None
    stored = posterior_file.read_config(tree)
    expected = _expected_config(task, config)
    differ = sorted(k for k, v in expected.items() if stored.get(k) != v)
    if tree.attrs.get(TRAIN_SIZE_ATTR) != task.train_size:
        differ.append(TRAIN_SIZE_ATTR)
    if differ:
        raise SweepError(
            f"{path} was fit with other settings ({', '.join(differ)} differ); "
            "choose another --out or remove it"
        )
    return summary_row(tree) | {"status": "ok", "file": path.name}


def _failure(future: Future) -> str:
    """One line saying why a task did not finish."""
    if future.status != "error":
        return f"task {future.status}"
    error = future.exception()
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}".strip()


def _collect(future: Future, task: Task, *, out: Path) -> dict:
    """Write a finished task's file and return its row; or report why it failed."""
    keys = {"method": task.method, "seed": task.seed, "train_size": task.train_size}
    if future.status == "finished":
        nc, row = future.result()
        path = atomic_write(out / f"{task.name}.nc", lambda tmp: tmp.write_bytes(nc))
        return row | {"status": "ok", "file": path.name}
    reason = _failure(future)
    logger.error("task %s failed: %s", task.name, reason)
    return keys | {"status": "failed", "error": reason}


def _running(client: Client) -> int:
    """Tasks executing on the cluster's workers, as of their last heartbeats."""
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    return sum(w["metrics"]["task_counts"].get("executing", 0) for w in workers)


def _progress(client: Client, *, done: int, failed: int, total: int) -> None:
    running = min(_running(client), total - done - failed)
    logger.info("tasks: %d done / %d running / %d failed / %d total", done, running, failed, total)


def run_tasks(
    tasks: Sequence[Task], dataset: Dataset, config: RunConfig, *, out: Path, client: Client
) -> dict[Task, dict]:
    """Run tasks on the cluster; write each file as it arrives; report progress and failures.

    Returns
    -------
    dict of Task to dict
        Each task's summary row, with ``status`` ``"ok"`` (and ``file``) or
        ``"failed"`` (and ``error``).
    """
    if not tasks:
        return {}
    data = client.scatter(dataset, broadcast=True, hash=False)
    run = uuid.uuid4().hex[:8]
    futures = {
        client.submit(run_task, task, data, config, key=f"{task.name}-{run}", pure=False): task
        for task in tasks
    }
    rows: dict[Task, dict] = {}
    pending = set(futures)
    while pending:
        try:
            done, pending = wait(pending, timeout=PROGRESS_SECONDS, return_when="FIRST_COMPLETED")
        except TimeoutError:
            done = set()
        for future in done:
            rows[futures[future]] = _collect(future, futures[future], out=out)
            future.release()
        failed = sum(r["status"] != "ok" for r in rows.values())
        _progress(client, done=len(rows) - failed, failed=failed, total=len(tasks))
    return rows


def write_summary(table: pd.DataFrame, *, out: Path) -> dict[str, Path]:
    """Write the sweep table as ``summary.csv`` and, as a cube, ``summary.nc``."""
    cube = summary_cube(table)
    return {
        "summary_csv": atomic_write(out / "summary.csv", lambda t: table.to_csv(t, index=False)),
        "summary_nc": atomic_write(
            out / "summary.nc", lambda t: cube.to_netcdf(t, engine=posterior_file.ENGINE)
        ),
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
    config = dataclasses.replace(config, backend=resolve(config.backend))
    out.mkdir(parents=True, exist_ok=True)
    rows = {t: finished_row(out / f"{t.name}.nc", t, config) for t in tasks}
    todo = [t for t, row in rows.items() if row is None]
    resumed = len(tasks) - len(todo)
    workers = len(client.scheduler_info(n_workers=-1)["workers"])
    logger.info(
        "%d of %d tasks already done in %s; running %d on %s (%d workers)",
        resumed,
        len(tasks),
        out,
        len(todo),
        client.scheduler.address,
        workers,
    )
    if todo and not workers:
        logger.warning("the scheduler has no workers yet: the tasks wait until one joins")
    rows |= run_tasks(todo, dataset, config, out=out, client=client)
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


@contextmanager
def dask_client(scheduler: str | None = None, *, workers: int | None = None) -> Iterator[Client]:
    """Connect to a Dask scheduler, or start a local cluster for the sweep's duration.

    Parameters
    ----------
    scheduler : str, optional
        Address of an existing scheduler (``tcp://host:8786``); without it a
        ``LocalCluster`` of single-threaded worker processes runs on this machine.
    workers : int, optional
        Worker processes of the local cluster (default: the usable CPUs).

    Yields
    ------
    distributed.Client

    Raises
    ------
    SweepError
        The scheduler cannot be reached.
    """
    if scheduler is None:
        n = workers or len(os.sched_getaffinity(0))
        # ":0": any free port for the scheduler's web server (None still takes :8787)
        with (
            LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as cluster,
            Client(cluster) as client,
        ):
            logger.info("local cluster of %d workers; dashboard %s", n, cluster.dashboard_link)
            yield client
        return
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, ValueError) as err:
        raise SweepError(f"cannot reach the Dask scheduler {scheduler}: {err}") from None
    with client:
        yield client
