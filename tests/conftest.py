"""Shared fixtures: small synthetic simulations, the real data (via STUDY_DATA_DIR), tiny fits."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from inference.posterior import storage
from study.config import RunConfig
from study.data.dataset import Dataset, synthetic_dataset, synthetic_frame
from study.pipeline import fit_posterior, resolve_runtime

#: A configuration small enough for unit tests.
TINY = RunConfig(
    seed=7, hidden=3, draws=40, tune=40, chains=2, max_steps=600, window=100, prior_draws=30
)


make_frame = synthetic_frame  # the planted rule, shared with the examples


@pytest.fixture(scope="session", autouse=True)
def _jax_cache(tmp_path_factory):
    """Keep JAX's compilation cache of design rounds in the session's folder, not the home."""
    os.environ["JAX_COMPILATION_CACHE_DIR"] = str(tmp_path_factory.mktemp("jax-cache"))


@pytest.fixture(scope="session")
def synthetic() -> Dataset:
    """60 training and 30 test simulations with a planted rule."""
    return synthetic_dataset(60, 30)


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """The paper's data files, from STUDY_DATA_DIR (required on CI, else the test skips)."""
    value = os.environ.get("STUDY_DATA_DIR")
    if not value:
        if os.environ.get("CI"):
            pytest.fail("STUDY_DATA_DIR must point at the paper's data files on CI")
        pytest.skip("set STUDY_DATA_DIR to run tests on the real data")
    return Path(value)


def _fitted(method: str, dataset: Dataset, folder: Path) -> Path:
    """Fit and write the file alone (``run`` also writes a report: tested where it matters)."""
    config, runtime = resolve_runtime(TINY)
    tree = fit_posterior(method, dataset, config, runtime=runtime)
    return storage.save(tree, folder / f"{method}.nc")


@pytest.fixture(scope="session")
def advi_file(synthetic, tmp_path_factory) -> Path:
    """A posterior file from a tiny ADVI fit of the synthetic data."""
    return _fitted("advi", synthetic, tmp_path_factory.mktemp("advi"))


@pytest.fixture(scope="session")
def nuts_file(synthetic, tmp_path_factory) -> Path:
    """A posterior file from a tiny two-chain NUTS fit of the synthetic data."""
    return _fitted("nuts", synthetic, tmp_path_factory.mktemp("nuts"))
