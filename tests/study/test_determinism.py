"""Determinism: the same seed and settings give identical posterior arrays; another seed
gives other ones. Also tested elsewhere: every NUTS backend (tests/test_backends.py),
ADVI in the numba and JAX modes (tests/test_fits.py), the ADVI file (tests/test_pipeline.py).
"""

import dataclasses

import numpy as np
import pytest
import xarray as xr

from inference.backends.runtime import Runtime
from inference.methods.advi import fit_advi
from inference.model.network import build_model
from inference.posterior import storage
from study.data.preprocess import prepare
from study.pipeline import fit_to_file
from tests.conftest import TINY

GROUPS = ("posterior", "prior", "predictions", "sample_stats")


def test_nuts_file_is_reproducible_end_to_end(synthetic, nuts_file, tmp_path):
    first = storage.load(nuts_file)
    again = storage.load(fit_to_file("nuts", synthetic, TINY, out=tmp_path / "a").path)
    for group in GROUPS:
        xr.testing.assert_equal(first[group].to_dataset(), again[group].to_dataset())
    other_config = dataclasses.replace(TINY, seed=TINY.seed + 1)
    other = storage.load(fit_to_file("nuts", synthetic, other_config, out=tmp_path / "b").path)
    for name in ("w0", "b1"):
        assert not np.array_equal(first["posterior"][name], other["posterior"][name])
    assert not np.array_equal(first["predictions"]["p"], other["predictions"]["p"])


@pytest.fixture(scope="module")
def small_model(synthetic):
    data = prepare(synthetic, random_state=0)
    return build_model(data.X, data.y, weight=data.weight, features=data.features, hidden=2)


@pytest.mark.filterwarnings("ignore:PyTensor could not link to a BLAS:UserWarning")
def test_advi_is_reproducible_in_c_mode(small_model):
    """The ``pymc`` backend's ADVI: PyTensor's C backend."""
    c_mode = Runtime.resolve(advi_backend="c")
    fits = [
        fit_advi(small_model, runtime=c_mode, max_steps=300, window=100, draws=20, random_seed=seed)
        for seed in (3, 3, 4)
    ]
    for name in ("w0", "b0", "w1", "b1"):
        np.testing.assert_array_equal(fits[0].posterior[name], fits[1].posterior[name])
        assert not np.array_equal(fits[0].posterior[name], fits[2].posterior[name])
    losses = [f.groups["vi_history"]["loss"] for f in fits[:2]]
    np.testing.assert_array_equal(*losses)
    np.testing.assert_array_equal(fits[0].sample_stats["lp"], fits[1].sample_stats["lp"])


def _default_nuts(synthetic, folder, *, cache, progress_seconds: float):
    """``run --method nuts`` at the defaults but for sizes, in a process of its own."""
    from tests.cli import study_process

    synthetic.train.to_csv(folder / "train.csv", index=False)
    synthetic.test.to_csv(folder / "test.csv", index=False)
    done = study_process(
        "run",
        "--method",
        "nuts",
        *("--train-csv", "train.csv", "--test-csv", "test.csv", "--out", "out"),
        *("--chains", 4, "--draws", 40, "--tune", 40, "--hidden", 3, "--prior-draws", 20),
        cwd=folder,
        env={
            "PYTENSOR_FLAGS": f"base_compiledir={cache}",
            "STUDY_PROGRESS_SECONDS": progress_seconds,
            "PYTHONHASHSEED": 0,
        },
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return storage.load(folder / "out" / "nuts.nc"), done.stderr


def test_the_default_nuts_path_gives_one_file_with_a_cold_or_a_warm_compile_cache(
    synthetic, tmp_path
):
    """The ensemble start, 4 parallel chains, the default backend: first with an empty
    PyTensor compile cache, then with the cache that run left. Its stderr, sent to a pipe
    (not a terminal), carries the periodic progress lines."""
    cache = tmp_path / "compiledir"
    cache.mkdir()
    (tmp_path / "cold").mkdir()
    (tmp_path / "warm").mkdir()
    cold, log = _default_nuts(synthetic, tmp_path / "cold", cache=cache, progress_seconds=0.5)
    assert any(cache.iterdir())  # the run filled the cache
    warm, _ = _default_nuts(synthetic, tmp_path / "warm", cache=cache, progress_seconds=0)
    assert cold["sample_stats"].sizes["chain"] == 4
    for group in (*GROUPS, "log_likelihood", "posterior_predictive"):
        xr.testing.assert_equal(cold[group].to_dataset(), warm[group].to_dataset())
    beats = [line for line in log.splitlines() if " so far)" in line]
    assert any(" nuts: " in line for line in beats), log[-2000:]
    assert any("report nuts.html: " in line for line in beats), log[-2000:]
