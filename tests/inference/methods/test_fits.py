"""ADVI and NUTS against a model whose posterior is known in closed form."""

import numpy as np
import pymc as pm
import pytest

from inference.backends.runtime import Runtime
from inference.methods.advi import fit_advi
from inference.methods.fullrank_advi import fit_fullrank_advi
from inference.methods.laplace import fit_ensemble, fit_laplace
from inference.methods.nuts import fit_nuts
from inference.methods.pathfinder import fit_pathfinder
from inference.methods.shared.convergence import LossConvergence
from inference.methods.smc import fit_smc
from inference.methods.svgd import fit_svgd

PRIOR_SD, NOISE_SD = 10.0, 2.0
#: PyTensor's C backend for pm.fit (numba compiles for longer than these fits run).
C_MODE = Runtime.resolve(advi_backend="c")


@pytest.fixture(scope="module")
def conjugate():
    """y ~ N(mu, 2), mu ~ N(0, 10): the posterior of mu is normal with known moments."""
    y = np.random.default_rng(0).normal(3.0, NOISE_SD, size=40)
    precision = 1 / PRIOR_SD**2 + len(y) / NOISE_SD**2
    exact = (y.sum() / NOISE_SD**2 / precision, precision**-0.5)
    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, PRIOR_SD)
        pm.Normal("y", mu, NOISE_SD, observed=y)
    return model, exact


@pytest.mark.parametrize("mode", ["numba", "jax"])
def test_advi_recovers_the_conjugate_posterior(conjugate, mode):
    model, (mean, sd) = conjugate
    runtime = Runtime.resolve(advi_backend=mode)
    fit = fit_advi(model, runtime=runtime, learning_rate=0.01, draws=4000, random_seed=1)
    history = fit.groups["vi_history"]
    assert history.attrs["converged"] == 1
    assert history.sizes["iteration"] < 100_000
    mu = fit.posterior["mu"]
    assert mu.dims == ("chain", "draw") and mu.shape == (1, 4000)
    assert float(mu.mean()) == pytest.approx(mean, abs=0.2 * sd)
    # Adam's last iterate still moves with the one-sample gradient noise: over seeds,
    # the fitted sd lands within about 15 % of the exact one at this step size
    q = fit.groups["vi_parameters"]["mu"]
    assert q.dims == ("stat",) and float(q.sel(stat="sd")) == pytest.approx(sd, rel=0.2)
    assert float(mu.std()) == pytest.approx(float(q.sel(stat="sd")), rel=0.05)
    # q is (nearly) the exact posterior, so log p(θ, y) - log q(θ) is (nearly) constant:
    # the log evidence, with a spread well below one nat
    log_ratio = fit.sample_stats["lp"] - fit.sample_stats["log_q"]
    assert log_ratio.dims == ("chain", "draw") and float(log_ratio.std()) < 0.3
    lp = model.compile_logp()({"mu": float(mu[0, 0])})
    assert float(fit.sample_stats["lp"][0, 0]) == pytest.approx(lp)


@pytest.mark.parametrize("mode", ["numba", "jax"])
def test_advi_is_reproducible_with_a_seed(conjugate, mode):
    model, _ = conjugate
    runtime = Runtime.resolve(advi_backend=mode)
    runs = [
        fit_advi(model, runtime=runtime, max_steps=500, window=100, draws=50, random_seed=s)
        for s in (4, 4, 5)
    ]
    np.testing.assert_array_equal(runs[0].posterior["mu"], runs[1].posterior["mu"])
    np.testing.assert_array_equal(
        runs[0].groups["vi_history"]["loss"], runs[1].groups["vi_history"]["loss"]
    )
    assert not np.array_equal(runs[0].posterior["mu"], runs[2].posterior["mu"])


def test_nuts_recovers_the_conjugate_posterior_reproducibly(conjugate):
    model, (mean, sd) = conjugate
    fits = [fit_nuts(model, draws=500, tune=300, chains=2, random_seed=2) for _ in range(2)]
    mu = fits[0].posterior["mu"]
    assert mu.shape == (2, 500)
    # 3 Monte Carlo standard errors at its ESS of about 400: a draw set shifted by a
    # quarter of an sd fails (0.2 sd let it pass)
    assert float(mu.mean()) == pytest.approx(mean, abs=0.15 * sd)
    assert float(mu.std()) == pytest.approx(sd, rel=0.2)
    np.testing.assert_array_equal(mu, fits[1].posterior["mu"])
    stats = fits[0].sample_stats
    assert "diverging" in stats
    assert stats.attrs["gradient_evaluations"] > int(stats["n_steps"].sum()) > 0


