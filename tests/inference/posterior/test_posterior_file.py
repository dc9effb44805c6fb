import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import xarray as xr
from scipy.special import expit

from inference.posterior import storage
from inference.posterior.attrs import REQUIRED_ATTRS
from inference.posterior.contract import CONTRACT
from inference.posterior.storage import PosteriorFileError


def test_file_follows_the_contract(advi_file):
    tree = storage.load(advi_file)
    for group, variables in CONTRACT.items():
        for name, dims in variables.items():
            assert tree[group][name].dims == dims
    assert list(tree["posterior"]["feature"].values) == [
        "height",
        "width",
        "sxx",
        "sxy",
        "syy",
        "sdrop",
        "mud",
        "dc",
    ]
    assert tree["posterior"].sizes["chain"] == 1  # ADVI draws as one chain
    assert tree["vi_history"]["loss"].dims == ("iteration",)
    attrs = tree.attrs
    assert attrs["method"] == "advi"
    config = json.loads(attrs["config"])
    assert (config["hidden"], config["likelihood"], config["seed"]) == (3, "bernoulli", 7)
    assert set(json.loads(attrs["library_versions"])) >= {"pymc", "arviz", "xarray"}
    assert attrs["created"].endswith("+00:00")


def test_stored_p_is_the_network_on_stored_test_inputs(advi_file):
    tree = storage.load(advi_file)
    post = tree["posterior"]
    X = tree["predictions_constant_data"]["X"].to_numpy()
    hidden = np.maximum(
        np.einsum("tf,cdfh->cdth", X, post["w0"].to_numpy()) + post["b0"].to_numpy()[:, :, None],
        0,
    )
    logit = (
        np.einsum("cdth,cdh->cdt", hidden, post["w1"].to_numpy()) + post["b1"].to_numpy()[..., None]
    )
    np.testing.assert_allclose(tree["predictions"]["p"].to_numpy(), expit(logit), rtol=1e-10)


def test_file_opens_without_this_project(advi_file, tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {{"study", "inference", "analysis", "reports"}}:
                    raise ImportError("project import blocked: " + name)
        sys.meta_path.insert(0, Block())
        import arviz, xarray
        tree = xarray.open_datatree({str(advi_file)!r}, engine="h5netcdf")
        idata = arviz.from_netcdf({str(advi_file)!r})
        print(sorted(tree.children), tree["predictions"]["p"].dims, idata["posterior"]["w0"].dims)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    assert "'predictions'" in out and "('chain', 'draw', 'test')" in out
    assert "('chain', 'draw', 'feature', 'hidden')" in out


def test_save_is_atomic(advi_file, tmp_path, monkeypatch):
    tree = storage.load(advi_file)
    target = tmp_path / "advi.nc"
    target.write_bytes(b"previous")

    write = os.write

    def fail_halfway(fd, data):
        write(fd, data[: len(data) // 2])
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "write", fail_halfway)
    with pytest.raises(KeyboardInterrupt):
        storage.save(tree, target)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["advi.nc"]


def test_round_trip_keeps_values_and_attrs(advi_file, tmp_path):
    tree = storage.load(advi_file)
    copy = storage.load(storage.save(tree, tmp_path / "copy.nc"))
    xr.testing.assert_identical(tree["posterior"].to_dataset(), copy["posterior"].to_dataset())
    assert tree.attrs == copy.attrs


def test_contract_violations_are_named(advi_file):
    tree = storage.load(advi_file)
    without = tree.copy()
    del without["predictions"]
    with pytest.raises(PosteriorFileError, match="group 'predictions' is missing"):
        storage.validate(without)
    renamed = tree.copy()
    renamed["posterior"] = tree["posterior"].to_dataset().rename(hidden="unit")
    with pytest.raises(PosteriorFileError, match="posterior/w0 has dims"):
        storage.validate(renamed)
    bare = tree.copy()
    bare.attrs = {k: v for k, v in tree.attrs.items() if k != "seed"}
    with pytest.raises(PosteriorFileError, match="root attrs missing: seed"):
        storage.validate(bare)
    assert set(REQUIRED_ATTRS) <= set(tree.attrs)


def test_unreadable_files_are_refused(tmp_path):
    with pytest.raises(PosteriorFileError, match="not found"):
        storage.load(tmp_path / "none.nc")
    (tmp_path / "text.nc").write_text("not netcdf")
    with pytest.raises(PosteriorFileError, match="not a readable netCDF file"):
        storage.load(tmp_path / "text.nc")
