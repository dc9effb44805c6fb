"""Every backend samples the same posterior: same predictions within Monte Carlo error."""

import subprocess
import sys

import numpy as np
import pytest

from inference.backends.choice import (
    AUTO_ORDER,
    BACKENDS,
    BackendError,
    available,
    resolve,
    resolve_advi,
)
from inference.backends.runtime import Runtime, parallel_chains
from inference.methods.nuts import fit_nuts
from inference.model.forward import predict_proba
from inference.model.network import build_model
from study.config import ConfigError, RunConfig
from study.data.preprocess import prepare
from study.pipeline import resolve_runtime

# PyTensor's C backend warns that pip-installed PyTensor finds no BLAS (one reason it is slow)
pytestmark = pytest.mark.filterwarnings("ignore:PyTensor could not link to a BLAS:UserWarning")

SETTINGS = {"draws": 300, "tune": 300, "chains": 2}


@pytest.fixture(scope="module")
def prepared(synthetic):
    return prepare(synthetic, random_state=3)


@pytest.fixture(scope="module")
def model(prepared):
    return build_model(
        prepared.X, prepared.y, weight=prepared.weight, features=prepared.features, hidden=2
    )


@pytest.fixture(scope="module")
def reference(model, prepared):
    """Test predictions of the default backend."""
    fit = fit_nuts(model, runtime=Runtime.resolve(), random_seed=1, **SETTINGS)
    return predict_proba(model, fit.posterior, prepared.X_test)


def test_auto_takes_the_first_installed_backend():
    assert resolve("auto").name == next(b for b in AUTO_ORDER if available(b))
    assert resolve("auto").name == "numpyro-float32"  # the fastest, on core dependencies
    assert resolve_advi("auto") == "jax"


def test_one_runtime_resolves_both_methods_backends_once():
    runtime = Runtime.resolve(backend="pymc", advi_backend="numba", cores=3)
    assert runtime.backend is BACKENDS["pymc"] and runtime.advi_mode == "numba"
    assert runtime.cores == 3 and not runtime.uses_jax
    with pytest.raises(BackendError, match="unknown ADVI backend 'tpu'"):
        Runtime.resolve(advi_backend="tpu")


def test_unknown_backend_is_refused():
    with pytest.raises(BackendError, match="unknown backend 'stan'"):
        resolve("stan")


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b != resolve("auto").name])
def test_backend_matches_the_default_within_monte_carlo_error(backend, model, prepared, reference):
    fit = fit_nuts(model, runtime=Runtime.resolve(backend=backend), random_seed=2, **SETTINGS)
    p = predict_proba(model, fit.posterior, prepared.X_test)
    assert p.shape == reference.shape
    diff = np.abs(p.mean(("chain", "draw")) - reference.mean(("chain", "draw")))
    # standard error of the difference of two means, with 4x fewer effective draws than draws
    n_eff = SETTINGS["chains"] * SETTINGS["draws"] / 4
    se = np.sqrt((p.var(("chain", "draw")) + reference.var(("chain", "draw"))) / n_eff)
    assert float((diff / se).max()) < 5, backend
    stats = fit.sample_stats
    for name in ("diverging", "n_steps", "tree_depth", "step_size", "acceptance_rate"):
        assert stats[name].dims == ("chain", "draw"), (backend, name)


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_backend_is_deterministic_given_a_seed(backend, model):
    options = {"draws": 20, "tune": 20, "chains": 2, "runtime": Runtime.resolve(backend=backend)}
    first, again = (fit_nuts(model, random_seed=5, **options) for _ in range(2))
    other = fit_nuts(model, random_seed=6, **options)
    np.testing.assert_array_equal(first.posterior["w0"], again.posterior["w0"])
    assert not np.array_equal(first.posterior["w0"], other.posterior["w0"])
    assert first.sample_stats.attrs["gradient_evaluations"] > 20 * 2


def test_jax_driver_counts_tuning_and_sampling_steps(model):
    runtime = Runtime.resolve(backend="numpyro")
    fit = fit_nuts(model, runtime=runtime, draws=30, tune=40, chains=2, random_seed=4)
    stats = fit.sample_stats
    assert stats.attrs["gradient_evaluations"] > int(stats["n_steps"].sum())
    assert set(fit.posterior.data_vars) == {"w0", "b0", "w1", "b1"}
    assert fit.posterior["w0"].dims == ("chain", "draw", "feature", "hidden")


def test_jax_starts_with_one_device_per_parallel_chain_despite_pymc():
    # importing pymc.sampling.jax asks XLA for 100 CPU devices; start_jax undoes that,
    # and the first count asked for stays (JAX cannot change it once started)
    code = (
        "import pymc.sampling.jax, jax\n"
        "from inference.backends.jax_model import start_jax\n"
        "print(start_jax(3), start_jax(5), jax.local_device_count())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert done.stdout.split() == ["3", "3", "3"]


def test_parallel_chains_needs_more_than_one_core():
    assert parallel_chains(4, cores=2) == 4
    assert parallel_chains(4, cores=1) == 1
    assert parallel_chains(1, cores=2) == 1


def test_float32_log_density_is_the_float64_one_to_float32_rounding(model):
    import jax
    import jax.numpy as jnp

    from inference.backends.jax_model import jax_logp

    rng = np.random.default_rng(0)
    point = model.initial_point()
    values = [jnp.asarray(rng.normal(size=point[v.name].shape)) for v in model.value_vars]
    exact, single = jax_logp(model), jax_logp(model, precision="float32")
    assert single(values).dtype == jnp.float64  # a float64 sampler state takes it as is
    np.testing.assert_allclose(single(values), exact(values), rtol=1e-6)
    assert single(values) != exact(values)  # it is computed in float32, not cast from float64
    for g32, g64 in zip(jax.grad(single)(values), jax.grad(exact)(values), strict=True):
        assert g32.dtype == jnp.float64
        np.testing.assert_allclose(g32, g64, rtol=1e-4, atol=1e-4 * float(jnp.abs(g64).max()))


def test_unknown_precision_is_refused(model):
    from inference.backends.jax_model import jax_logp

    with pytest.raises(ValueError, match="precision must be one of"):
        jax_logp(model, precision="float16")


@pytest.mark.parametrize("backend", [b for b in BACKENDS if BACKENDS[b].sampler != "nutpie"])
def test_ensemble_start_runs_on_every_backend_that_takes_per_chain_points(backend, model):
    runtime = Runtime.resolve(backend=backend)
    fit = fit_nuts(
        model, runtime=runtime, draws=20, tune=20, chains=2, nuts_init="ensemble", random_seed=3
    )
    w0 = fit.posterior["w0"]
    assert np.isfinite(w0).all() and w0.sizes["chain"] == 2
    assert not np.array_equal(w0.isel(chain=0), w0.isel(chain=1))


def test_ensemble_start_with_nutpie_is_refused_before_fitting():
    with pytest.raises(ConfigError, match="nutpie does not take"):
        resolve_runtime(RunConfig(backend="nutpie", nuts_init="ensemble"))
