import arviz_stats as azs
import numpy as np
import pytest
import xarray as xr
from sklearn.metrics import f1_score

from analysis.diagnostics import approximation, chains
from analysis.diagnostics.by_draw_kind import diagnose
from analysis.parameters.importance import importance_summary, permutation_importance
from analysis.parameters.weights import pooled_densities, weight_moments
from analysis.predictive.evaluator import evaluator, weighted_f1_per_draw
from analysis.predictive.metrics import (
    classification_tables,
    f1_optimal_threshold,
    probabilistic_scores,
)
from inference.posterior import storage
from inference.posterior.alignment import align_hidden_units, hidden_permutation


def test_weighted_f1_matches_sklearn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 50)
    predicted = rng.random((20, 50)) > 0.5
    predicted[0] = True  # degenerate: one class only
    predicted[1] = False
    expected = [f1_score(y, row, average="weighted", zero_division=0) for row in predicted]
    np.testing.assert_allclose(weighted_f1_per_draw(predicted, y), expected)


def _with_two_chains(tree, permutation):
    """Two chains: chain 1 is chain 0 with its hidden units relabelled."""
    post = tree["posterior"].to_dataset().isel(chain=[0])
    other = post.copy()
    for name in ("w0", "b0", "w1"):
        other[name] = (
            post[name].isel(hidden=np.argsort(permutation)).assign_coords(hidden=post["hidden"])
        )
    return xr.concat([post, other.assign_coords(chain=[1])], dim="chain")


def test_alignment_recovers_a_planted_relabelling(advi_file):
    tree = storage.load(advi_file)
    planted = np.array([2, 0, 1])
    posterior = _with_two_chains(tree, planted)
    found = hidden_permutation(posterior)
    assert found.dims == ("chain", "hidden")
    np.testing.assert_array_equal(found.sel(chain=0), [0, 1, 2])
    aligned, _ = align_hidden_units(posterior)
    for name in ("w0", "b0", "w1"):
        np.testing.assert_array_equal(aligned[name].sel(chain=1), aligned[name].sel(chain=0))


def test_alignment_leaves_every_prediction_unchanged(nuts_file):
    tree = storage.load(nuts_file)
    aligned, permutation = align_hidden_units(tree["posterior"].to_dataset())
    network = evaluator(tree)
    X = tree["predictions_constant_data"]["X"].to_numpy()
    before = network(tree["posterior"], X)
    after = network(aligned, X)
    np.testing.assert_allclose(after, before, rtol=1e-12)
    np.testing.assert_allclose(before, tree["predictions"]["p"], rtol=1e-12)
    assert sorted(permutation.sel(chain=1).values) == [0, 1, 2]


def _only_sxx_matters(tree):
    """The same file, with a network that reads only sxx (a planted important feature)."""
    post = tree["posterior"].to_dataset()
    rng = np.random.default_rng(0)
    w0 = xr.zeros_like(post["w0"])
    w0.loc[{"feature": "sxx"}] = 2 + rng.random(w0.loc[{"feature": "sxx"}].shape)
    post = post.assign(
        w0=w0,
        b0=xr.zeros_like(post["b0"]),
        w1=xr.ones_like(post["w1"]),
        b1=xr.full_like(post["b1"], -1.0),
    )
    planted = tree.copy()
    planted["posterior"] = post
    X = tree["predictions_constant_data"]["X"].to_numpy()
    planted["predictions"] = evaluator(tree)(post, X).to_dataset()
    return planted


def test_planted_important_feature_ranks_first_and_others_do_not_matter(advi_file):
    planted = _only_sxx_matters(storage.load(advi_file))
    result = permutation_importance(planted, n_repeats=4, random_state=1)
    assert result["f1_drop"].dims == ("feature", "repeat", "chain", "draw")
    summary = importance_summary(result)
    assert str(summary["feature"][0].values) == "sxx"
    assert float(summary["f1_drop"].sel(feature="sxx")) > 0.1
    others = result["f1_drop"].drop_sel(feature="sxx")
    assert float(np.abs(others).max()) == 0.0
    again = permutation_importance(planted, n_repeats=4, random_state=1)
    xr.testing.assert_equal(result, again)


def test_f1_optimal_threshold_known_answer():
    y = np.array([0, 0, 1, 1])
    threshold = f1_optimal_threshold(y, np.array([0.1, 0.2, 0.6, 0.7]))
    assert 0.2 <= threshold < 0.6


