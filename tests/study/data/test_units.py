"""Units: read from the data, stored in the file, shown on every axis, table and CSV header."""

import pandas as pd
import pytest

from inference.posterior import storage
from inference.posterior.contract import PosteriorFileError, validate
from inference.posterior.units import feature_labels, feature_units
from inference.testing import tiny_posterior_file
from study.data.dataset import FEATURES, DataError
from study.data.reader import load_csv_dataset
from study.data.units import PAPER_UNITS
from tests.cli import study

UNITS = {"sxx": "MPa", "syy": "MPa", "dc": "m", "mud": "1"}


def _labelled(frame: pd.DataFrame, units: dict) -> pd.DataFrame:
    return frame.rename(columns={f: f"{f} [{u}]" for f, u in units.items()})


@pytest.fixture
def csvs(synthetic, tmp_path):
    _labelled(synthetic.train, UNITS).to_csv(tmp_path / "train.csv", index=False)
    _labelled(synthetic.test, {"sxx": "MPa"}).to_csv(tmp_path / "test.csv", index=False)
    return tmp_path / "train.csv", tmp_path / "test.csv"


def test_a_header_names_a_feature_with_its_unit(csvs):
    data = load_csv_dataset(*csvs)
    assert data.units == UNITS
    assert list(data.train.columns[:8]) == list(FEATURES)


def test_the_two_files_may_not_disagree_on_a_unit(synthetic, tmp_path):
    _labelled(synthetic.train, {"sxx": "MPa"}).to_csv(tmp_path / "a.csv", index=False)
    _labelled(synthetic.test, {"sxx": "kPa"}).to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(DataError, match=r"gives 'sxx' in kPa, .* in MPa"):
        load_csv_dataset(tmp_path / "a.csv", tmp_path / "b.csv")


def test_a_unit_with_markup_is_refused(synthetic, tmp_path):
    _labelled(synthetic.train, {"sxx": "$\\alpha$"}).to_csv(tmp_path / "a.csv", index=False)
    synthetic.test.to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(DataError, match="gives column 'sxx' the unit"):
        load_csv_dataset(tmp_path / "a.csv", tmp_path / "b.csv")


def test_the_paper_units_are_its_readmes():
    assert PAPER_UNITS["sxx"] == "MPa" and PAPER_UNITS["height"] == "km"
    assert set(PAPER_UNITS) == set(FEATURES)


def test_a_file_carries_its_units_to_the_report_and_the_csvs(csvs, tmp_path):
    """run on labelled CSVs, then report, predict and next: units all the way."""
    train, test = csvs
    args = ["--train-csv", train, "--test-csv", test, "--out", "out", "--method", "advi"]
    sizes = ["--hidden", 2, "--max-steps", 300, "--draws", 20, "--prior-draws", 20]
    done = study("run", *args, *sizes, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    tree = storage.load(tmp_path / "out" / "advi.nc")
    assert feature_units(tree)["sxx"] == "MPa" and feature_units(tree)["height"] == ""
    assert feature_labels(tree)["mud"] == "mud [–]"
    html = (tmp_path / "out" / "advi.html").read_text()
    assert "sxx [MPa]</th>" in html  # the next-simulations table's header
    done = study("next", "out/advi.nc", "--sobol", 64, "-k", 5, "-o", "next.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    header = (tmp_path / "next.csv").read_text().splitlines()[0]
    assert "sxx [MPa]" in header and "dc [m]" in header and ",height," in header
    # its feature columns read back as candidates: a labelled header names the features
    chosen = pd.read_csv(tmp_path / "next.csv")[list(feature_labels(tree).values())]
    chosen.to_csv(tmp_path / "chosen.csv", index=False)
    back = study("next", "out/advi.nc", "--candidates", "chosen.csv", "-o", "n2.csv", cwd=tmp_path)
    assert back.returncode == 0, back.stderr
    frame = pd.read_csv(test).rename(columns={"sxx [MPa]": "sxx [kPa]"})
    frame.to_csv(tmp_path / "kpa.csv", index=False)
    done = study("predict", "out/advi.nc", "kpa.csv", "-o", "p.csv", cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1
    assert "gives 'sxx' in kPa, but the posterior file's training data is in MPa" in lines[0]


def test_the_contract_refuses_a_unit_with_markup():
    tree = tiny_posterior_file()
    data = tree["constant_data"].to_dataset()
    units = ["$\\\\alpha$"] + [""] * (data.sizes["feature"] - 1)
    tree["constant_data"] = data.assign_coords(unit=("feature", units))
    with pytest.raises(PosteriorFileError, match="constant_data/unit holds"):
        validate(tree)
