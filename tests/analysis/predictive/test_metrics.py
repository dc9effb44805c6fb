"""The F1 curve over thresholds, in one pass, against scikit-learn's f1_score at each."""

import warnings

import numpy as np
import pytest
from sklearn.metrics import f1_score

from analysis.predictive.metrics import f1_optimal_threshold, weighted_f1_curve


@pytest.mark.parametrize("seed", range(20))
def test_the_f1_curve_is_sklearns_weighted_f1_at_every_threshold(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 60))
    y = rng.integers(0, 2, n)
    p = np.round(rng.uniform(size=n), int(rng.integers(1, 4)))  # ties on the grid too
    weight = rng.integers(1, 5, n).astype(float) if seed % 2 else None
    grid = np.linspace(0, 1, 52)[1:-1]
    with warnings.catch_warnings():  # sklearn warns where a class is neither true nor predicted
        warnings.simplefilter("ignore")
        expected = [
            f1_score(y, (p > t).astype(int), average="weighted", sample_weight=weight) for t in grid
        ]
    np.testing.assert_allclose(weighted_f1_curve(y, p, grid, weight=weight), expected, atol=1e-12)


def test_the_optimal_threshold_separates_a_planted_boundary():
    p = np.linspace(0.01, 0.99, 99)
    y = (p > 0.62).astype(int)
    assert f1_optimal_threshold(y, p) == pytest.approx(0.62, abs=0.01)
