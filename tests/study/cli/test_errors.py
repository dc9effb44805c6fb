"""Bad input: one clear line naming what is wrong and where, exit code 2, nothing written."""

import json
import os
import shutil
from pathlib import Path

import arviz_base
import pandas as pd
import pytest

from analysis.comparison.two_files import ComparisonError, check_comparable
from common.atomic import OutputError, atomic_write
from inference.posterior import storage
from inference.posterior.attrs import NETWORK_CONFIG
from inference.posterior.storage import PosteriorFileError
from inference.testing import tiny_posterior_file
from study.cli.parser import main
from study.config import ConfigError, RunConfig, option_fields
from study.data.dataset import FEATURES, LABEL, DataError
from study.data.download import PAPER_FILES
from study.data.reader import load_csv_dataset, load_dataset
from tests.cli import study
from tests.conftest import make_frame
from tests.hostile import BREAKERS, first, write_raw

ARVIZ_EXAMPLE = Path(arviz_base.__file__).parent / "example_data" / "data" / "centered_eight.nc"


def assert_one_line_error(done, *fragments):
    """Exit code 2, a single stderr line starting 'error:' or naming the option, no traceback."""
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


# ---- data ----------------------------------------------------------------------------


def _csv_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _with_cell(frame: pd.DataFrame, row: int, column: str, value: str) -> str:
    """The CSV text of ``frame`` with one cell replaced by raw text."""
    table = frame.astype(object)
    table.loc[row, column] = value
    return _csv_text(table)


def _replace_line(text: str, line: int, new: str) -> str:
    lines = text.splitlines()
    lines[line - 1] = new
    return "\n".join(lines) + "\n"


def _cases(train: pd.DataFrame) -> dict:
    """Malformed training files: (CSV text, fragments the one-line message must hold)."""
    text = _csv_text(train)
    line3 = text.splitlines()[2]
    return {
        "non-numeric cell": (
            _with_cell(train, 3, "sxx", "abc"),
            ["line 5", "column 'sxx'", "value 'abc'", "is not a number", "finite number"],
        ),
        "empty cell": (_with_cell(train, 0, "dc", ""), ["line 2", "column 'dc'", "value ''"]),
        "NaN": (_with_cell(train, 1, "mud", "nan"), ["line 3", "'mud'", "'nan'", "not finite"]),
        "inf": (_with_cell(train, 1, "width", "-inf"), ["line 3", "'-inf'", "not finite"]),
        "label 2": (
            _with_cell(train, 4, LABEL, "2"),
            ["line 6", "column 'label'", "value '2'", "a third class", "0/1, true/false"],
        ),
        "label text": (_with_cell(train, 4, LABEL, "yes"), ["line 6", "'yes'", "third class"]),
        "extra value": (
            _replace_line(text, 3, line3 + ",7"),
            ["line 3 has 10 values", "expected 9"],
        ),
        "missing value": (
            _replace_line(text, 3, line3.rsplit(",", 1)[0]),
            ["line 3 has 8 values", "expected 9"],
        ),
        "missing column": (
            _csv_text(train.drop(columns="label")),
            ["line 1", "has no label column 'label'", "--label"],
        ),
        "duplicated column": (
            _csv_text(pd.concat([train, train[["sxx"]]], axis=1)),
            ["line 1", "column 'sxx' 2 times", "each once"],
        ),
        "one class": (
            _csv_text(train.assign(label=0)),
            ["every training simulation has label 0", "both classes"],
        ),
        "fewer rows than features": (
            _csv_text(train.iloc[[0, 1, 2, 5, 6]]),
            ["5 training rows", f"fewer than the {len(FEATURES)} features"],
        ),
        "header only": (",".join(train.columns) + "\n", ["no data rows"]),
        "empty file": ("", ["empty file"]),
    }


