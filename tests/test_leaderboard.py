"""The leaderboard: N files scored against one reference, from the files alone."""

import json
import subprocess
import sys

import pytest

from analysis.compare import compare_runs
from analysis.leaderboard import leaderboard
from analysis.run_analysis import analyse_run
from inference import posterior_file
from inference.testing import tiny_posterior_file


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("board")
    trees = {
        "advi": tiny_posterior_file("advi"),
        "nuts": tiny_posterior_file("nuts", chains=4),
        "other": tiny_posterior_file("nuts", chains=2),
    }
    return {name: posterior_file.save(tree, out / f"{name}.nc") for name, tree in trees.items()}


def test_each_row_is_the_two_file_comparison_with_the_reference(files):
    runs = {
        name: analyse_run(posterior_file.load(path), n_repeats=1) for name, path in files.items()
    }
    board = leaderboard([runs["advi"], runs["other"]], reference=runs["nuts"])
    table = board.table
    assert table.index.tolist() == ["nuts (reference)", "advi", "nuts"]
    pair = compare_runs(runs["advi"], runs["nuts"])
    row = table.loc["advi"]
    assert row["mean_abs_diff"] == pytest.approx(pair.agreement["mean_abs_diff"])
    assert row["accuracy"] == pytest.approx(pair.predictions.loc["accuracy", "advi"])
    assert row["mean_abs_diff_se"] == pytest.approx(pair.intervals.loc["mean_abs_diff", "se"])
    assert row["khat"] == pytest.approx(runs["advi"].diagnostics.khat)
    reference = table.loc["nuts (reference)"]
    assert reference["mean_abs_diff"] == 0.0 and reference["class_agreement"] == 1.0
    assert reference["accuracy"] == pytest.approx(runs["nuts"].metrics["accuracy"])
    text = " ".join(board.conclusion)
    assert ("Within it" in text) or ("No method" in text)
    beyond = table.drop(index="nuts (reference)")["beyond_reference_spread"].astype(bool)
    for label in beyond.index[beyond]:
        assert label in text.split("Beyond it:")[1]


def _compare(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "study", "compare", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )


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
    )
    assert done.returncode == 0, done.stderr
    numbers = json.loads(data.read_text())
    assert numbers["reference"] == "nuts (reference)"
    assert set(numbers["rows"]) == {"nuts (reference)", "advi", "nuts"}  # the reference once
    assert numbers["rows"]["nuts (reference)"]["khat"] is None  # NaN as null
    assert html.read_text().count('src="data:image/svg+xml;base64,') == 2


def test_more_than_two_files_need_a_reference(files, tmp_path):
    done = _compare(*files.values(), "-o", tmp_path / "c.html", cwd=tmp_path)
    assert done.returncode == 2
    assert "--reference" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "c.html").exists()
