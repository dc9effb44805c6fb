"""The stored alignment of hidden units: written once, checked, read by the report."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from analysis.file_analysis import analyse_run
from inference.posterior import storage
from inference.posterior.alignment import GROUP, HIDDEN_VARS, align_hidden_units, alignment_group
from inference.posterior.contract import PosteriorFileError, validate
from inference.testing import tiny_posterior_file

_README = Path(__file__).parents[3] / "README.md"


def _snippet() -> str:
    text = _README.read_text()
    found = re.search(r"<!-- aligned-w0:.*?-->\n```python\n(.*?)```", text, re.DOTALL)
    assert found, "the README's aligned-w0 snippet"
    return found.group(1)


def _relabelled() -> xr.DataTree:
    """A file whose chain 1 is chain 0 with its hidden units relabelled (2, 0, 1)."""
    tree = tiny_posterior_file("nuts", chains=2)
    posterior = tree["posterior"].to_dataset()
    for name in HIDDEN_VARS:
        swapped = posterior[name].isel(chain=0).isel(hidden=[2, 0, 1])
        posterior[name][dict(chain=1)] = swapped.assign_coords(hidden=posterior["hidden"])
    tree["posterior"] = xr.DataTree(posterior)
    tree[GROUP] = xr.DataTree(alignment_group(posterior))
    return tree


def test_a_relabelled_chain_is_stored_with_its_permutation():
    assert _relabelled()[GROUP]["permutation"].sel(chain=1).values.tolist() == [1, 2, 0]


def test_the_readme_snippet_reproduces_the_reports_aligned_w0_means(tmp_path):
    path = storage.save(_relabelled(), tmp_path / "nuts.nc")
    code = _snippet()
    assert len([line for line in code.splitlines() if line.strip()]) <= 5
    shown = {}
    code = code.replace('"out/nuts.nc"', repr(str(path))).replace("print(", "shown['w0'] = (")
    exec(compile(code, "README.md", "exec"), {"shown": shown})
    tree = storage.load(path)
    report = analyse_run(tree, lazy=True).moments["w0"].sel(stat="mean")
    np.testing.assert_allclose(shown["w0"].to_numpy(), report.round(2).to_numpy())
    chain0 = tree["posterior"]["w0"].isel(chain=0).mean("draw")  # the planted answer
    np.testing.assert_allclose(shown["w0"].to_numpy(), chain0.round(2).to_numpy(), atol=0.011)


def test_the_stored_permutation_is_the_one_found_when_read(nuts_file):
    tree = storage.load(nuts_file)
    _, found = align_hidden_units(tree["posterior"].to_dataset())
    np.testing.assert_array_equal(tree[GROUP]["permutation"].to_numpy(), found.to_numpy())


@pytest.mark.parametrize("row", [[0, 0, 1], [0, 1, 3]])
def test_a_permutation_that_is_not_one_is_refused(row):
    tree = tiny_posterior_file("nuts", chains=2)
    tree[GROUP]["permutation"][dict(chain=1)] = row
    with pytest.raises(PosteriorFileError, match=r"not a permutation of 0\.\.2"):
        validate(tree)


def test_an_alignment_with_other_chain_labels_is_refused():
    tree = tiny_posterior_file("nuts", chains=2)
    group = tree[GROUP].to_dataset().assign_coords(chain=[5, 6])
    tree[GROUP] = xr.DataTree(group)
    with pytest.raises(PosteriorFileError, match="labels its chains otherwise"):
        validate(tree)