@pytest.mark.parametrize("case", list(_cases(make_frame(10, seed=1))))
def test_malformed_training_csv_is_refused_naming_the_fault(case, synthetic, tmp_path):
    text, fragments = _cases(synthetic.train)[case]
    train = _write(tmp_path / "train.csv", text)
    test = _write(tmp_path / "test.csv", _csv_text(synthetic.test))
    with pytest.raises(DataError) as err:
        load_csv_dataset(train, test)
    message = str(err.value)
    assert message.startswith(str(train)) and "\n" not in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_test_set_with_one_class_is_refused(synthetic, tmp_path):
    train = _write(tmp_path / "train.csv", _csv_text(synthetic.train))
    test = _write(tmp_path / "test.csv", _csv_text(synthetic.test.assign(label=1)))
    with pytest.raises(DataError, match="every test simulation has label 1"):
        load_csv_dataset(train, test)


def test_missing_and_binary_csv_files_are_refused(synthetic, tmp_path):
    test = _write(tmp_path / "test.csv", _csv_text(synthetic.test))
    with pytest.raises(DataError, match=r"train\.csv: file not found"):
        load_csv_dataset(tmp_path / "train.csv", test)
    (tmp_path / "train.csv").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(DataError, match="byte 1 is not UTF-8 text"):
        load_csv_dataset(tmp_path / "train.csv", test)


def test_harmless_variations_are_read(synthetic, tmp_path):
    """A byte-order mark, CRLF line ends, blank lines and spaces around numbers are fine."""
    lines = _csv_text(synthetic.train).splitlines()
    spaced = [lines[0]] + [" , ".join(line.split(",")) for line in lines[1:]]
    text = "\ufeff" + "\r\n".join([spaced[0], "", *spaced[1:], ""])
    train = _write(tmp_path / "train.csv", text)
    test = _write(tmp_path / "test.csv", _csv_text(synthetic.test))
    data = load_csv_dataset(train, test)
    pd.testing.assert_frame_equal(data.train.reset_index(drop=True), synthetic.train)


def _tampered_copy(real_data_dir: Path, target: Path) -> Path:
    target.mkdir()
    for name in PAPER_FILES:
        shutil.copy(real_data_dir / name, target / name)
    path = target / "rupturemodel_train.txt"
    path.write_bytes(path.read_bytes().replace(b"1", b"7", 1))
    return target


def test_checksum_mismatch_is_refused_before_anything_is_read(real_data_dir, tmp_path):
    directory = _tampered_copy(real_data_dir, tmp_path / "data")
    with pytest.raises(DataError) as err:
        load_dataset(data_dir=directory)
    message = str(err.value)
    assert "sha256 mismatch" in message and "rupturemodel_train.txt" in message
    assert PAPER_FILES["rupturemodel_train.txt"] in message


@pytest.mark.parametrize("case", ["non-numeric cell", "duplicated column", "one class"])
def test_command_line_refuses_bad_csv_in_one_line(case, synthetic, tmp_path):
    text, fragments = _cases(synthetic.train)[case]
    _write(tmp_path / "train.csv", text)
    _write(tmp_path / "test.csv", _csv_text(synthetic.test))
    done = study(
        "run", "--train-csv", "train.csv", "--test-csv", "test.csv", "--out", "out", cwd=tmp_path
    )
    assert_one_line_error(done, "error: ", "train.csv", *fragments)
    assert not (tmp_path / "out").exists()


def test_command_line_refuses_tampered_paper_files(real_data_dir, tmp_path):
    directory = _tampered_copy(real_data_dir, tmp_path / "data")
    done = study("run", "--data-dir", directory, "--out", "out", cwd=tmp_path)
    assert_one_line_error(done, "sha256 mismatch", "rupturemodel_train.txt")
    assert not (tmp_path / "out").exists()


# ---- posterior files ------------------------------------------------------------------


@pytest.fixture(scope="module")
def trees(advi_file, nuts_file):
    return {"advi": storage.load(advi_file), "nuts": storage.load(nuts_file)}


