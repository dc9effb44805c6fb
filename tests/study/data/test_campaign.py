"""Any campaign: a user's own named features and label, through run, report and predict."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from analysis.file_analysis import analyse_run
from inference.posterior import storage
from tests.cli import study

#: Five inputs, named as a user would: a unit, a space, a non-ASCII letter.
NAMES = ["depth [km]", "nucleation size [m]", "roughness", "μs", "Dc ratio"]
PLAIN = ["depth", "nucleation size", "roughness", "μs", "Dc ratio"]
#: Only these two carry the outcome: a planted logistic boundary.
SIGNAL = ("depth", "roughness")


def campaign(n: int, *, seed: int) -> pd.DataFrame:
    """Rows of a campaign whose outcome is logistic in depth + roughness alone."""
    rng = np.random.default_rng(seed)
    scale = np.array([5.0, 200.0, 0.01, 0.6, 3.0])
    centre = np.array([10.0, 1000.0, 0.005, 0.6, 2.0])
    z = rng.normal(size=(n, 5))
    logit = 4.0 * (z[:, 0] + z[:, 2])
    broke = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame(centre + scale * z, columns=NAMES)
    return frame.assign(broke=broke)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("campaign")
    campaign(240, seed=1).to_csv(folder / "train.csv", index=False)
    campaign(80, seed=2).to_csv(folder / "test.csv", index=False)
    args = ["run", "--method", "advi,nuts", "--label", "broke", "--out", "out"]
    args += ["--train-csv", "train.csv", "--test-csv", "test.csv", "--hidden", "3"]
    args += ["--draws", "60", "--tune", "60", "--chains", "2", "--max-steps", "3000"]
    done = study(*args, "--window", "200", "--prior-draws", "20", cwd=folder)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "features: depth, nucleation size, roughness, μs, Dc ratio; label: broke" in done.stderr
    return folder


@pytest.mark.parametrize("method", ["advi", "nuts"])
def test_the_planted_features_rank_first_and_names_are_kept(fitted, method):
    tree = storage.load(fitted / "out" / f"{method}.nc")
    assert [str(f) for f in tree["constant_data"]["feature"].values] == PLAIN
    assert str(tree["constant_data"]["unit"].values[0]) == "km"
    importance = analyse_run(tree, n_repeats=3, lazy=True).importance
    ranked = importance.sortby("f1_drop", ascending=False)["feature"].values[:2]
    assert set(map(str, ranked)) == set(SIGNAL)
    html = (fitted / "out" / f"{method}.html").read_text()
    assert "nucleation size [m]" in html and "μs" in html


def test_predict_on_the_campaigns_rows_gives_the_stored_predictions(fitted):
    done = study("predict", "out/nuts.nc", "test.csv", "-o", "p.csv", cwd=fitted)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(fitted / "p.csv")
    stored = storage.load(fitted / "out" / "nuts.nc")["predictions"]["p"].mean(("chain", "draw"))
    np.testing.assert_allclose(table["mean"], stored.to_numpy(), atol=1e-12)
    assert "depth [km]" in table.columns and "broke" in table.columns


def test_next_spans_the_campaigns_own_box_and_names(fitted):
    done = study("next", "out/nuts.nc", "--sobol", "64", "-k", "5", "-o", "next.csv", cwd=fitted)
    assert done.returncode == 0, done.stderr
    best = pd.read_csv(fitted / "next.csv")
    train = pd.read_csv(fitted / "train.csv")
    assert len(best) == 5
    for name in NAMES:  # the header reads back as written, units included
        assert train[name].min() <= best[name].min() <= best[name].max() <= train[name].max()
    assert (fitted / "out" / "comparison.html").exists()


def _write(folder, frame: pd.DataFrame, test: pd.DataFrame | None = None):
    frame.to_csv(folder / "train.csv", index=False)
    (frame if test is None else test).to_csv(folder / "test.csv", index=False)


def _bad(kind: str) -> tuple[pd.DataFrame, list[str], list[str]]:
    """A campaign broken one way; the options; fragments the one line must hold.

    The first is the training rows, or (training, test) rows; without ``--test-csv`` in
    the options, the test rows are those of the training file.
    """
    frame = campaign(60, seed=3)
    options = ["--label", "broke"]
    named = frame.assign(broke=np.where(frame["broke"] == 1, "yes", "no"))
    if kind == "two names, no --positive":
        return (
            named,
            options,
            ["column 'broke' holds 'no', 'yes'", "name the event with --positive"],
        )
    if kind == "--positive not a value":
        return named, [*options, "--positive", "maybe"], ["--positive 'maybe'", "'no' or 'yes'"]
    if kind == "a test class unknown":
        test = frame.astype({"broke": object})
        test.loc[3, "broke"] = "2"
        return (frame, test), options, ["test.csv: line 5, column 'broke'", "not a class of"]
    if kind == "a split without both classes":
        return frame, [*options, "--test-fraction", "0.01"], ["0.01 of 60", "without both"]
    if kind == "a fraction not a share":
        return frame, [*options, "--test-fraction", "1.5"], ["'1.5' is not a share"]
    if kind == "text column":
        frame.insert(0, "law", "slip-weakening")
        return frame, options, ["column 'law'", "--features", "encode a categorical"]
    if kind == "missing feature":
        return frame, [*options, "--features", "depth,width"], ["'width' (from --features)"]
    if kind == "label not binary":
        frame.loc[5, "broke"] = 2
        return frame, options, ["line 7, column 'broke'", "'2' is a third class", "--positive"]
    if kind == "no label":
        return frame, [], ["no label column 'label'", "--label"]
    if kind == "constant feature":
        frame["roughness"] = 0.01
        return frame, options, ["column 'roughness' holds 0.01 in every training row"]
    if kind == "reserved name":
        frame = frame.rename(columns={"roughness": "mean"})
        return frame, options, ["feature 'mean'", "predict and next write"]
    if kind == "repeated feature":
        return frame, [*options, "--features", "depth,depth"], ["names a column twice"]
    if kind == "too few rows":
        return frame.head(4), options, ["4 training rows, fewer than the 5 features"]
    if kind == "one class":
        return frame.assign(broke=0), options, ["every training simulation has broke 0"]
    raise AssertionError(kind)


KINDS = [
    "text column",
    "missing feature",
    "label not binary",
    "no label",
    "constant feature",
    "reserved name",
    "repeated feature",
    "too few rows",
    "one class",
    "two names, no --positive",
    "--positive not a value",
    "a test class unknown",
    "a split without both classes",
    "a fraction not a share",
]


@pytest.mark.parametrize("kind", KINDS)
def test_a_broken_campaign_is_one_line_and_writes_nothing(kind, tmp_path):
    frame, options, fragments = _bad(kind)
    _write(tmp_path, *(frame if isinstance(frame, tuple) else (frame,)))
    split = "--test-fraction" in options
    data = ["--train-csv", "train.csv", *([] if split else ["--test-csv", "test.csv"])]
    data += ["--out", "out"]
    done = study("run", "--method", "advi", *data, *options, cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert all(f in lines[0] for f in fragments), lines[0]
    assert not (tmp_path / "out").exists()


def test_a_campaign_of_one_feature_runs_and_reports(tmp_path):
    """One input: no pair to map; the report says what it can."""
    frame = campaign(60, seed=4)[["depth [km]", "broke"]]
    _write(tmp_path, frame)
    data = ["--train-csv", "train.csv", "--test-csv", "test.csv", "--out", "out"]
    sizes = ["--hidden", "2", "--max-steps", "300", "--draws", "20", "--prior-draws", "20"]
    done = study("run", "--method", "advi", "--label", "broke", *data, *sizes, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    html = (tmp_path / "out" / "advi.html").read_text()
    assert "depth [km]" in html and "Maps of the most important pairs" not in html


def test_a_feature_name_with_mathtext_is_drawn_literally(tmp_path):
    """A '$' in a name (from a header or a shared file) is text, never mathtext."""
    from analysis.file_analysis import analyse_run as analyse
    from inference.testing import tiny_posterior_file
    from reports import render_run

    tree = tiny_posterior_file("advi")
    names = ["x $\\\\frac{$", *[str(f) for f in tree["constant_data"]["feature"].values[1:]]]
    for group in ("posterior", "prior", "constant_data", "predictions_constant_data"):
        tree[group] = xr.DataTree(tree[group].to_dataset().assign_coords(feature=names))
    html = render_run(analyse(tree, n_repeats=1), title="t")
    assert "x $\\\\frac{$" in html.replace("&#36;", "$")
