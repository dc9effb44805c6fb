"""The diagnostics of a posterior whose chains sit in different modes, on planted answers."""

import numpy as np
import pytest
import xarray as xr

from analysis.diagnostics.chains import chain_diagnostics
from analysis.diagnostics.modes import group_modes, pooled_mcse, saturation
from analysis.diagnostics.stacking import stacking_weights
from inference.posterior import storage
from inference.posterior.alignment import align_hidden_units


def _chains(centres, *, draws=400, test=30, noise=0.02, seed=0):
    """Chains whose predictions scatter around a planted per-chain level."""
    rng = np.random.default_rng(seed)
    base = np.linspace(0.1, 0.9, test)
    values = np.clip(
        base
        + np.asarray(centres)[:, None, None]
        + rng.normal(0, noise, (len(centres), draws, test)),
        0,
        1,
    )
    return xr.DataArray(values, dims=("chain", "draw", "test"))


def test_planted_modes_are_found():
    p = _chains([0.0, 0.0, 0.1, 0.1, -0.1, -0.1])
    groups = group_modes(p)
    assert len(set(groups.tolist())) == 3
    assert groups[0] == groups[1] and groups[2] == groups[3] and groups[4] == groups[5]


def test_one_mode_is_one_group():
    assert group_modes(_chains([0.0] * 5)).tolist() == [1] * 5


def test_error_of_the_pooled_prediction_shrinks_with_chains():
    rng = np.random.default_rng(1)
    levels = rng.normal(0, 0.05, 32)  # each chain in a mode of its own
    few, many = pooled_mcse(_chains(levels[:4])), pooled_mcse(_chains(levels))
    # the error is the sd of the chain levels over sqrt(chains)
    assert float(many.mean()) == pytest.approx(np.std(levels, ddof=1) / np.sqrt(32), rel=0.05)
    assert float(many.mean()) < float(few.mean())


def test_saturation_flattens_as_chains_are_added():
    curve = saturation(_chains(np.linspace(-0.05, 0.05, 8)), np.arange(30) % 2)
    moved = curve["mean_abs_diff_to_all"].to_numpy()
    assert np.all(np.diff(moved) < 0) and moved[-1] == pytest.approx(0.0, abs=1e-12)


def test_stacking_prefers_the_chain_that_predicts_held_out_rows_better():
    rng = np.random.default_rng(4)
    loglik = rng.normal(-0.4, 0.05, (3, 300, 80))
    loglik[1] -= 0.3  # chain 1 predicts every row worse
    weights = stacking_weights(xr.DataArray(loglik, dims=("chain", "draw", "obs")))
    assert weights.sum() == pytest.approx(1.0)
    assert weights[1] < 0.01


def test_a_nuts_file_is_judged_by_its_pooled_prediction(nuts_file):
    tree = storage.load(nuts_file)
    aligned, _ = align_hidden_units(tree["posterior"].to_dataset())
    diag = chain_diagnostics(tree, aligned=aligned)
    chains = tree["posterior"].sizes["chain"]
    assert list(diag.chains.index) == list(range(chains))
    assert diag.chains["stacking weight"].sum() == pytest.approx(1.0)
    assert diag.mcse.dims == ("test",) and bool((diag.mcse >= 0).all())
    assert "Monte Carlo error" in diag.verdict
    summary = diag.summary()
    assert summary["chains"] == chains and summary["modes"] == diag.modes
    p = tree["predictions"]["p"]
    np.testing.assert_allclose(diag.pooled, p.mean(("chain", "draw")))
    weights = xr.DataArray(diag.chains["stacking weight"].to_numpy(), dims="chain")
    np.testing.assert_allclose(diag.stacked, (p.mean("draw") * weights).sum("chain"))


def test_one_chain_is_reported_without_an_error_it_cannot_measure():
    from analysis.file_analysis import analyse_run
    from inference.testing import tiny_posterior_file
    from reports.run import render_run

    result = analyse_run(tiny_posterior_file("nuts", chains=1), n_repeats=1)
    assert not result.diagnostics.ok and "one chain" in result.diagnostics.verdict
    assert np.isnan(result.diagnostics.mcse).all()
    assert "How far the pooled prediction can be trusted" in render_run(result, title="one")