@pytest.mark.parametrize("method", ["advi", "nuts"])
@pytest.mark.parametrize("breaker", sorted(BREAKERS))
def test_broken_tree_is_refused(trees, method, breaker):
    broken = BREAKERS[breaker](trees[method].copy(deep=True), first)
    with pytest.raises(PosteriorFileError) as err:
        storage.validate(broken)
    assert "\n" not in str(err.value)


def _truncated(advi_file: Path, path: Path) -> None:
    data = advi_file.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _arviz_example(advi_file: Path, path: Path) -> None:
    shutil.copy(ARVIZ_EXAMPLE, path)


def _broken(name: str, pick=first):
    def make(advi_file: Path, path: Path) -> None:
        tree = storage.load(advi_file)
        write_raw(BREAKERS[name](tree.copy(deep=True), pick), path)

    return make


#: Bad posterior files: (maker, fragments of the one-line message).
BAD_FILES = {
    "text": (lambda _, p: p.write_text("w0,b0\n1,2\n"), ["not a readable netCDF file"]),
    "empty": (lambda _, p: p.write_bytes(b""), ["not a readable netCDF file"]),
    "truncated": (_truncated, ["not a readable netCDF file"]),
    "ArviZ example": (_arviz_example, ["not a valid rupture-bnn posterior file", "posterior/w0"]),
    "missing group": (_broken("drop_group"), ["group 'constant_data' is missing"]),
    "missing variable": (_broken("drop_variable"), ["variable posterior/w0 is missing"]),
    "wrong dims": (_broken("rename_dim"), ["posterior/w0 has dims"]),
    "feature labels": (_broken("relabel_feature"), ["different feature labels"]),
    "repeated labels": (_broken("repeat_label"), ["repeated 'feature' labels"]),
    "sizes": (
        _broken("shrink", pick=lambda options: options[2]),
        ["prior/w0 has 8 along 'feature' but posterior/w0 has 7", "expected the same size"],
    ),
    # h5netcdf writes a dim of size 0 as unlimited, refused before its size is read
    "no draws": (_broken("shrink"), ["/posterior/w0 can grow to (None,", "a fixed shape"]),
    "values": (_broken("non_finite"), ["NaN or infinite"]),
    "config": (_broken("bad_config"), ["attr 'config' lacks 'hidden'"]),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_posterior_file_is_refused_on_loading(case, advi_file, tmp_path):
    make, fragments = BAD_FILES[case]
    path = tmp_path / "bad.nc"
    make(advi_file, path)
    with pytest.raises(PosteriorFileError) as err:
        storage.load(path)
    message = str(err.value)
    assert message.startswith(str(path)) and "\n" not in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


@pytest.mark.parametrize("case", ["truncated", "ArviZ example", "feature labels", "config"])
def test_report_command_refuses_bad_file_in_one_line(case, advi_file, tmp_path):
    make, fragments = BAD_FILES[case]
    make(advi_file, tmp_path / "bad.nc")
    done = study("report", "bad.nc", cwd=tmp_path)
    assert_one_line_error(done, "error: bad.nc", *fragments)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.nc"]


def test_stored_configuration_is_read_back_through_the_one_schema(trees):
    """A file's config attr rebuilds the RunConfig it was written with; the network keys
    the inference layer checks are fields of that one schema."""
    for method, tree in trees.items():
        stored = json.loads(tree.attrs["config"])
        assert RunConfig.from_stored(stored) == RunConfig(
            **{f.name: stored[f.name] for f in option_fields() if f.name in stored}
        )
        # the options that shape this method's fit, and no other method's
        assert set(stored) == set(RunConfig().applying_to(method)) | {"method", "data_source"}
    assert set(NETWORK_CONFIG) <= {f.name for f in option_fields()}


@pytest.mark.parametrize("field", [f.name for f in option_fields()])
def test_stored_option_of_the_wrong_type_is_refused_naming_it(field, trees):
    stored = json.loads(trees["nuts"].attrs["config"])
    wrong = "7" if not isinstance(getattr(RunConfig(), field), str) else 7
    with pytest.raises(ConfigError, match=f"^{field}: "):
        RunConfig.from_stored(stored | {field: wrong})


def test_files_that_name_their_features_differently_are_not_compared(trees):
    other = trees["nuts"].copy(deep=True)
    renamed = [f"{f} (km)" for f in other["posterior"]["feature"].values]
    for group in ("posterior", "prior", "constant_data", "predictions_constant_data"):
        other[group] = other[group].to_dataset().assign_coords(feature=renamed)
    storage.validate(other)  # each file on its own is fine
    with pytest.raises(ComparisonError, match="name their features differently"):
        check_comparable(trees["advi"], other)


def test_directory_and_device_are_not_posterior_files(tmp_path):
    with pytest.raises(PosteriorFileError, match="not found"):
        storage.load(tmp_path / "none.nc")
    for path in (tmp_path, Path(os.devnull)):
        with pytest.raises(PosteriorFileError, match="is not a regular file"):
            storage.load(path)


# ---- command line ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--draws", "-5"], "argument --draws: -5 must be positive"),
        (["--draws", "1"], "argument --draws: 1 is too few (at least 2 draws)"),
        (["--chains", "0"], "argument --chains: 0 must be positive"),
        (["--hidden", "-1"], "argument --hidden: -1 must be positive"),
        (["--tune", "ten"], "argument --tune: 'ten' is not a number"),
        (["--learning-rate", "nan"], "argument --learning-rate: nan is not a finite number"),
        (["--seed", "-1"], "argument --seed: -1 is not a seed"),
        (["--method", "vi"], "argument --method: unknown method(s) vi; choose from advi, nuts"),
        (["--backend", "stan"], "argument --backend: invalid choice: 'stan'"),
    ],
)
def test_bad_option_is_one_line_and_exit_code_2(args, fragment, tmp_path):
    done = study("run", *args, "--out", "out", cwd=tmp_path)
    assert_one_line_error(done, fragment)
    assert not (tmp_path / "out").exists()


