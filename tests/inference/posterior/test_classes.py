"""The file's classes and line numbers: stored, read back, and refused when malformed."""

import numpy as np
import pytest
import xarray as xr

from inference.posterior import storage
from inference.posterior.attrs import PosteriorFileError
from inference.posterior.classes import PAPER_CLASSES, Classes, file_classes
from inference.testing import tiny_posterior_file

CANCER = Classes("diagnosis", "benign", "malignant", "B", "M")


def _with(tree: xr.DataTree, group: str, dataset: xr.Dataset) -> xr.DataTree:
    tree[group] = xr.DataTree(dataset)
    return tree


def test_classes_and_lines_round_trip_through_a_netcdf_file(tmp_path):
    tree = tiny_posterior_file("advi")
    observed = tree["observed_data"].to_dataset()
    observed.attrs = observed.attrs | CANCER.attrs()
    _with(tree, "observed_data", observed)
    lines = 2 + 3 * np.arange(tree["constant_data"].sizes["obs"])
    data = tree["constant_data"].to_dataset().assign_coords(line=("obs", lines))
    _with(tree, "constant_data", data)
    back = storage.load(storage.save(tree, tmp_path / "f.nc"))
    assert file_classes(back) == CANCER and file_classes(back).probability == "P(malignant)"
    np.testing.assert_array_equal(back["constant_data"]["line"], lines)


def test_a_file_without_classes_is_the_papers():
    tree = tiny_posterior_file("advi")
    observed = tree["observed_data"].to_dataset()
    observed.attrs = {}
    assert file_classes(_with(tree, "observed_data", observed)) == PAPER_CLASSES


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"positive_class": "line\nbreak"}, "'positive_class' is 'line\\\\nbreak'"),
        ({"negative_class": "x" * 61}, "'negative_class'"),
        ({"positive_class": "benign"}, "names its two classes alike"),
        ({"label": 3}, "'label' is 3"),
    ],
)
def test_malformed_classes_are_refused(change, match):
    tree = tiny_posterior_file("advi")
    observed = tree["observed_data"].to_dataset()
    observed.attrs = observed.attrs | CANCER.attrs() | change
    with pytest.raises(PosteriorFileError, match=match):
        storage.validate(_with(tree, "observed_data", observed))


def test_a_line_number_below_one_is_refused():
    tree = tiny_posterior_file("advi")
    test = tree["predictions_constant_data"].to_dataset()
    test = test.assign_coords(line=("test", np.arange(test.sizes["test"])))
    with pytest.raises(PosteriorFileError, match="predictions_constant_data/line"):
        storage.validate(_with(tree, "predictions_constant_data", test))
