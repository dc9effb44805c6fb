"""The Dask side of a sweep: connect or start a cluster, run tasks, report progress.

A task returns its posterior file's bytes, and the client writes the file as it
arrives, so workers need no shared disk.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from distributed import Client, Future, LocalCluster, wait

from common.atomic import atomic_write
from inference.backends.runtime import Runtime, usable_cores
from study.config import RunConfig
from study.data.dataset import Dataset
from study.sweep.tasks import SweepError, Task, run_task

__all__ = ["CONNECT_TIMEOUT", "PROGRESS_SECONDS", "dask_client", "run_tasks", "workers"]

logger = logging.getLogger(__name__)

#: Seconds between progress lines while no task finishes.
PROGRESS_SECONDS = 30.0
#: How long to wait for an external scheduler to answer.
CONNECT_TIMEOUT = "10s"


def workers(client: Client) -> int:
    """How many workers the cluster has now."""
    return len(client.scheduler_info(n_workers=-1)["workers"])


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
        path = atomic_write(out / f"{task.name}.nc", nc)
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
    tasks: Sequence[Task],
    dataset: Dataset,
    config: RunConfig,
    *,
    runtime: Runtime,
    out: Path,
    client: Client,
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
        client.submit(
            run_task, task, data, config, runtime, key=f"{task.name}-{run}", pure=False
        ): task
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
        n = workers or usable_cores()
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