def test_output_that_cannot_be_written_is_refused_before_fitting(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    done = study("run", "--out", "file/runs", "--method", "advi", cwd=tmp_path)
    assert_one_line_error(done, "error: cannot write in file/runs", "file is not a directory")
    assert "fitting" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


@pytest.mark.parametrize(
    ("output", "fragment"),
    [
        ("posterior.nc", "it is one of the input files"),
        ("folder", "it exists and is not a regular file"),
        (os.devnull, "it exists and is not a regular file"),
        ("file/report.html", "file is not a directory"),
    ],
)
def test_report_refuses_an_output_it_must_not_write(output, fragment, advi_file, tmp_path):
    shutil.copy(advi_file, tmp_path / "posterior.nc")
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("x")
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    done = study("report", "posterior.nc", "-o", output, cwd=tmp_path)
    assert_one_line_error(done, "error: cannot write", fragment)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")} == before
    assert Path(os.devnull).is_char_device()


def test_atomic_write_refuses_directories_and_unwritable_places(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="not a regular file"):
        atomic_write(tmp_path, "x")
    with pytest.raises(OutputError, match="cannot write"):
        atomic_write(tmp_path / "file" / "a.html", "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_a_leaderboard_of_the_reference_alone_is_one_line_and_writes_nothing(tmp_path, capsys):
    reference = storage.save(tiny_posterior_file("nuts", chains=3), tmp_path / "nuts.nc")
    out = tmp_path / "board.html"
    args = ["compare", str(reference), "--reference", str(reference), "--no-baselines"]
    assert main([*args, "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nothing to score against the reference" in err[0]
    assert not out.exists()


def test_a_file_without_feature_labels_is_refused(trees):
    bare = trees["advi"].copy(deep=True)
    for group in ("posterior", "prior", "constant_data", "predictions_constant_data"):
        bare[group] = bare[group].to_dataset().drop_vars("feature")
    with pytest.raises(PosteriorFileError, match="no 'feature' labels"):
        storage.validate(bare)
