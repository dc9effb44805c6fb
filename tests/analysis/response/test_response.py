"""Response curves and maps recover planted answers, in physical units."""

import numpy as np
import pytest
import xarray as xr
from scipy.special import expit

from analysis.response.curves import (
    accumulated_local_effects,
    correlated_pairs,
    curve_summary,
    effect_sizes,
    partial_dependence,
)
from analysis.response.maps import contour_lines, partial_dependence_map
from analysis.response.summary import answers, effects_side_by_side, next_overlap
from tests.planted import X_MEAN, X_STD, linear_boundary, one_feature, planted_file

SLOPES = np.linspace(1.5, 3.0, 12)  # one slope per draw: the curves have a band
CENTRE = 0.3


@pytest.fixture(scope="module")
def sigmoid_file():
    """P = sigmoid(slope_d * (z2 - 0.3)): only x2 matters."""
    return one_feature(feature=2, slope=SLOPES, centre=CENTRE)


def _truth(values: np.ndarray) -> np.ndarray:
    """Each draw's P at physical values of x2: (draw, point)."""
    z = (values - X_MEAN[2]) / X_STD[2]
    return expit(SLOPES[:, None] * (z[None, :] - CENTRE))


def test_partial_dependence_recovers_the_planted_sigmoid(sigmoid_file):
    curves = partial_dependence(sigmoid_file, points=9, rows=25)
    x2 = curves.sel(feature="x2")
    truth = _truth(x2["value"].to_numpy())
    np.testing.assert_allclose(x2.isel(chain=0).to_numpy().T, truth, rtol=0, atol=1e-12)
    others = curves.drop_sel(feature="x2")
    assert float((others.max("point") - others.min("point")).max()) < 1e-12  # flat
    # the grid is in physical units: the 5th to 95th percentile of the training values
    train = sigmoid_file["constant_data"]["X"].sel(feature="x2").to_numpy() * X_STD[2] + X_MEAN[2]
    assert x2["value"].to_numpy()[[0, -1]] == pytest.approx(np.percentile(train, [5, 95]))
    summary = curve_summary(curves)
    band = summary.sel(feature="x2")
    assert bool((band["lower"] <= band["mean"]).all() and (band["mean"] <= band["upper"]).all())
    assert float((band["upper"] - band["lower"]).max()) > 0.05  # the slopes differ: a band
    effects = effect_sizes(curves)
    assert effects.index[0] == "x2"
    assert effects.loc["x2", "effect"] == pytest.approx(np.ptp(truth.mean(0)), abs=1e-12)
    assert effects.drop("x2")["effect"].max() < 1e-12


def test_accumulated_local_effects_recover_the_planted_sigmoid(sigmoid_file):
    curves = accumulated_local_effects(sigmoid_file, points=7)
    x2 = curves.sel(feature="x2").isel(chain=0)
    truth = _truth(x2["value"].to_numpy())
    # ALE is centred: its steps are the planted function's
    steps = (x2 - x2.isel(point=0)).to_numpy().T
    np.testing.assert_allclose(steps, truth - truth[:, :1], rtol=0, atol=1e-12)
    assert float(np.abs(curves.drop_sel(feature="x2")).max()) < 1e-12


def test_the_50_percent_contour_lies_on_the_planted_boundary():
    tree = linear_boundary(pair=(2, 4), offset=0.5, slope=3.0)
    surface = partial_dependence_map(tree, ("x2", "x4"), points=15, rows=20)
    x = (surface["x"].to_numpy() - X_MEAN[2]) / X_STD[2]
    y = (surface["y"].to_numpy() - X_MEAN[4]) / X_STD[4]
    truth = expit(3.0 * (np.add.outer(y, x) - 0.5))  # (y, x)
    np.testing.assert_allclose(surface["mean"], truth, rtol=0, atol=1e-12)
    lines = contour_lines(surface["mean"])
    assert lines and sum(len(line) for line in lines) >= 10
    for line in lines:
        z2 = (line[:, 0] - X_MEAN[2]) / X_STD[2]
        z4 = (line[:, 1] - X_MEAN[4]) / X_STD[4]
        np.testing.assert_allclose(z2 + z4, 0.5, atol=0.02)  # linear interpolation error only
    # every draw is the same: the band's contours are the mean's
    for q in ("q05", "q95"):
        np.testing.assert_allclose(surface[q], surface["mean"], rtol=0, atol=1e-12)
    assert float(surface["sd"].max()) < 1e-12


def _correlated(tree: xr.DataTree) -> xr.DataTree:
    """The same file with training x3 planted as x1 plus a little noise."""
    constant = tree["constant_data"].to_dataset()
    X = constant["X"].to_numpy().copy()
    X[:, 3] = X[:, 1] + 0.1 * np.random.default_rng(0).normal(size=len(X))
    constant["X"] = (constant["X"].dims, X)
    tree = tree.copy()
    tree["constant_data"] = xr.DataTree(constant)
    return tree


def test_a_correlated_design_is_named_and_leads_with_ale(sigmoid_file):
    tree = _correlated(sigmoid_file)
    pairs = correlated_pairs(tree)
    assert (pairs.iloc[0]["a"], pairs.iloc[0]["b"]) == ("x1", "x3")
    assert pairs.iloc[0]["spearman"] > 0.9
    result = answers(tree, order=["x2", "x1", "x3"])
    assert result.lead[0] == "ale" and "x1–x3" in result.lead[1]
    assert result.effects.index[0] == "x2"
    assert len(result.next) == 20 and result.next["rank"].tolist() == list(range(1, 21))


def test_two_runs_side_by_side(sigmoid_file):
    wide = answers(sigmoid_file, order=["x2", "x1", "x3"])
    values = {n: sigmoid_file["posterior"][n].to_numpy() for n in sigmoid_file["posterior"]}
    values["w1"] = values["w1"] * 0 + values["w1"].mean()  # one slope: no band
    values["b1"] = values["b1"] * 0 + values["b1"].mean()
    narrow = answers(planted_file(values), order=["x2", "x1", "x3"])
    table = effects_side_by_side({"narrow": narrow, "wide": wide})
    assert table.index[0] == "x2"
    assert table.loc["x2", ("", "band ratio")] < 0.01  # one run is certain, the other not
    overlap = next_overlap(narrow, wide)
    assert overlap["same_pool"] and 0 <= overlap["shared"] <= overlap["k"] == 20
