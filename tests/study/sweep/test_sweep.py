"""Replicated studies on a real Dask cluster: a LocalCluster, and an external scheduler."""

import argparse
import dataclasses
import json
import logging
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from analysis.learning_curves import KEYS, METRICS, analyse_sweep, summary_table
from inference.posterior import storage
from reports import render_sweep
from study.cli.options import seed_list as _seed_list
from study.config import RunConfig
from study.data.dataset import LABEL, Dataset
from study.sweep.cluster import dask_client
from study.sweep.runner import SweepError, run_sweep
from study.sweep.subsets import stratified_subset, subset_dataset
from study.sweep.tasks import plan
from tests.cli import study, study_process
from tests.conftest import make_frame

#: Small, and every setting expressible on the command line (so the CLI can resume it).
CONFIG = RunConfig(hidden=3, draws=40, tune=40, chains=2, max_steps=600)
CLI_OPTIONS = ["--hidden", "3", "--draws", "40", "--tune", "40", "--chains", "2"]
CLI_OPTIONS += ["--max-steps", "600"]
SIZES = (60, 120)


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return Dataset(train=make_frame(150, seed=1), test=make_frame(40, seed=2), source="synthetic")


@pytest.fixture(scope="module")
def csv_args(dataset, tmp_path_factory):
    folder = tmp_path_factory.mktemp("csv")
    dataset.train.to_csv(folder / "train.csv", index=False)
    dataset.test.to_csv(folder / "test.csv", index=False)
    return ["--train-csv", str(folder / "train.csv"), "--test-csv", str(folder / "test.csv")]


@pytest.fixture(scope="module")
def client():
    """A real LocalCluster: two single-threaded worker processes."""
    with dask_client(workers=2) as connected:
        yield connected


@pytest.fixture(scope="module")
def first_sweep(client, dataset, tmp_path_factory):
    """ADVI and NUTS, one seed, two training sizes: four tasks on the two workers."""
    out = tmp_path_factory.mktemp("sweep")
    tasks = plan(methods=("advi", "nuts"), seeds=(0,), train_sizes=SIZES)
    return run_sweep(tasks, dataset, CONFIG, out=out, client=client), out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_subsets_are_stratified_and_nested(seed):
    labels = (np.random.default_rng(99).uniform(size=1000) < 0.35).astype(int)
    share = labels.mean()
    previous = np.array([], dtype=int)
    for size in (10, 57, 400, 999, 1000):
        rows = stratified_subset(labels, size, random_state=seed)
        assert len(rows) == len(set(rows)) == size
        assert labels[rows].sum() == round(size * share)
        assert set(previous) <= set(rows)
        previous = rows
    assert set(previous) == set(range(1000))
    other = stratified_subset(labels, 57, random_state=seed + 10)
    assert set(other) != set(stratified_subset(labels, 57, random_state=seed))


def test_full_size_subset_is_the_training_set_as_read(dataset):
    subset, rows = subset_dataset(dataset, len(dataset.train), seed=3)
    pd.testing.assert_frame_equal(subset.train, dataset.train)
    pd.testing.assert_frame_equal(subset.test, dataset.test)
    np.testing.assert_array_equal(rows, np.arange(len(dataset.train)))


def test_subset_larger_than_the_training_set_is_refused():
    with pytest.raises(ValueError, match="training size 11 is not between 1 and the 10"):
        stratified_subset(np.zeros(10, dtype=int), 11, random_state=0)


def test_seed_ranges_and_lists():
    assert _seed_list("0-3") == [0, 1, 2, 3]
    assert _seed_list("0,3,5") == [0, 3, 5]
    assert _seed_list("5,0-2") == [0, 1, 2, 5]
    for bad in ("3-1", "a", "-1"):
        with pytest.raises(argparse.ArgumentTypeError, match="seed"):
            _seed_list(bad)


def _fake_rows(*, failed=()):
    """Rows of a sweep whose numbers follow a known rule: accuracy and std from seed and size."""
    rows = []
    for seed in range(3):
        for size in (10, 40):
            key = {"method": "advi", "seed": seed, "train_size": size}
            if (seed, size) in failed:
                rows.append(key | {"status": "failed", "error": "ValueError: planted"})
                continue
            numbers = dict.fromkeys(METRICS, 1.0)
            numbers |= {"accuracy": seed / 10 + size / 100, "mean_std": size**-0.5}
            rows.append(key | numbers | {"status": "ok", "file": "f.nc"})
    return rows


