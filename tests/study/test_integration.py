"""Both methods on the real data at reduced size: file contract and a sane accuracy."""

import dataclasses

import numpy as np
import pytest

from inference.model.forward import predict_proba
from inference.posterior import storage
from inference.posterior.rebuild import rebuild_model
from study.config import RunConfig
from study.data.reader import load_dataset
from study.pipeline import fit_to_file

pytestmark = pytest.mark.integration

REDUCED = RunConfig(seed=11, draws=100, tune=100, chains=2, max_steps=4000, prior_draws=100)


def _rebuild_and_predict(tree):
    """Recompute p from the file alone: rebuild the network, evaluate the stored draws."""
    model = rebuild_model(tree)
    return predict_proba(model, tree["posterior"], tree["predictions_constant_data"]["X"])


@pytest.mark.parametrize(("method", "least_accuracy"), [("advi", 0.8), ("nuts", 0.88)])
def test_method_on_real_data(method, least_accuracy, real_data_dir, tmp_path):
    dataset = load_dataset(data_dir=real_data_dir)
    result = fit_to_file(method, dataset, REDUCED, out=tmp_path)
    tree = storage.load(result.path)
    chains = 1 if method == "advi" else 2
    assert tree["predictions"]["p"].shape == (chains, 100, 400)
    assert tree["constant_data"]["weight"].sum() == 2 * 1041
    np.testing.assert_allclose(_rebuild_and_predict(tree), tree["predictions"]["p"], rtol=1e-12)
    assert result.metrics.accuracy >= least_accuracy, result.metrics


def test_normal_likelihood_runs_on_real_data(real_data_dir, tmp_path):
    dataset = load_dataset(data_dir=real_data_dir)
    config = dataclasses.replace(REDUCED, likelihood="normal", max_steps=2000)
    result = fit_to_file("advi", dataset, config, out=tmp_path)
    assert '"likelihood": "normal"' in storage.load(result.path).attrs["config"]
