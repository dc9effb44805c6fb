"""Posterior files as ArviZ users open them: no project code, every method, LOO and PPC.

Every method's file from a tiny fit is opened in a separate Python that imports nothing
of this project, and ArviZ's own functions run on it: ``az.loo``, ``az.compare`` over all
of them, ``loo_approximate_posterior`` where the file stores log p and log q,
``plot_ppc_dist``, ``plot_trace`` and, for NUTS, ``plot_rank``. And a shared file names no
path of the machine that wrote it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from inference.methods.registry import METHODS
from inference.posterior import storage
from tests.cli import study
from tests.conftest import _fitted

#: Run by a Python in isolated mode (no PYTHONPATH, no current directory on sys.path).
_ARVIZ_USER = """
import json, sys, warnings
warnings.simplefilter("ignore")
import matplotlib
matplotlib.use("Agg")
import arviz as az
import arviz_stats as azs

trees = {m: az.from_netcdf(p) for m, p in json.loads(sys.argv[1]).items()}
out = {}
failed = {}
for method, tree in trees.items():
    stats = tree["sample_stats"]
    try:
        out[method] = {"loo": float(az.loo(tree).elpd)}
    except ValueError as err:
        failed[method] = str(err)
        continue
    if "log_q" in stats.data_vars:
        approx = azs.loo_approximate_posterior(tree, log_p=stats["lp"], log_q=stats["log_q"])
        out[method]["approximate"] = float(approx.elpd)
    az.plot_ppc_dist(tree)
    az.plot_trace(tree, var_names=["b1"])
az.plot_rank(trees["nuts"], var_names=["b1"])
ranked = az.compare({m: tree for m, tree in trees.items() if m not in failed})
own = sorted(
    name for name in sys.modules
    if name.split(".")[0] in {"analysis", "common", "inference", "reports", "study"}
)
print(json.dumps({"elpd": out, "failed": failed, "ranked": list(ranked.index), "own": own}))
"""


@pytest.fixture(scope="module")
def every_method(synthetic, advi_file, nuts_file, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("every_method")
    others = [m for m in METHODS if m not in ("advi", "nuts")]
    return {"advi": advi_file, "nuts": nuts_file} | {
        m: _fitted(m, synthetic, folder) for m in others
    }


def test_arviz_alone_computes_loo_compares_and_plots_every_method(every_method, tmp_path):
    paths = json.dumps({m: str(p) for m, p in every_method.items()})
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-I", "-c", textwrap.dedent(_ARVIZ_USER), paths],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["own"] == []  # ArviZ read the files without this project
    # Pathfinder's draws are PSIS-resampled with replacement from its pool: at a k-hat
    # far above 0.7 a few pool draws repeat, and no Pareto tail is left to smooth
    assert result["failed"] in ({}, {"pathfinder": "All tail values are the same"})
    assert sorted(result["ranked"]) == sorted(set(METHODS) - set(result["failed"]))
    for method, elpd in result["elpd"].items():
        assert all(np.isfinite(v) and v < 0 for v in elpd.values()), method
        stores = METHODS[method].stores.get("sample_stats", {})
        assert ("approximate" in elpd) == ("log_q" in stores), method


def test_the_stored_log_likelihood_is_the_fitted_one(every_method):
    """The stored float32 per-row terms sum to the model's log-likelihood of each draw."""
    from inference.model.forward import row_loglik
    from inference.posterior.rebuild import rebuild_model

    tree = storage.load(every_method["nuts"])
    stored = tree["log_likelihood"]["y"]
    again = row_loglik(rebuild_model(tree), tree["posterior"].to_dataset())
    assert stored.dtype == np.float32 and stored.dims == ("chain", "draw", "obs")
    np.testing.assert_allclose(stored.to_numpy(), again.to_numpy(), rtol=1e-6, atol=1e-6)
    drawn = tree["posterior_predictive"]["y"].to_numpy()
    p = tree["predictions"]["p"]  # the test set's; the training rows' rate is near the labels'
    assert set(np.unique(drawn).tolist()) == {0, 1} and p.sizes["test"] > 0
    observed = tree["observed_data"]["y"].to_numpy()
    assert abs(drawn.mean() - observed.mean()) < 0.15


def test_every_group_carries_the_attrs_arviz_and_pymc_write(every_method):
    """created_at and the creation library on every group; what computed the draws."""
    for method, path in every_method.items():
        tree = storage.load(path)
        versions = json.loads(tree.attrs["library_versions"])
        for name, node in tree.children.items():
            assert node.attrs["created_at"][:10] == tree.attrs["created"][:10], (method, name)
            assert node.attrs["creation_library"] == "ArviZ", (method, name)
        for group in ("posterior", "sample_stats"):
            attrs = tree[group].attrs
            assert attrs["sampling_time"] == tree.attrs["fit_seconds"], method
            library = attrs["inference_library"]
            assert versions[library] == attrs["inference_library_version"], method
            assert ("tuning_steps" in attrs) == (method == "nuts"), method
        assert tree["prior"].attrs["inference_library"] == "pymc"  # PyMC drew the prior
        backend = tree["posterior"].attrs["inference_backend"]
        if "jax" in backend or backend.startswith("numpyro"):
            assert {"jax", "jaxlib"} <= set(versions), method
    nuts = storage.load(every_method["nuts"])
    config = json.loads(nuts.attrs["config"])
    assert nuts["posterior"].attrs["tuning_steps"] == config["tune"]
    assert nuts["posterior"].attrs["inference_library"] in ("pymc", "numpyro", "nutpie")
    for method in ("pathfinder", "smc"):
        versions = json.loads(storage.load(every_method[method]).attrs["library_versions"])
        assert storage.load(every_method[method])["posterior"].attrs["inference_library"] == (
            "blackjax"
        )
        assert {"blackjax", "jax", "jaxlib"} <= set(versions), method