def test_learning_curves_and_shrinkage_of_known_numbers():
    table = summary_table(_fake_rows(failed={(2, 40)}))
    sweep = analyse_sweep(table)
    at_10 = sweep.curves["accuracy"].sel({"method": "advi", "train_size": 10})
    np.testing.assert_allclose(at_10, [0.1, 0.2, 0.3])  # min, median, max over seeds 0-2
    at_40 = sweep.curves["accuracy"].sel({"method": "advi", "train_size": 40})
    np.testing.assert_allclose(at_40, [0.4, 0.45, 0.5])  # seed 2 failed: left out
    assert sweep.curves["n_seeds"].sel({"method": "advi"}).values.tolist() == [3, 2]
    np.testing.assert_allclose(sweep.shrinkage["slope"], [-0.5])
    np.testing.assert_allclose(sweep.shrinkage["relative"].sel({"method": "advi"}), [1, 0.5])
    assert sweep.spread.attrs["train_size"] == 40
    assert sweep.spread.loc["accuracy", ("advi", "seeds")] == 2
    np.testing.assert_allclose(
        sweep.spread.loc["accuracy", ("advi", "sd")], np.std([0.4, 0.5], ddof=1)
    )
    assert sweep.failed[["seed", "train_size"]].values.tolist() == [[2, 40]]


def test_report_of_a_sweep_in_which_every_fit_failed():
    every = {(seed, size) for seed in range(3) for size in (10, 40)}
    html = render_sweep(
        analyse_sweep(summary_table(_fake_rows(failed=every))), title="t", settings={}
    )
    assert "6 of 6 fits failed" in html and "ValueError: planted" in html


def test_local_cluster_sweep_writes_every_file(first_sweep, dataset):
    result, out = first_sweep
    table = result.table
    assert result.failed == 0 and len(table) == 4
    assert list(table.columns[: len(KEYS)]) == list(KEYS) and set(METRICS) <= set(table.columns)
    assert (table["status"] == "ok").all() and table[list(METRICS)].notna().all().all()
    assert ((table["accuracy"] >= 0) & (table["accuracy"] <= 1)).all()
    assert (table["wall_seconds"] > table["fit_seconds"]).all()
    saved = pd.read_csv(out / "summary.csv")
    pd.testing.assert_frame_equal(saved[list(METRICS)], table[list(METRICS)])
    with xr.open_dataset(out / "summary.nc", engine="h5netcdf") as cube:
        assert dict(cube.sizes) == {"method": 2, "seed": 1, "train_size": 2}
        assert float(
            cube["accuracy"].sel({"method": "nuts", "seed": 0, "train_size": 120})
        ) == float(table.query("method == 'nuts' and train_size == 120")["accuracy"].iloc[0])
    html = (out / "sweep.html").read_text()
    assert "Learning curves" in html and html.count("data:image/svg+xml") == 3
    for row in table.itertuples():
        tree = storage.load(out / row.file)
        assert tree.attrs["method"] == row.method and tree.attrs["train_size"] == row.train_size
        assert tree["predictions_constant_data"].sizes["test"] == len(dataset.test)
    nuts = storage.load(out / "nuts-seed0-n120.nc")
    assert nuts["posterior"].sizes["chain"] == 2


def test_training_subsets_are_nested_stratified_and_shared_by_methods(first_sweep, dataset):
    _, out = first_sweep
    labels = dataset.train[LABEL].to_numpy()

    def rows(method, size):
        tree = storage.load(out / f"{method}-seed0-n{size}.nc")
        return tree["train_subset"]["row"].to_numpy()

    for method in ("advi", "nuts"):
        small, large = rows(method, SIZES[0]), rows(method, SIZES[1])
        assert set(small) < set(large) and len(large) == SIZES[1]
        for subset in (small, large):
            assert labels[subset].sum() == round(len(subset) * labels.mean())
    np.testing.assert_array_equal(rows("advi", 120), rows("nuts", 120))


def test_rerun_skips_finished_tasks(first_sweep, client, dataset, caplog):
    first, out = first_sweep
    files = sorted(out.glob("*-seed*-n*.nc"))
    stamps = {f: f.stat().st_mtime_ns for f in files}
    caplog.set_level(logging.INFO, logger="study.sweep.runner")
    tasks = plan(methods=("advi", "nuts"), seeds=(0,), train_sizes=SIZES)
    again = run_sweep(tasks, dataset, CONFIG, out=out, client=client)
    assert again.resumed == 4 and again.failed == 0
    assert "4 of 4 tasks already done" in caplog.text
    assert {f: f.stat().st_mtime_ns for f in files} == stamps
    pd.testing.assert_frame_equal(again.table, first.table)


