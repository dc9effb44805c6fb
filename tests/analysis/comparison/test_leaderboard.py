"""The leaderboard: N files scored against one reference, from the files alone."""

import json

import numpy as np
import pytest

from analysis.comparison.baselines import BASELINES, fit_baselines
from analysis.comparison.leaderboard import leaderboard
from analysis.comparison.two_files import compare_runs
from analysis.file_analysis import analyse_run
from inference.posterior import storage
from inference.testing import tiny_posterior_file
from tests.cli import study, study_process


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("board")
    trees = {
        "advi": tiny_posterior_file("advi"),
        "nuts": tiny_posterior_file("nuts", chains=4),
        "other": tiny_posterior_file("nuts", chains=2),
    }
    return {name: storage.save(tree, out / f"{name}.nc") for name, tree in trees.items()}


def test_each_row_is_the_two_file_comparison_with_the_reference(files):
    runs = {name: analyse_run(storage.load(path), n_repeats=1) for name, path in files.items()}
    board = leaderboard([runs["advi"], runs["other"]], reference=runs["nuts"])
    table = board.table
    assert table.index.tolist() == ["nuts (reference)", "advi", "nuts"]
    pair = compare_runs(runs["advi"], runs["nuts"])
    row = table.loc["advi"]
    assert row["mean_abs_diff"] == pytest.approx(float(pair.numbers["mean_abs_diff"]))
    assert row["accuracy"] == pytest.approx(pair.predictions.loc["accuracy", "advi"])
    assert row["mean_abs_diff_se"] == pytest.approx(pair.intervals.loc["mean_abs_diff", "se"])
    assert row["khat"] == pytest.approx(runs["advi"].diagnostics.khat)
    reference = table.loc["nuts (reference)"]
    assert reference["mean_abs_diff"] == 0.0 and reference["class_agreement"] == 1.0
    assert reference["accuracy"] == pytest.approx(runs["nuts"].metrics.accuracy)
    text = " ".join(board.conclusion)
    assert ("Within it" in text) or ("No method" in text)
    beyond = table.drop(index="nuts (reference)")["beyond_reference_spread"].astype(bool)
    for label in beyond.index[beyond]:
        assert label in text.split("Beyond it:")[1]


def _compare(*args, cwd, process=False):
    """``study compare``: in this process, or (the command's smoke test) in a subprocess."""
    return (study_process if process else study)("compare", *args, cwd=cwd)


def test_compare_with_a_reference_writes_the_leaderboard(files, tmp_path):
    html, data = tmp_path / "board.html", tmp_path / "board.json"
    done = _compare(
        *files.values(),
        "--reference",
        files["nuts"],
        "-o",
        html,
        "--json",
        data,
        "--repeats",
        "1",
        cwd=tmp_path,
        process=True,
    )
    assert done.returncode == 0, done.stderr
    numbers = json.loads(data.read_text())
    assert numbers["reference"] == "nuts (reference)"
    baselines = {f"{name} (baseline)" for name in BASELINES if name != "MLP"}
    baselines |= {"MLP 8-3-1 (baseline)"}  # the file's network: 8 inputs, 3 hidden units
    # the reference once, then the other files, then the baselines
    assert set(numbers["rows"]) == {"nuts (reference)", "advi", "nuts"} | baselines
    assert numbers["rows"]["nuts (reference)"]["khat"] is None  # NaN as null
    forest = numbers["rows"]["random forest (baseline)"]
    assert forest["mean_wasserstein_w0"] is None and forest["accuracy"] is not None
    assert any("baselines" in line for line in numbers["conclusion"])
    assert set(numbers["baselines"]) == baselines
    assert html.read_text().count('src="data:image/svg+xml;base64,') == 2
    done = _compare(
        *files.values(),
        "--reference",
        files["nuts"],
        "--no-baselines",
        "-o",
        html,
        "--json",
        data,
        "--repeats",
        "1",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert set(json.loads(data.read_text())["rows"]) == {"nuts (reference)", "advi", "nuts"}


def test_baselines_learn_the_planted_rule_from_the_files_training_rows(files):
    """The tiny files' labels follow a planted linear rule: a linear model recovers it."""
    tree = storage.load(files["nuts"])
    result = fit_baselines(tree, names=("logistic regression", "random forest"))
    assert result.table.loc["logistic regression", "accuracy"] >= 0.85
    assert result.p.sizes == {"baseline": 2, "test": tree["predictions"]["p"].sizes["test"]}
    y = tree["predictions_constant_data"]["y"].to_numpy()
    p = result.p.sel(baseline="random forest").to_numpy()
    assert result.table.loc["random forest", "accuracy"] == pytest.approx(
        np.mean((p > 0.5) == (y == 1))
    )
    # same rows, same seed: the same predictions
    again = fit_baselines(tree, names=("random forest",))
    np.testing.assert_array_equal(again.p.sel(baseline="random forest"), p)


def test_more_than_two_files_need_a_reference(files, tmp_path):
    done = _compare(*files.values(), "-o", tmp_path / "c.html", cwd=tmp_path)
    assert done.returncode == 2
    assert "--reference" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "c.html").exists()


def test_a_leaderboard_of_lazy_analyses_is_the_same_and_skips_what_no_row_reads(files):
    trees = {name: storage.load(path) for name, path in files.items()}
    eager = {name: analyse_run(tree, n_repeats=1) for name, tree in trees.items()}
    lazy = {name: analyse_run(tree, n_repeats=1, lazy=True) for name, tree in trees.items()}
    assert not {"importance", "diagnostics", "thresholds"} & set(lazy["advi"].__dict__)
    boards = [
        leaderboard([runs["advi"], runs["other"]], reference=runs["nuts"]).table
        for runs in (eager, lazy)
    ]
    assert boards[0].drop(columns="fit_seconds").equals(boards[1].drop(columns="fit_seconds"))
    for run in lazy.values():  # a row needs neither the report's tables nor its figures' data
        assert not {"thresholds", "densities", "pooled", "misclassified", "answers"} & set(
            run.__dict__
        )
    # nor the judgement of any file's Markov chains: the reference's included
    assert "diagnostics" not in lazy["nuts"].__dict__ | lazy["other"].__dict__


def test_the_gp_kernel_is_fitted_on_a_stratified_subset_and_the_table_says_so(files, monkeypatch):
    from analysis.comparison import baselines

    tree = storage.load(files["nuts"])
    y = tree["observed_data"]["y"].to_numpy()
    names = ("GP classifier", "logistic regression")
    whole = fit_baselines(tree, names=names)
    monkeypatch.setattr(baselines, "GP_KERNEL_ROWS", 20)
    subset = fit_baselines(tree, names=names)
    assert whole.table.loc["GP classifier", "kernel_rows"] == len(y)
    assert subset.table.loc["GP classifier", "kernel_rows"] == 20
    assert np.isnan(subset.table.loc["logistic regression", "kernel_rows"])
    # the latent GP sees every row: its predictions still learn the planted rule
    assert subset.table.loc["GP classifier", "accuracy"] >= 0.8
    keep = baselines.stratified_subset(y, 20, random_state=0)
    assert len(set(keep)) == 20 and abs(y[keep].mean() - y.mean()) <= 1 / 20