def test_smc_recovers_the_conjugate_posterior_reproducibly(conjugate):
    model, (mean, sd) = conjugate
    runs = [fit_smc(model, draws=1000, chains=2, random_seed=3) for _ in range(2)]
    posterior, schedule = runs[0].posterior, runs[0].groups["smc"]
    mu = posterior["mu"]
    assert mu.shape == (2, 1000)
    assert float(mu.mean()) == pytest.approx(mean, abs=0.1 * sd)
    assert float(mu.std()) == pytest.approx(sd, rel=0.1)
    np.testing.assert_array_equal(mu, runs[1].posterior["mu"])
    # the tempering runs from near the prior to the posterior in each chain
    assert schedule["stages"].values.tolist() == np.bincount(schedule["step_chain"]).tolist()
    for _, stages in schedule.groupby("step_chain"):
        beta = stages["beta"].to_numpy()
        assert (np.diff(beta) > 0).all() and beta[-1] == 1.0
    assert np.isfinite(schedule["log_marginal_likelihood"]).all()


def test_svgd_recovers_the_conjugate_posterior_reproducibly(conjugate):
    model, (mean, sd) = conjugate
    options = {"draws": 200, "svgd_steps": 1500, "learning_rate": 0.1, "runtime": C_MODE}
    runs = [fit_svgd(model, **options, random_seed=4) for _ in range(2)]
    posterior, record = runs[0].posterior, runs[0].groups["svgd"]
    mu = posterior["mu"]
    assert mu.shape == (1, 200)
    assert float(mu.mean()) == pytest.approx(mean, abs=0.1 * sd)
    assert float(mu.std()) == pytest.approx(sd, rel=0.2)
    np.testing.assert_array_equal(mu, runs[1].posterior["mu"])
    shift = record["shift"].to_numpy()
    assert shift[-1] < 0.1 * shift[0]  # the particles settled


def _run_rule(rule, losses):
    for i in range(len(losses)):
        rule(None, losses, i)


def test_loss_rule_stops_once_the_loss_is_flat():
    losses = np.concatenate([np.linspace(1000, 500, 3000), np.full(5000, 500.0)])
    rule = LossConvergence(window=500, tolerance=1e-3, patience=2)
    with pytest.raises(StopIteration, match="converged after 4500 steps"):
        _run_rule(rule, losses)
    assert rule.converged


def test_loss_rule_keeps_going_while_the_loss_falls():
    rule = LossConvergence(window=500, tolerance=1e-3)
    _run_rule(rule, np.linspace(1000, 100, 8000))
    assert not rule.converged


@pytest.fixture(scope="module")
def correlated():
    """Two means of nearly collinear inputs, Gaussian likelihood: the posterior is a
    closed-form Gaussian with correlation -0.88, which no mean-field family can hold."""
    z = np.random.default_rng(3).normal(size=30)
    noise = 0.5 * np.random.default_rng(5).normal(size=30)
    X = np.column_stack([z, z + noise]) + np.array([1.0, 0.5])
    y = X @ np.array([1.5, -0.7]) + np.random.default_rng(4).normal(0, NOISE_SD, 30)
    precision = np.eye(2) / PRIOR_SD**2 + X.T @ X / NOISE_SD**2
    cov = np.linalg.inv(precision)
    mean = cov @ X.T @ y / NOISE_SD**2
    with pm.Model() as model:
        beta = pm.Normal("beta", 0.0, PRIOR_SD, shape=2)
        pm.Normal("y", X @ beta, NOISE_SD, observed=y)
    return model, mean, cov


def test_laplace_recovers_a_correlated_gaussian_posterior(correlated):
    model, mean, cov = correlated
    fit = fit_laplace(model, draws=20_000, random_seed=5)
    posterior, stats = fit.posterior, fit.sample_stats
    draws = posterior["beta"].to_numpy().reshape(-1, 2)
    se = np.sqrt(np.diag(cov) / len(draws))
    np.testing.assert_array_less(np.abs(draws.mean(0) - mean), 5 * se)
    np.testing.assert_allclose(np.cov(draws.T), cov, rtol=0.05, atol=0.02 * cov.max())
    gap = (stats["lp"] - stats["log_q"]).to_numpy()  # q is the posterior: a constant ratio
    # up to the optimiser's tolerance on the mode
    assert gap.max() - gap.min() < 1e-5 and stats.attrs["floored_directions"] == 0
    again = fit_laplace(model, draws=20_000, random_seed=5).posterior
    np.testing.assert_array_equal(again["beta"], posterior["beta"])
    # one mode, three members: the mixture is that Gaussian again, the ratio still constant
    fit = fit_ensemble(model, draws=2000, chains=3, random_seed=6)
    mixed, stats = fit.posterior, fit.sample_stats
    assert mixed["beta"].sizes["chain"] == 3 and stats.attrs["members"] == 3
    gap = (stats["lp"] - stats["log_q"]).to_numpy()
    assert gap.max() - gap.min() < 1e-4
    np.testing.assert_allclose(np.cov(mixed["beta"].to_numpy().reshape(-1, 2).T), cov, rtol=0.1)


