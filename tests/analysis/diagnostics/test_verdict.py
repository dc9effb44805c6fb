"""The verdict rule on planted cases: the most serious finding leads, each names its subject."""

import numpy as np
import pandas as pd
import xarray as xr

from analysis.diagnostics.approximation import advi_verdict, particles_verdict
from analysis.diagnostics.chain_verdict import chains_verdict
from analysis.diagnostics.modes import MCSE_TARGET


def _chains(converged: list[bool]) -> dict:
    n = len(converged)
    return {
        "convergence": pd.DataFrame(
            {"max R-hat": [1.3], "min ESS bulk": [900.0]}, index=["p (function space)"]
        ),
        "chains": pd.DataFrame(
            {"converged": converged, "stacking weight": np.full(n, 1 / n), "mode": [0] * n}
        ),
        "mcse": xr.DataArray(np.full(40, MCSE_TARGET / 4), dims="test"),
        "saturation": pd.DataFrame({"mean_abs_diff_to_all": np.linspace(0.02, 0.0, n)}),
    }


def test_a_stable_pooled_mean_with_unconverged_chains_leads_with_the_chains():
    ok, text = chains_verdict([], **_chains([True] + [False] * 7))
    assert not ok
    assert text.startswith("Caution: 7 of 8 chains (1, 2, 3, 4, 5, 6, 7) have not converged")
    assert text.index("have not converged") < text.index("The pooled prediction of 8 chains is")
    assert text.index("is stable to its stated error") < text.index("Also: the chains found 1")


def test_a_sampler_warning_is_a_caution_after_an_unstable_pool():
    planted = _chains([True] * 4)
    planted["mcse"] = planted["mcse"] * 40  # ten times the target
    ok, text = chains_verdict(["69% of draws hit the maximum tree depth"], **planted)
    assert not ok
    assert text.startswith("Not trustworthy: the pooled prediction of 4 chains is NOT stable")
    assert text.index("NOT stable") < text.index("Caution: the sampler: 69%")


def test_all_is_well_reads_as_what_holds_then_facts():
    ok, text = chains_verdict([], **_chains([True] * 4))
    assert ok and text.startswith("The pooled prediction of 4 chains is stable")
    assert "Caution" not in text and "Not " not in text


def test_one_chain_is_not_measurable():
    ok, text = chains_verdict([], **_chains([True]))
    assert not ok and text.startswith("Not measurable: the pooled prediction comes from one")


def test_an_approximation_far_from_the_posterior_leads_before_its_converged_loss():
    ok, text = advi_verdict(4.1, True)
    assert not ok and text.startswith("Not trustworthy: the approximation is far")
    assert text.endswith("The approximation's loss converged.")
    ok, text = advi_verdict(0.3, False)
    assert not ok and text.startswith("Caution: the approximation's loss had NOT converged")


def test_particles_still_moving_lead_before_the_missing_density():
    ok, text = particles_verdict(np.array([0.5, 0.4]), subject="SVGD's particles")
    assert not ok and text.startswith("Not trustworthy: SVGD's particles were STILL MOVING")
    assert "Also: SVGD's particles have no density" in text
    assert text.index("STILL MOVING") < text.index("no density")


def test_a_chain_that_did_not_move_still_gets_a_stacking_weight():
    """Repeated values leave PSIS no tail: the chain gets plain IS-LOO, marked unreliable."""
    from analysis.diagnostics.stacking import chain_loo, stacking_weights

    ll = np.random.default_rng(3).normal(-0.3, 0.05, (2, 40, 12))
    ll[1] = ll[1, :1]  # chain 1 stuck at its first draw
    loglik = xr.DataArray(ll, dims=("chain", "draw", "obs"))
    stuck = chain_loo(loglik)[1]
    assert stuck.warning and np.isinf(stuck.pareto_k).all()
    np.testing.assert_allclose(stuck.elpd_i, ll[1, 0])  # a point mass predicts its own value
    weights = stacking_weights(loglik)
    assert abs(weights.sum() - 1) < 1e-9


def test_a_config_balance_that_is_not_text_is_not_trusted():
    import json

    from analysis.predictive.thresholds import _training_rows
    from inference.testing import tiny_posterior_file

    tree = tiny_posterior_file("advi")
    tree.attrs["config"] = json.dumps(json.loads(tree.attrs["config"]) | {"balance": []})
    assert _training_rows(tree) == "the training rows"
