"""The reorganisation of issue 14 changed no result: the same seed and options give the
same posterior arrays as the code before it (commit 2903522).

``tests/data/reference_fits.json`` holds digests (size, sum, sum of squares and seven
elements) of every array of a tiny ADVI and a tiny NUTS fit with the default backends,
recorded with that commit's ``study.pipeline.fit_posterior(method, synthetic, TINY)``.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from inference.jax_devices import start_jax
from study.pipeline import fit_posterior, resolve_runtime
from tests.conftest import TINY

RECORDED = json.loads((Path(__file__).parent / "data" / "reference_fits.json").read_text())


def digest(values: np.ndarray, at: list[int]) -> dict:
    flat = np.asarray(values, dtype=float).ravel()
    return {
        "size": flat.size,
        "sum": float(flat.sum()),
        "sumsq": float((flat**2).sum()),
        "values": flat[at].tolist(),
    }


@pytest.mark.parametrize("method", ["advi", "nuts"])
def test_same_arrays_as_before_the_reorganisation(method, synthetic):
    config, runtime = resolve_runtime(TINY)
    runtime.start(chains=TINY.chains)
    if start_jax() != TINY.chains:  # NumPyro draws differently with chains in turn
        pytest.skip(f"recorded with {TINY.chains} chains in parallel on as many JAX devices")
    tree = fit_posterior(method, synthetic, config, runtime=runtime)
    for key, recorded in RECORDED[method].items():
        group, name = key.split("/")
        now = digest(tree[group][name].to_numpy(), recorded["at"])
        assert now["size"] == recorded["size"], key
        for stat in ("sum", "sumsq", "values"):
            np.testing.assert_allclose(now[stat], recorded[stat], rtol=1e-10, err_msg=key)