def test_tables_and_scores_known_answers():
    y = np.array([0] * 2 + [1] * 8)
    confusion, report = classification_tables(y, np.full(10, 0.8), threshold=0.5)
    assert (
        confusion.loc["arrest", "propagate"] == 2 and confusion.loc["propagate", "propagate"] == 8
    )
    assert report.loc["accuracy", "f1-score"] == pytest.approx(0.8)
    assert probabilistic_scores(y, np.full(10, 0.8)).ece == pytest.approx(0.0)
    assert probabilistic_scores(np.ones(10, int), np.full(10, 0.8), n_bins=5).ece == (
        pytest.approx(0.2)
    )


def _fake_vi_tree(target_sd):
    """lp from N(0, target_sd), draws and log q from N(0, 1): known Pareto k = 1 - 1/sd^2."""
    x = np.random.default_rng(0).normal(size=(1, 4000))
    stats = xr.Dataset(
        {
            "lp": (("chain", "draw"), -0.5 * (x / target_sd) ** 2 - np.log(target_sd)),
            "log_q": (("chain", "draw"), -0.5 * x**2),
        }
    )
    tree = xr.DataTree.from_dict({"sample_stats": stats})
    tree.attrs["method"] = "advi"  # judged by PSIS of sample_stats' lp and log_q
    return tree


def test_psis_khat_separates_good_from_bad_approximations():
    assert approximation.psis_khat(_fake_vi_tree(1.0)) == -np.inf  # q is exact
    assert approximation.psis_khat(_fake_vi_tree(1.1)) < 0.5
    assert approximation.psis_khat(_fake_vi_tree(3.0)) > 0.7
    few = _fake_vi_tree(3.0)["sample_stats"].to_dataset().isel(draw=slice(0, 20))
    few_tree = xr.DataTree.from_dict({"sample_stats": few})
    few_tree.attrs["method"] = "advi"
    assert np.isnan(approximation.psis_khat(few_tree))
    ok, text = approximation.advi_verdict(np.nan, True)
    assert not ok and "too few draws" in text
    ok, text = approximation.advi_verdict(0.3, None)  # no loss to judge (Laplace)
    assert ok and text.startswith("The approximation is close") and "loss" not in text
    ok, text = approximation.advi_verdict(0.3, False)
    assert not ok and "NOT converged" in text


def test_nuts_diagnostics_tables(nuts_file):
    tree = storage.load(nuts_file)
    aligned, _ = align_hidden_units(tree["posterior"].to_dataset())
    result = chains.chain_diagnostics(tree, aligned=aligned)
    assert list(result.sampler.index) == [0, 1]
    convergence = result.convergence
    assert list(convergence.index) == [
        "p (function space)",
        "w0 (aligned)",
        "b0 (aligned)",
        "w1 (aligned)",
        "b1 (aligned)",
    ]
    assert (convergence["max R-hat"] >= convergence["median R-hat"]).all()
    # the same numbers as arviz-stats' own functions, element by element
    p_rhat = azs.rhat(tree["predictions"].to_dataset(), sample_dims=["chain", "draw"])["p"]
    np.testing.assert_allclose(result.prediction_rhat.to_numpy(), p_rhat.to_numpy())
    w1_ess = azs.ess(aligned, sample_dims=["chain", "draw"])["w1"]
    assert convergence.loc["w1 (aligned)", "min ESS bulk"] == pytest.approx(float(w1_ess.min()))
    assert isinstance(result.ok, bool) and result.verdict


def test_diagnostics_follow_the_method_attr_not_the_groups(nuts_file, advi_file):
    nuts, advi = storage.load(nuts_file), storage.load(advi_file)
    aligned, _ = align_hidden_units(nuts["posterior"].to_dataset())
    assert isinstance(diagnose(nuts, aligned=aligned), chains.ChainDiagnostics)
    disguised = nuts.copy()
    disguised["vi_history"] = advi["vi_history"]  # a group ADVI stores: not what decides
    assert isinstance(diagnose(disguised, aligned=aligned), chains.ChainDiagnostics)
    result = diagnose(advi, aligned=advi["posterior"].to_dataset())
    assert isinstance(result, approximation.ApproximationDiagnostics)
    assert result.ess_p == advi["posterior"].sizes["draw"]


def test_weight_summaries(nuts_file):
    tree = storage.load(nuts_file)
    moments = weight_moments(tree["posterior"].to_dataset())
    assert moments["w0"].dims == ("stat", "feature", "hidden")
    np.testing.assert_allclose(
        moments["w0"].sel(stat="mean"), tree["posterior"]["w0"].mean(("chain", "draw"))
    )
    densities = pooled_densities(tree)
    assert densities["prior"].dims == ("variable", "grid")
    # each density integrates to about one over its grid
    for name in densities["variable"].values:
        row = densities.sel(variable=name)
        assert np.trapezoid(row["prior"], row["x"]) == pytest.approx(1, abs=0.05)