def test_fullrank_advi_recovers_a_correlated_gaussian_posterior(correlated):
    model, mean, cov = correlated
    options = {
        "learning_rate": 0.05,
        "fullrank_learning_rate": 0.003,
        "max_steps": 20_000,
        "window": 500,
        "tolerance": 1e-4,
        "draws": 20_000,
        "runtime": C_MODE,
        "random_seed": 5,
    }
    fit = fit_fullrank_advi(model, **options)
    posterior, stats, history = fit.posterior, fit.sample_stats, fit.groups["vi_history"]
    draws = posterior["beta"].to_numpy().reshape(-1, 2)
    assert history.attrs["converged"] == 1 and 0 < history.attrs["meanfield_steps"]
    assert (np.abs(draws.mean(0) - mean) < 0.25 * np.sqrt(np.diag(cov))).all()
    # the correlation mean-field ADVI cannot represent, and the variances
    fitted = np.cov(draws.T)
    exact_corr = cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1])
    assert exact_corr < -0.8
    assert fitted[0, 1] / np.sqrt(fitted[0, 0] * fitted[1, 1]) == pytest.approx(
        exact_corr, abs=0.05
    )
    np.testing.assert_allclose(np.diag(fitted), np.diag(cov), rtol=0.25)
    assert set(stats.data_vars) == {"lp", "log_q"}
    again = fit_fullrank_advi(model, **options).posterior
    np.testing.assert_array_equal(again["beta"], posterior["beta"])


def test_pathfinder_recovers_a_correlated_gaussian_posterior(correlated):
    model, mean, cov = correlated
    fit = fit_pathfinder(model, chains=3, draws=4000, random_seed=5)
    posterior, stats, info = fit.posterior, fit.sample_stats, fit.groups["pathfinder"]
    draws = posterior["beta"].to_numpy().reshape(-1, 2)
    assert posterior["beta"].sizes["chain"] == 1 and info.sizes == {"path": 3, "pool_draw": 4000}
    se = np.sqrt(np.diag(cov) / len(draws))
    np.testing.assert_array_less(np.abs(draws.mean(0) - mean), 6 * se)
    np.testing.assert_allclose(np.cov(draws.T), cov, rtol=0.1, atol=0.02 * cov.max())
    assert info.attrs["pareto_k"] < 0.5 and (info["iterations"] > 0).all()
    # each stored draw's lp is its own log density, from the pool it was resampled from
    pooled = {float(v) for v in info["lp"].values.ravel()}
    assert {float(v) for v in stats["lp"].values.ravel()} <= pooled
    again = fit_pathfinder(model, chains=3, draws=4000, random_seed=5).posterior
    np.testing.assert_array_equal(again["beta"], posterior["beta"])


@pytest.mark.parametrize(
    ("method", "chains"),
    [("laplace", 1), ("ensemble", 2), ("fullrank_advi", 1), ("pathfinder", 1), ("svgd", 1)],
)
def test_approximations_write_a_file_that_passes_the_contract(synthetic, tmp_path, method, chains):
    from inference.posterior import storage
    from study.pipeline import fit_to_file
    from tests.conftest import TINY

    result = fit_to_file(method, synthetic, TINY, out=tmp_path)
    tree = storage.load(result.path)  # checked against the contract on reading
    assert tree.attrs["method"] == method and tree["posterior"].sizes["chain"] == chains
    html = result.report.read_text()
    if method == "svgd":  # particles without a density: judged by how far they still move
        assert tree["svgd"]["shift"].size > 0 and "no density" in html
    else:
        assert "lp" in tree["sample_stats"].data_vars and "Pareto k-hat" in html


def test_smc_writes_a_file_that_passes_the_contract(synthetic, tmp_path):
    from inference.posterior import storage
    from study.pipeline import fit_to_file
    from tests.conftest import TINY

    result = fit_to_file("smc", synthetic, TINY, out=tmp_path)
    tree = storage.load(result.path)  # checked against the contract on reading
    assert (tree["posterior"].sizes["chain"], tree["posterior"].sizes["draw"]) == (2, 40)
    assert set(tree["smc"].data_vars) >= {"beta", "accept_rate", "log_marginal_likelihood"}
    html = result.report.read_text()
    assert "final acceptance" in html and "tempering" in html


def test_a_diverged_fit_names_the_step_size_to_lower():
    from inference.methods.shared.vi_loop import ADVIError, optimised

    def diverging():
        raise FloatingPointError("the loss is not finite")

    with pytest.raises(ADVIError, match="full-rank ADVI diverged") as caught:
        optimised(
            diverging,
            LossConvergence(window=10),
            name="full-rank ADVI",
            learning_rate=1e-4,
            max_steps=10,
            option="--fullrank-learning-rate",
        )
    assert caught.value.option == "--fullrank-learning-rate" and "1e-05" in str(caught.value)
