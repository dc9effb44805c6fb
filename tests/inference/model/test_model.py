import numpy as np
import pymc as pm
import pytest
from scipy.special import expit
from scipy.stats import norm

from inference.model.forward import predict_proba, row_loglik
from inference.model.network import PARAMS, build_model, sample_prior
from study.data.dataset import FEATURES
from study.data.preprocess import prepare


def _random_point(model, rng):
    return {rv.name: rng.normal(size=model[rv.name].eval().shape) for rv in model.free_RVs}


@pytest.mark.parametrize("likelihood", ["bernoulli", "normal"])
def test_unique_rows_with_counts_equal_duplicated_rows(synthetic, likelihood):
    data = prepare(synthetic, balance="upsample", random_state=5)
    rows = np.repeat(np.arange(len(data.y)), data.weight.astype(int))
    options = {"features": FEATURES, "hidden": 4, "likelihood": likelihood}
    weighted = build_model(data.X, data.y, weight=data.weight, **options)
    duplicated = build_model(data.X[rows], data.y[rows], **options)
    assert len(rows) > len(data.y)  # some rows really are duplicated
    logp_w, logp_d = weighted.compile_logp(), duplicated.compile_logp()
    rng = np.random.default_rng(0)
    for _ in range(5):
        point = _random_point(weighted, rng)
        assert logp_w(point) == pytest.approx(logp_d(point), rel=1e-12)


def test_log_density_is_prior_plus_bernoulli_likelihood(synthetic):
    data = prepare(synthetic)
    model = build_model(
        data.X, data.y, weight=data.weight, features=FEATURES, hidden=3, prior_sigma=2.0
    )
    point = _random_point(model, np.random.default_rng(1))
    w0, b0, w1, b1 = (point[n] for n in PARAMS)
    p = expit(np.maximum(data.X @ w0 + b0, 0) @ w1 + b1)
    loglik = np.sum(data.weight * np.where(data.y == 1, np.log(p), np.log1p(-p)))
    logprior = sum(norm.logpdf(v, scale=2.0).sum() for v in point.values())
    assert model.compile_logp()(point) == pytest.approx(loglik + logprior)


def test_network_has_121_parameters_by_default(synthetic):
    data = prepare(synthetic, random_state=0)
    model = build_model(data.X, data.y, features=FEATURES)
    sizes = {rv.name: model[rv.name].eval().size for rv in model.free_RVs}
    assert sizes == {"w0": 96, "b0": 12, "w1": 12, "b1": 1}


def test_unknown_likelihood_and_bad_shapes_are_refused(synthetic):
    data = prepare(synthetic, random_state=0)
    with pytest.raises(ValueError, match="likelihood must be one of"):
        build_model(data.X, data.y, features=FEATURES, likelihood="poisson")
    with pytest.raises(ValueError, match="shapes disagree"):
        build_model(data.X[:, :7], data.y, features=FEATURES)


@pytest.mark.filterwarnings("ignore:The effect of Potentials:UserWarning")
def test_vectorised_prediction_matches_the_model_on_new_data(synthetic):
    data = prepare(synthetic, random_state=0)
    model = build_model(data.X, data.y, weight=data.weight, features=FEATURES, hidden=5)
    prior = sample_prior(model, draws=25, random_seed=3)
    p = predict_proba(model, prior, data.X_test)
    assert p.dims == ("chain", "draw", "test") and p.shape == (1, 25, len(data.y_test))
    n = len(data.y_test)
    with model:
        pm.set_data(
            {"X": data.X_test, "y": data.y_test, "weight": np.ones(n)},
            coords={"obs": np.arange(n)},
        )
        reference = pm.sample_posterior_predictive(prior, var_names=["p"], progressbar=False)
    expected = reference["posterior_predictive"]["p"].to_numpy()
    np.testing.assert_allclose(p.to_numpy(), expected, rtol=1e-12)


def test_prior_draws_have_the_prior_scale(synthetic):
    data = prepare(synthetic, random_state=0)
    model = build_model(data.X, data.y, features=FEATURES, prior_sigma=3.0)
    prior = sample_prior(model, draws=500, random_seed=1)
    assert prior["w0"].dims == ("chain", "draw", "feature", "hidden")
    assert float(prior["w0"].std()) == pytest.approx(3.0, rel=0.05)


def test_row_loglik_is_the_models_own_term(synthetic):
    """Per row and draw: the weighted Bernoulli log-likelihood, summing to the potential."""
    data = prepare(synthetic)
    model = build_model(data.X, data.y, weight=data.weight, features=FEATURES, hidden=3)
    draws = sample_prior(model, draws=3, random_seed=2)
    ll = row_loglik(model, draws)
    assert ll.dims == ("chain", "draw", "obs") and ll.shape == (1, 3, len(data.y))
    w0, b0, w1, b1 = (draws[n].to_numpy()[0, 1] for n in PARAMS)
    p = expit(np.maximum(data.X @ w0 + b0, 0) @ w1 + b1)
    expected = data.weight * np.where(data.y == 1, np.log(p), np.log1p(-p))
    np.testing.assert_allclose(ll.to_numpy()[0, 1], expected, rtol=1e-10)
    point = {n: draws[n].to_numpy()[0, 1] for n in PARAMS}
    logprior = sum(norm.logpdf(v).sum() for v in point.values())
    assert float(ll[0, 1].sum()) + logprior == pytest.approx(model.compile_logp()(point))
