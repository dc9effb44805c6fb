import dataclasses

import numpy as np
import xarray as xr

from inference.posterior import storage
from study.pipeline import fit_to_file
from tests.conftest import TINY


def test_same_seed_same_posterior_file(synthetic, advi_file, tmp_path):
    again = fit_to_file("advi", synthetic, TINY, out=tmp_path).path
    first, second = storage.load(advi_file), storage.load(again)
    for group in ("posterior", "prior", "predictions", "constant_data"):
        xr.testing.assert_equal(first[group].to_dataset(), second[group].to_dataset())


def test_other_seed_other_posterior(synthetic, advi_file, tmp_path):
    other = dataclasses.replace(TINY, seed=8)
    path = fit_to_file("advi", synthetic, other, out=tmp_path).path
    a, b = storage.load(advi_file), storage.load(path)
    assert not np.array_equal(a["posterior"]["w0"], b["posterior"]["w0"])


def test_nuts_file_fits_the_same_rows_as_advi(synthetic, advi_file, tmp_path):
    result = fit_to_file("nuts", synthetic, TINY, out=tmp_path)
    nuts, advi = storage.load(result.path), storage.load(advi_file)
    xr.testing.assert_equal(nuts["constant_data"].to_dataset(), advi["constant_data"].to_dataset())
    assert nuts["posterior"].sizes == {"chain": 2, "draw": 40, "feature": 8, "hidden": 3}
    assert {"diverging", "tree_depth"} <= set(nuts["sample_stats"].data_vars)
    assert nuts.attrs["method"] == "nuts"
    assert 0 <= result.metrics.accuracy <= 1 and result.metrics.mean_std > 0
