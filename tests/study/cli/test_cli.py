"""The command line: in this process, and as a user runs it, in a subprocess (``run``, ``data``)."""

import json

import pytest

from inference.posterior import storage
from tests.cli import study, study_process


@pytest.fixture
def csv_files(synthetic, tmp_path):
    synthetic.train.to_csv(tmp_path / "train.csv", index=False)
    synthetic.test.to_csv(tmp_path / "test.csv", index=False)
    return ["--train-csv", str(tmp_path / "train.csv"), "--test-csv", str(tmp_path / "test.csv")]


def test_help_explains_every_option(tmp_path):
    out = study("run", "--help", cwd=tmp_path)
    assert out.returncode == 0
    for option in (
        "--method",
        "--data-dir",
        "--out",
        "--seed",
        "--draws",
        "--tune",
        "--chains",
        "--hidden",
        "--likelihood",
        "--save-warmup",
        "--pointwise",
    ):
        assert option in out.stdout


@pytest.mark.parametrize("command", ["run", "report", "compare", "predict", "next", "sweep"])
def test_help_prints_no_format_escape(command, tmp_path):
    """argparse formats help strings, not descriptions: a literal %% would show as typed."""
    out = study(command, "--help", cwd=tmp_path)
    assert out.returncode == 0 and "%%" not in out.stdout and "%(" not in out.stdout


def test_run_smoke(csv_files, tmp_path):
    args = [
        "run",
        "--method",
        "all",
        *csv_files,
        "--out",
        "out",
        "--draws",
        "10",
        "--tune",
        "10",
        "--chains",
        "1",
        "--hidden",
        "2",
        "--max-steps",
        "200",
        "--seed",
        "3",
    ]
    out = study_process(*args, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "accuracy" in out.stdout and "advi" in out.stdout and "nuts" in out.stdout
    numbers = json.loads((tmp_path / "out" / "comparison.json").read_text())
    assert numbers["labels"] == ["advi", "nuts"]
    assert (tmp_path / "out" / "comparison.html").stat().st_size > 0
    for method in ("advi", "nuts"):
        assert (tmp_path / "out" / f"{method}.html").read_text().startswith("<!DOCTYPE html>")
        tree = storage.load(tmp_path / "out" / f"{method}.nc")
        assert tree["posterior"].sizes["hidden"] == 2
        assert tree["posterior"].sizes["draw"] == 10


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--draws", "0"], "must be positive"),
        (["run", "--method", "mcmc"], "unknown method(s) mcmc"),
        (["run", "--data-dir", "does-not-exist"], "not found"),
        (["run", "--test-csv", "test.csv"], "--test-csv needs --train-csv"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(args, message, tmp_path):
    out = study(*args, "--out", "out", cwd=tmp_path)
    assert out.returncode == 2
    assert message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert not (tmp_path / "out").exists()


def test_data_command_verifies_the_files(real_data_dir, tmp_path):
    out = study_process("data", cwd=tmp_path, env={"STUDY_DATA_DIR": str(real_data_dir)})
    assert out.returncode == 0, out.stderr
    assert "found via STUDY_DATA_DIR" in out.stdout and out.stdout.count(" ok") == 3


def test_a_method_whose_package_is_missing_is_refused_before_anything_is_read(
    monkeypatch, capsys, tmp_path
):
    import importlib.util

    from study.cli.parser import main

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "blackjax" else real(name, *a)
    )
    out = tmp_path / "out"
    code = main(["run", "--method", "advi,pathfinder", "--out", str(out), "--data-dir", "nowhere"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "pathfinder needs blackjax" in err[0] and "pip install blackjax" in err[0]
    assert not out.exists()  # and the data directory, which does not exist, was not read


def test_three_methods_write_every_file_and_a_leaderboard(csv_files, tmp_path):
    tiny = ["--hidden", "2", "--draws", "30", "--tune", "30", "--chains", "2"]
    tiny += ["--max-steps", "300", "--window", "100", "--prior-draws", "30"]
    out = study(
        "run", "--method", "laplace,nuts,advi", *csv_files, "--out", "out", *tiny, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    assert "leaderboard against nuts" in out.stdout
    written = {p.name for p in (tmp_path / "out").iterdir()}
    files = {f"{m}.{ext}" for m in ("laplace", "nuts", "advi") for ext in ("nc", "html")}
    assert written == files | {"leaderboard.html", "leaderboard.json"}
    board = json.loads((tmp_path / "out" / "leaderboard.json").read_text())
    assert board["reference"] == "nuts (reference)"
    assert {"laplace", "advi", "logistic regression (baseline)"} <= set(board["rows"])


def test_design_has_its_own_sampler_sizes_and_run_keeps_its_own():
    from study.cli.parser import build_parser
    from study.config import RunConfig
    from study.design.defaults import SAMPLER_DEFAULTS

    parser = build_parser()
    design = vars(parser.parse_args(["design"]))
    run = vars(parser.parse_args(["run"]))
    assert {k: design[k] for k in SAMPLER_DEFAULTS} == SAMPLER_DEFAULTS
    defaults = RunConfig()
    assert {k: run[k] for k in SAMPLER_DEFAULTS} == {
        k: getattr(defaults, k) for k in SAMPLER_DEFAULTS
    }
    assert SAMPLER_DEFAULTS != {k: getattr(defaults, k) for k in SAMPLER_DEFAULTS}
    assert vars(parser.parse_args(["design", "--chains", "6"]))["chains"] == 6
