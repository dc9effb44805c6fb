"""``study design`` on a planted pool: BALD picks near the boundary, resumes, files check out."""

import functools
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.predictive.evaluator import evaluator
from analysis.predictive.metrics import accuracy
from analysis.predictive.uncertainty import summarise_draws
from inference.posterior import storage
from study.config import RunConfig
from study.data.dataset import DataError
from study.design.rounds import initial_rows
from tests.cli import study

TINY = ["--hidden", "3", "--max-steps", "1500", "--draws", "100", "--prior-draws", "20"]
TINY += ["--pointwise", "none"]
SIZES = ["--initial", "20", "--batch", "10", "--budget", "30"]  # two rounds a loop


def planted(n: int, *, seed: int) -> pd.DataFrame:
    """Two inputs on a wide box; the label flips sharply across the line a + b = 0."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, size=(n, 2))
    broke = (rng.uniform(size=n) < 1 / (1 + np.exp(-6 * (x[:, 0] + x[:, 1])))).astype(int)
    return pd.DataFrame(x, columns=["a", "b"]).assign(broke=broke)


#: What ``RunConfig()`` gives while the design fits its full-data reference in these tests:
#: run's defaults made small (a NUTS fit at the real ones took 60-90 s of the suite), and
#: unlike ``TINY``, so that a reference fitted with the design's own options is caught.
REFERENCE_DEFAULTS = functools.partial(
    RunConfig, chains=2, draws=60, tune=60, hidden=4, prior_draws=20
)


def _design(folder, *extra):
    args = ["design", "--methods", "advi", "--acquisitions", "random,bald", "--seeds", "0-2"]
    args += ["--pool", "pool.csv", "--test", "test.csv", "--label", "broke"]
    args += [*SIZES, *TINY]  # the full-data reference: NUTS at "run's defaults", fitted once
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("study.design.reference.RunConfig", REFERENCE_DEFAULTS)
        return study(*args, "--workers", "2", "--out", "d", *extra, cwd=folder)


@pytest.fixture(scope="module")
def designed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("design")
    planted(300, seed=1).to_csv(folder / "pool.csv", index=False)
    planted(100, seed=2).to_csv(folder / "test.csv", index=False)
    done = _design(folder)
    assert done.returncode == 0, done.stderr[-3000:]
    return folder, pd.read_csv(folder / "d" / "design.csv")


def test_bald_picks_lie_nearer_the_planted_boundary_than_randoms(designed):
    folder, table = designed
    pool = pd.read_csv(folder / "pool.csv")
    distance = np.abs(pool["a"] + pool["b"]).to_numpy() / np.sqrt(2)
    picked = table.dropna(subset=["picks"]).groupby("acquisition")["picks"]
    mean = {
        a: distance[[int(r) for p in picks for r in p.split(";")]].mean() for a, picks in picked
    }
    assert mean["bald"] < 0.5 * mean["random"], mean


def test_every_seed_starts_every_acquisition_from_the_same_rows(designed):
    folder, table = designed
    for seed in range(3):
        starts = {
            json.dumps(
                json.loads((folder / "d" / f"advi-{a}-seed{seed}" / "round-00.json").read_text())[
                    "rows"
                ]
            )
            for a in ("random", "bald")
        }
        assert len(starts) == 1
    first = table[table["round"] == 0].groupby("seed")["accuracy"].nunique()
    assert (first == 1).all()  # the same initial fit: the same seed, the same rows


def test_each_round_file_holds_its_rows_and_bald_took_the_previous_files_top_k(designed):
    folder, _ = designed
    pool = pd.read_csv(folder / "pool.csv")
    records = []
    for path in sorted((folder / "d" / "advi-bald-seed1").glob("round-*.json")):
        records.append(json.loads(path.read_text()))
    for before, after in itertools.pairwise(records):
        assert after["rows"] == before["rows"] + before["picks"]
    for record in records:
        tree = storage.load(folder / "d" / record["file"])  # checked against the contract
        assert tree["train_subset"]["row"].values.tolist() == record["rows"]
        assert tree["observed_data"]["y"].size == len(record["rows"])  # no padding stored
        assert tree.attrs["design_fit_rows"] == 30  # fitted padded to the budget
        p = tree["predictions"]["p"].mean(("chain", "draw")).to_numpy()
        y = tree["predictions_constant_data"]["y"].to_numpy()
        assert accuracy(p, y) == pytest.approx(record["accuracy"], abs=1e-12)
    tree = storage.load(folder / "d" / records[0]["file"])
    x = pool[["a", "b"]].to_numpy() - tree["constant_data"]["x_mean"].values
    x /= tree["constant_data"]["x_std"].values
    rest = np.setdiff1d(np.arange(len(pool)), records[0]["rows"])
    bald = summarise_draws(evaluator(tree)(tree["posterior"], x[rest], dim="row"))
    top = rest[np.argsort(-bald["mutual_information"].values, kind="stable")[:10]]
    assert records[0]["picks"] == top.tolist()


def test_the_rounds_keep_their_compiled_programs_in_jaxs_cache(designed):
    kept = list(Path(os.environ["JAX_COMPILATION_CACHE_DIR"]).iterdir())  # tests/conftest.py
    assert kept, "no compiled program kept"


def test_a_rerun_after_losing_a_round_gives_the_same_numbers(designed, tmp_path):
    folder, table = designed
    shutil.copytree(folder / "d", tmp_path / "d")
    for name in ("pool.csv", "test.csv"):
        shutil.copy(folder / name, tmp_path / name)
    for suffix in (".json", ".nc"):
        (tmp_path / "d" / "advi-bald-seed2" / f"round-01{suffix}").unlink()
    done = _design(tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "fitting the full-data reference" not in done.stderr  # kept from the first run
    again = pd.read_csv(tmp_path / "d" / "design.csv")
    timing = ["wall_seconds", "fit_seconds"]
    pd.testing.assert_frame_equal(again.drop(columns=timing), table.drop(columns=timing))


def test_the_reference_is_nuts_at_runs_defaults_and_the_gap_to_it_is_the_files(designed):
    folder, table = designed
    tree = storage.load(folder / "d" / "reference-nuts.nc")
    stored, defaults = json.loads(tree.attrs["config"]), REFERENCE_DEFAULTS().as_dict()
    keys = ("draws", "tune", "chains", "hidden")
    assert {k: stored[k] for k in keys} == {k: defaults[k] for k in keys}
    reference = tree["predictions"]["p"].mean(("chain", "draw"))
    row = table.iloc[-1]
    p = storage.load(folder / "d" / row["file"])["predictions"]["p"].mean(("chain", "draw"))
    assert row["mean_abs_diff_full"] == pytest.approx(float(np.abs(p - reference).mean()))
    summary = json.loads((folder / "d" / "design.json").read_text())
    y = tree["predictions_constant_data"]["y"].to_numpy()
    full = summary["full_data_reference"]
    assert full["accuracy"] == pytest.approx(accuracy(reference.to_numpy(), y))
    assert {r["acquisition"] for r in summary["to_reach"]} == {"random", "bald"}
    assert (
        "Simulations to come near the full-data reference"
        in (folder / "d" / "design.html").read_text()
    )


def test_a_rerun_with_other_settings_is_refused_in_one_line(designed, tmp_path):
    folder, _ = designed
    shutil.copytree(folder / "d", tmp_path / "d")
    for name in ("pool.csv", "test.csv"):
        shutil.copy(folder / name, tmp_path / name)
    args = ["design", "--methods", "advi", "--train-csv", "pool.csv", "--test-csv", "test.csv"]
    done = study(
        *args,
        "--label",
        "broke",
        "--initial",
        "20",
        "--batch",
        "5",
        "--budget",
        "40",
        *TINY,
        "--workers",
        "1",
        "--out",
        "d",
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .endswith("(schedule differ); choose another --out or remove it")
    )


def test_a_reference_of_another_test_set_is_refused_in_one_line(designed, tmp_path):
    folder, _ = designed
    planted(50, seed=9).to_csv(tmp_path / "other.csv", index=False)
    shutil.copy(folder / "pool.csv", tmp_path / "pool.csv")
    reference = folder / "d" / "reference-nuts.nc"
    args = ["design", "--pool", "pool.csv", "--test", "other.csv", "--label", "broke"]
    done = study(*args, "--reference", str(reference), "--out", "d", cwd=tmp_path)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 2, done.stderr
    assert "its test set is not the design's (100 against 50" in done.stderr
    assert not (tmp_path / "d").exists()


def test_an_initial_set_of_one_class_is_refused():
    labels = np.array([0] * 98 + [1] * 2)
    with pytest.raises(DataError, match="--initial 5: the initial set of seed 0 holds one class"):
        initial_rows(labels, 5, seed=0)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(processes) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_worker_killed_mid_round_is_replaced_and_the_loop_ends_with_the_same_numbers(
    designed, tmp_path
):
    """A separate scheduler and worker; the worker is killed as round 1 starts; a new one
    joins: the round is run again there, and the loop's numbers are the undisturbed ones."""
    folder, table = designed
    for name in ("pool.csv", "test.csv"):
        shutil.copy(folder / name, tmp_path / name)
    (tmp_path / "d").mkdir()
    shutil.copy(folder / "d" / "reference-nuts.nc", tmp_path / "d")  # given, not fitted
    dask = str(Path(sys.executable).parent / "dask")
    address = f"tcp://127.0.0.1:{_free_port()}"
    port = address.rsplit(":", 1)[1]
    worker = [dask, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard"]
    log = open(tmp_path / "cluster.log", "w")
    start = [dask, "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"]
    processes = [subprocess.Popen(start, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)]
    try:
        processes.append(subprocess.Popen(worker, cwd=tmp_path, stdout=log, stderr=log))
        args = ["design", "--methods", "advi", "--acquisitions", "bald", "--seeds", "0"]
        args += ["--pool", "pool.csv", "--test", "test.csv", "--label", "broke", *SIZES, *TINY]
        args += ["--reference", str(Path("d") / "reference-nuts.nc")]
        design = subprocess.Popen(
            [sys.executable, "-m", "study", *args, "--scheduler", address, "--out", "d"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.insert(0, design)
        first = tmp_path / "d" / "advi-bald-seed0" / "round-00.json"
        deadline = time.monotonic() + 240
        while not first.exists() and design.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert first.exists(), design.communicate()[1][-2000:]
        time.sleep(0.5)  # round 1 has gone to the worker: a fit takes seconds
        processes[-1].kill()  # the only worker, mid-round
        processes[-1].wait()
        processes.append(subprocess.Popen(worker, cwd=tmp_path, stdout=log, stderr=log))
        _, stderr = design.communicate(timeout=240)
        assert design.returncode == 0, stderr[-2000:]
    finally:
        _stop(processes)
        log.close()
    again = pd.read_csv(tmp_path / "d" / "design.csv")
    expected = table[(table["acquisition"] == "bald") & (table["seed"] == 0)]
    timing = ["wall_seconds", "fit_seconds"]
    pd.testing.assert_frame_equal(
        again.drop(columns=timing).reset_index(drop=True),
        expected.drop(columns=timing).reset_index(drop=True),
    )
