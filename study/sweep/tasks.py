"""A sweep's tasks: one fit per (method, seed, training size).

What a task runs on its worker, and whether a task's file is already done.
"""

from __future__ import annotations

from common.errors import StudyError
import dataclasses
import json
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import xarray as xr

from analysis.learning_curves import TRAIN_SIZE_ATTR, WALL_ATTR, summary_row
from inference.posterior import storage
from inference.backends.choice import BACKENDS
from inference.methods.registry import METHODS
from inference.posterior.storage import PosteriorFileError
from inference.backends.runtime import Runtime
from study.config import ConfigError, RunConfig
from study.data.dataset import Dataset
from inference.backends.jax_programs import programs_released
from study.pipeline import fit_posterior
from study.sweep.subsets import subset_dataset

__all__ = ["SweepError", "Task", "finished_row", "plan", "run_task"]

logger = logging.getLogger(__name__)


class SweepError(StudyError, ValueError):
    """The sweep cannot start: no scheduler, or the output holds other settings' results."""


@dataclass(frozen=True)
class Task:
    """One fit of a sweep."""

    method: str
    seed: int
    train_size: int

    @property
    def name(self) -> str:
        """The task's file stem, e.g. ``nuts-seed3-n400``."""
        return f"{self.method}-seed{self.seed}-n{self.train_size}"


def plan(*, methods: Sequence[str], seeds: Sequence[int], train_sizes: Sequence[int]) -> list[Task]:
    """Every combination of method, seed and training size, the costliest first.

    Samplers (methods whose draws are Markov chains, by the method table) and large
    training sets come first, so that the long tasks do not start last and leave the
    cluster idle behind them.
    """
    tasks = [Task(m, s, n) for m in methods for s in seeds for n in train_sizes]
    return sorted(tasks, key=lambda t: (METHODS[t.method].draws != "markov", -t.train_size, t.seed))


def run_task(
    task: Task, dataset: Dataset, config: RunConfig, runtime: Runtime
) -> tuple[bytes, dict]:
    """Fit one task; runs on a Dask worker.

    Parameters
    ----------
    task : Task
    dataset : Dataset
        All the simulations; the task draws its training subset.
    config : RunConfig
        The sweep's settings, backends resolved; the seed is the task's.
    runtime : Runtime
        Resolved once by the client, with one core: chains run one after another.

    Returns
    -------
    nc : bytes
        The posterior file, with root attrs ``train_size`` and ``wall_seconds`` and a
        group ``train_subset`` (``row``: indices of the training rows drawn).
    row : dict
        Its summary row (:func:`analysis.learning_curves.summary_row`).
    """
    start = time.perf_counter()
    subset, rows = subset_dataset(dataset, task.train_size, seed=task.seed)
    config = dataclasses.replace(config, seed=task.seed)
    with _pymc_info_off(), programs_released():  # a worker fits many tasks
        tree = fit_posterior(task.method, subset, config, runtime=runtime)
    tree["train_subset"] = xr.DataTree(
        xr.Dataset(
            {"row": ("subset", rows)},
            attrs={"of": len(dataset.train), "description": "indices into the training set"},
        )
    )
    tree.attrs[TRAIN_SIZE_ATTR] = task.train_size
    tree.attrs[WALL_ATTR] = time.perf_counter() - start
    return storage.to_bytes(tree), summary_row(tree)


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


def _expected_config(task: Task, config: RunConfig) -> dict:
    """The options that shape the task's fit: another method's (an older file lists them
    all) cannot make its file another fit."""
    own = dataclasses.replace(config, seed=task.seed).applying_to(task.method)
    return own | {"method": task.method}


def _recorded(stored: dict) -> dict:
    """Return the stored settings, with what files of earlier versions imply unrecorded.

    Before ADVI had its own ``advi_backend``, it ran in the compile mode of the NUTS
    backend (``backend``); before ``balance`` was an option, every run upsampled.
    """
    if "advi_backend" not in stored and stored.get("backend") in BACKENDS:
        stored = stored | {"advi_backend": BACKENDS[stored["backend"]].mode}
    if "balance" not in stored:
        stored = stored | {"balance": "upsample"}
    return stored


def finished_row(
    path: Path, task: Task, config: RunConfig, *, features: tuple[str, ...] | None = None
) -> dict | None:
    """Return the summary row of a task already done; None if its file is missing or bad.

    The file's stored configuration is read through :meth:`RunConfig.from_stored` and
    compared, option by option, with the options that apply to the task's method
    (:meth:`RunConfig.applying_to`); an option the file does not record (a file of an
    earlier version) is not compared, nor one of another method that it does. With
    ``features``, the file's features must be those, in that order.

    Raises
    ------
    SweepError
        The file holds a fit with other settings (refitting would overwrite it), or a
        configuration that is not a valid one.
    """
    if not path.is_file():
        return None
    try:
        tree = storage.load(path)
    except PosteriorFileError as err:
        logger.warning("%s; fitting %s again", err, task.name)
        return None
    stored = _recorded(json.loads(tree.attrs["config"]))  # checked JSON: the file was loaded
    try:
        RunConfig.from_stored(stored)
    except ConfigError as err:
        raise SweepError(f"{path} holds an invalid run configuration ({err})") from None
    expected = _expected_config(task, config)
    differ = sorted(k for k, v in expected.items() if k in stored and stored[k] != v)
    if tree.attrs.get(TRAIN_SIZE_ATTR) != task.train_size:
        differ.append(TRAIN_SIZE_ATTR)
    stored_features = tuple(str(f) for f in tree["constant_data"]["feature"].values)
    if features is not None and stored_features != tuple(features):
        differ.append("features")
    if differ:
        raise SweepError(
            f"{path} was fit with other settings ({', '.join(differ)} differ); "
            "choose another --out or remove it"
        )
    return summary_row(tree) | {"status": "ok", "file": path.name}