def _strings(tree) -> list[str]:
    """Every attr value and every text variable of every group of a file."""
    found = []
    for node in tree.subtree:
        found += [str(v) for v in node.attrs.values()]
        data = node.to_dataset(inherit=False)
        for variable in data.variables.values():
            found += [str(v) for v in variable.attrs.values()]
            if variable.dtype.kind in "OUS":
                found += [str(v) for v in variable.to_numpy().ravel()]
    return found


def test_a_shared_file_names_no_path_of_its_writer(synthetic, tmp_path):
    synthetic.train.to_csv(tmp_path / "train.csv", index=False)
    synthetic.test.to_csv(tmp_path / "test.csv", index=False)
    out = tmp_path / "out"
    done = study(
        "run",
        "--method",
        "advi",
        "--train-csv",
        tmp_path / "train.csv",
        "--test-csv",
        tmp_path / "test.csv",
        "--data-dir",
        tmp_path,
        "--out",
        out,
        "--hidden",
        "2",
        "--max-steps",
        "300",
        "--draws",
        "20",
        "--prior-draws",
        "20",
        cwd=tmp_path,
        env={"STUDY_DATA_DIR": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    tree = storage.load(out / "advi.nc")
    text = "\n".join(_strings(tree))
    for private in (str(tmp_path), str(Path.home()), tmp_path.name):
        assert private not in text, private
    config = json.loads(tree.attrs["config"])
    assert "train.csv" in config["data_source"]
    assert not {"chains", "tune", "nuts_init", "backend", "svgd_steps"} & set(config)


def test_a_file_from_before_the_per_row_groups_still_reports_and_compares(tmp_path):
    """Files written before the per-row groups, the stored alignment and the pruned config."""
    from inference.testing import tiny_posterior_file
    from study.config import RunConfig

    for method in ("advi", "nuts"):
        tree = tiny_posterior_file(method, chains=2, draws=30)
        for group in ("log_likelihood", "posterior_predictive", "hidden_alignment"):
            del tree[group]
        every = RunConfig(hidden=3).as_dict() | {"method": method, "data_source": "/x (cache)"}
        tree.attrs["config"] = json.dumps(every)
        storage.save(tree, tmp_path / f"{method}.nc")
    for method in ("advi", "nuts"):
        assert study("report", f"{method}.nc", "--repeats", "1", cwd=tmp_path).returncode == 0
    args = ("advi.nc", "nuts.nc", "--repeats", "1", "-o", "c.html", "--json", "c.json")
    done = study("compare", *args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    numbers = json.loads((tmp_path / "c.json").read_text())
    assert "no log_likelihood group" in numbers["elpd_loo"]["sentence"]
    assert numbers["elpd_loo"]["advi"]["elpd_loo"] is None


def test_pointwise_none_leaves_the_per_row_groups_out(synthetic):
    import dataclasses

    from study.pipeline import fit_posterior, resolve_runtime
    from tests.conftest import TINY

    config, runtime = resolve_runtime(dataclasses.replace(TINY, pointwise="none"))
    tree = fit_posterior("advi", synthetic, config, runtime=runtime)
    assert not {"log_likelihood", "posterior_predictive"} & set(tree.children)
    assert json.loads(tree.attrs["config"])["pointwise"] == "none"
    storage.validate(tree)


def test_save_warmup_stores_the_tuning_draws_and_leaves_the_kept_ones(synthetic, nuts_file):
    import dataclasses

    from study.pipeline import fit_posterior, resolve_runtime
    from tests.conftest import TINY

    config, runtime = resolve_runtime(dataclasses.replace(TINY, save_warmup=True))
    tree = fit_posterior("nuts", synthetic, config, runtime=runtime)
    storage.validate(tree)
    for group in ("warmup_posterior", "warmup_sample_stats"):
        assert tree[group].sizes["draw"] == TINY.tune, group
        assert tree[group].sizes["chain"] == TINY.chains, group
    assert {"n_steps", "step_size", "reached_max_treedepth"} <= set(tree["warmup_sample_stats"])
    assert tree["warmup_posterior"].attrs["tuning_steps"] == TINY.tune
    without = storage.load(nuts_file)
    assert "warmup_posterior" not in without.children
    for name in ("w0", "b1"):
        np.testing.assert_array_equal(tree["posterior"][name], without["posterior"][name])
