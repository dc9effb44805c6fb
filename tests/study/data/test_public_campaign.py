"""A real, public campaign: scikit-learn's breast-cancer set, 569 rows and 30 features.

Its label holds two names (``--positive malignant``) and no test file is given: the
toolkit holds out a stratified, seeded fifth, records which lines went where, and names
the classes in its report.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

from analysis.comparison.baselines import fit_baselines
from analysis.predictive.metrics import accuracy
from inference.posterior import storage
from inference.posterior.classes import file_classes
from study.data.campaign import load_csv_dataset
from tests.cli import study


def cancer_frame() -> pd.DataFrame:
    """The data set as a seismologist's CSV would hold it: named columns, a named label."""
    data = load_breast_cancer(as_frame=True)
    names = np.where(data.target == 0, "malignant", "benign")
    return data.frame.drop(columns="target").assign(diagnosis=names)


@pytest.fixture(scope="module")
def cancer(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cancer")
    cancer_frame().to_csv(folder / "cancer.csv", index=False)
    args = ["run", "--method", "advi", "--train-csv", "cancer.csv", "--label", "diagnosis"]
    args += ["--positive", "malignant", "--out", "out", "--draws", "100", "--prior-draws", "50"]
    done = study(*args, cwd=folder)
    assert done.returncode == 0, done.stderr[-3000:]
    return folder, storage.load(folder / "out" / "advi.nc")


def test_the_split_is_stratified_and_its_lines_give_back_the_stored_rows(cancer):
    _, tree = cancer
    frame = cancer_frame()
    train = tree["constant_data"]["line"].to_numpy()
    test = tree["predictions_constant_data"]["line"].to_numpy()
    assert len(test) == round(0.2 * len(frame)) and not set(train) & set(test)
    assert sorted([*train, *test]) == list(range(2, len(frame) + 2))  # every data line once
    malignant = frame["diagnosis"].eq("malignant")
    rows = frame.iloc[test - 2]
    assert abs(rows["diagnosis"].eq("malignant").mean() - malignant.mean()) < 0.01
    x = frame.iloc[train - 2].drop(columns="diagnosis") - tree["constant_data"]["x_mean"].values
    np.testing.assert_allclose(
        x / tree["constant_data"]["x_std"].values, tree["constant_data"]["X"]
    )
    np.testing.assert_array_equal(tree["predictions_constant_data"]["y"], malignant.iloc[test - 2])


def test_the_classes_are_named_from_the_label_and_the_report_uses_them(cancer):
    folder, tree = cancer
    classes = file_classes(tree)
    assert (classes.label, classes.names) == ("diagnosis", ("benign", "malignant"))
    html = (folder / "out" / "advi.html").read_text()
    assert "P(malignant)" in html and "P(propagate)" not in html
    assert "diagnosis: malignant = 1 (malignant), benign = 0 (benign)" in html


def test_advi_is_as_accurate_as_a_logistic_regression_on_the_same_split(cancer):
    _, tree = cancer
    p = tree["predictions"]["p"].mean(("chain", "draw")).to_numpy()
    y = tree["predictions_constant_data"]["y"].to_numpy()
    logistic = fit_baselines(tree, names=("logistic regression",)).table["accuracy"].iloc[0]
    assert accuracy(p, y) > 0.9 and accuracy(p, y) >= logistic - 0.03


def test_the_split_is_reproducible_from_its_seed(tmp_path):
    cancer_frame().to_csv(tmp_path / "cancer.csv", index=False)

    def held(seed):
        data = load_csv_dataset(
            tmp_path / "cancer.csv", label="diagnosis", positive="malignant", seed=seed
        )
        return set(data.test.index)

    assert held(0) == held(0) and held(0) != held(1)
