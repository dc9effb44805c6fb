"""Paired comparisons of learning curves on planted areas: each kind of row has its answer."""

import numpy as np
import pandas as pd
import pytest

from analysis.design_curves import conclusion, paired_differences

#: Planted gains in accuracy over a seed's random/advi curve.
GAINS = {
    ("advi", "random"): 0.0,
    ("advi", "spread"): 0.01,
    ("advi", "bald"): 0.02,
    ("nuts", "random"): 0.03,  # the fit alone: random picks the same rows for both
    ("nuts", "spread"): 0.04,
    ("nuts", "bald"): 0.10,  # 0.03 from the fit, 0.07 from the picks (advi's: 0.02)
}


def _table(noise: float) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    base = {seed: 0.7 + 0.05 * seed for seed in range(3)}  # seeds differ a lot, paired away
    rows = []
    for (method, acquisition), gain in GAINS.items():
        for seed, level in base.items():
            for n in (10, 20, 30):
                accuracy = level + gain + n / 1000 + noise * rng.normal()
                rows.append((method, acquisition, seed, n, accuracy))
    return pd.DataFrame(
        rows, columns=["method", "acquisition", "seed", "n_simulations", "accuracy"]
    )


def test_each_comparison_recovers_its_planted_difference():
    table = _table(noise=0.0)
    rows = paired_differences(table, model_free=["random", "spread"]).set_index("comparison")
    expected = {
        "advi: bald - random": 0.02,
        "advi: bald - spread": 0.01,
        "advi: spread - random": 0.01,
        "nuts: bald - spread": 0.06,
        "bald: nuts - advi": 0.08,
        "random: nuts - advi": 0.03,
        "bald's gain over random: nuts - advi": 0.05,
    }
    for comparison, value in expected.items():
        assert rows.loc[comparison, "mean"] == pytest.approx(value, abs=1e-12), comparison
        assert rows.loc[comparison, "seeds"] == 3
    assert "spread's gain over random: nuts - advi" not in rows.index  # spread uses no model
    assert "advi: random - spread" not in rows.index


def test_the_conclusion_says_higher_only_where_the_interval_excludes_zero():
    noisy = paired_differences(_table(noise=0.02), model_free=["random", "spread"])
    lines = dict(zip(noisy["comparison"], conclusion(noisy), strict=True))
    for _, row in noisy.iterrows():
        reading = lines[row["comparison"]].split(": ")[-1]
        if row["lower"] > 0:
            assert reading.startswith("higher")
        elif row["upper"] < 0:
            assert reading.startswith("lower")
        else:
            assert reading.startswith("not distinguishable")
    clean = paired_differences(_table(noise=0.0), model_free=["random", "spread"])
    assert all(": higher (" in line for line in conclusion(clean))