def test_a_sweep_resumes_over_files_written_before_issue_29(first_sweep, client, dataset, tmp_path):
    """A file without the per-row groups, the alignment and units, with every option in its
    config, counts as done: it is not fitted again."""
    _, out = first_sweep
    for path in out.glob("*-seed*-n*.nc"):
        tree = storage.load(path)
        if path.name.startswith("advi-"):
            for group in ("log_likelihood", "posterior_predictive", "hidden_alignment"):
                del tree[group]
            tree["constant_data"] = (
                tree["constant_data"].to_dataset().drop_vars("unit", errors="ignore")
            )
            every = json.loads(tree.attrs["config"]) | {"chains": CONFIG.chains, "tune": 20}
            tree.attrs["config"] = json.dumps(every | {"data_source": "/home/someone/data"})
        storage.save(tree, tmp_path / path.name)
    stamps = {f: f.stat().st_mtime_ns for f in tmp_path.glob("*.nc")}
    tasks = plan(methods=("advi", "nuts"), seeds=(0,), train_sizes=SIZES)
    again = run_sweep(tasks, dataset, CONFIG, out=tmp_path, client=client)
    assert again.resumed == 4 and again.failed == 0
    assert {f: f.stat().st_mtime_ns for f in stamps} == stamps


def test_rerun_with_other_settings_is_refused(first_sweep, client, dataset):
    _, out = first_sweep
    tasks = plan(methods=("advi",), seeds=(0,), train_sizes=SIZES)
    other = dataclasses.replace(CONFIG, draws=41)
    with pytest.raises(SweepError, match="draws differ"):
        run_sweep(tasks, dataset, other, out=out, client=client)


def test_failed_task_is_reported_and_the_others_finish(first_sweep, csv_args, tmp_path):
    _, done = first_sweep
    out = tmp_path / "out"
    shutil.copytree(done, out)
    args = ["sweep", "--methods", "advi", "--seeds", "0-1", "--train-sizes", "60,100000"]
    result = study(*args, *csv_args, *CLI_OPTIONS, "--out", "out", "--workers", "1", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "failed: advi seed 0 n=100000: ValueError: training size 100000" in result.stdout
    assert "task advi-seed1-n100000 failed" in result.stderr
    table = pd.read_csv(out / "summary.csv")
    assert len(table) == 4 and list(table["status"]).count("failed") == 2
    assert table.query("status == 'failed'")["error"].str.contains("training size").all()
    assert (out / "advi-seed1-n60.nc").is_file()
    assert not list(out.glob("*n100000*"))
    assert "2 of 4 fits failed" in (out / "sweep.html").read_text()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def external_scheduler(tmp_path):
    """A separate ``dask scheduler`` and ``dask worker`` on loopback, stopped afterwards."""
    dask = str(Path(sys.executable).parent / "dask")
    address = f"tcp://127.0.0.1:{_free_port()}"
    host, port = address.removeprefix("tcp://").split(":")
    commands = [
        [dask, "scheduler", "--host", host, "--port", port, "--no-dashboard"],
        [dask, "worker", address, "--nthreads", "1", "--no-dashboard"],
    ]
    workdir = tmp_path / "cluster"
    workdir.mkdir()
    processes = []
    with open(tmp_path / "cluster.log", "w") as log:
        try:
            for command in commands:
                processes.append(
                    subprocess.Popen(command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
                )
            yield address
        finally:
            for process in reversed(processes):
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def test_external_scheduler(external_scheduler, first_sweep, csv_args, tmp_path):
    args = ["sweep", "--methods", "advi,nuts", "--seeds", "0", "--train-sizes", "60"]
    result = study_process(*args, *csv_args, *CLI_OPTIONS, "--out", "ext", "--scheduler",
                   external_scheduler, cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"running 2 on {external_scheduler}" in result.stderr
    assert "2 of 2 fits done" in result.stdout
    _, local = first_sweep
    for method in ("advi", "nuts"):
        name = f"{method}-seed0-n60.nc"
        here, there = (
            storage.load(tmp_path / "ext" / name),
            storage.load(local / name),
        )
        # a task is a function of its settings alone: the same on any worker
        np.testing.assert_allclose(here["predictions"]["p"], there["predictions"]["p"], rtol=1e-6)
    assert (tmp_path / "ext" / "sweep.html").is_file()


def test_unreachable_scheduler_is_one_line_and_exit_code_2(csv_args, tmp_path):
    address = f"tcp://127.0.0.1:{_free_port()}"
    result = study("sweep", *csv_args, "--scheduler", address, "--out", "out", cwd=tmp_path)
    assert result.returncode == 2
    assert f"cannot reach the Dask scheduler {address}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
