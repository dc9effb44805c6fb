"""A new method is one module and one call: a toy registered here runs through ``run``,
``report`` and the leaderboard without a change to any project file.

The toy is a Gaussian of fixed sd around a posterior mode found from a prior draw. It
declares, as data, how its draws are judged (PSIS k-hat of its stored ``lp`` and
``log_q``) and one fact of its own group for the report.
"""

import json
import warnings

import numpy as np
import pymc as pm
import pytest
import xarray as xr
from scipy import stats

from inference import MethodFit
from inference.methods.declarations import Fact, Psis, Reported
from inference.methods.options import Draws
from inference.methods.registry import METHODS, Method, register_method
from inference.posterior import storage
from study.cli.parser import main

SD = 0.05


def fit_toy(model, *, runtime, random_seed, progressbar=False, draws):
    """Draw ``draws`` points from N(mode, SD²) around the mode reached from a prior draw."""
    rng = np.random.default_rng(random_seed)
    names = [v.name for v in model.free_RVs]
    start = pm.draw(model.free_RVs, random_seed=rng)
    with model, warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # find_MAP's coming return type
        start = dict(zip(names, start, strict=True))
        mode = pm.find_MAP(initvals=start, jitter=False, progressbar=False, method="L-BFGS-B")
    dims = {n: model.named_vars_to_dims.get(n, ()) for n in names}
    noise = {n: rng.normal(size=(1, draws, *np.shape(mode[n]))) for n in names}
    posterior = xr.Dataset(
        {n: (("chain", "draw", *dims[n]), mode[n] + SD * noise[n]) for n in names},
        coords={"chain": [0], "draw": np.arange(draws), "feature": list(model.coords["feature"])},
    )
    logp = model.compile_logp()
    lp = [logp({n: posterior[n].values[0, d] for n in names}) for d in range(draws)]
    log_q = sum(stats.norm.logpdf(noise[n], scale=SD).reshape(1, draws, -1).sum(-1) for n in names)
    sample_stats = xr.Dataset(
        {
            "lp": (("chain", "draw"), np.reshape(lp, (1, draws))),
            "log_q": (("chain", "draw"), log_q),
        },
        coords=posterior[["chain", "draw"]].coords,
        attrs={"gradient_evaluations": 0},
    )
    toy = xr.Dataset({"sd": ((), SD)}, attrs={"sd": SD})
    return MethodFit(posterior=posterior, sample_stats=sample_stats, groups={"toy": toy})


TOY = Method(
    name="toy",
    fit=fit_toy,
    options=Draws,
    judged_by=Psis(),
    stores={"sample_stats": {"lp": ("chain", "draw"), "log_q": ("chain", "draw")}, "toy": {}},
    summary="a Gaussian of fixed sd around a mode (a test's toy)",
    reported=Reported(facts=(Fact("toy", "sd", "toy's fixed sd"),)),
)


@pytest.fixture
def toy():
    register_method(TOY)
    yield TOY
    del METHODS[TOY.name]  # leave the table as the other tests know it


def test_a_toy_method_runs_through_run_report_and_the_leaderboard(toy, synthetic, tmp_path):
    synthetic.train.to_csv(tmp_path / "train.csv", index=False)
    synthetic.test.to_csv(tmp_path / "test.csv", index=False)
    out = tmp_path / "out"
    small = ["--draws", "30", "--tune", "20", "--chains", "2", "--hidden", "2"]
    data = ["--train-csv", str(tmp_path / "train.csv"), "--test-csv", str(tmp_path / "test.csv")]
    assert (
        main(
            [
                "run",
                "--method",
                "toy,advi,nuts",
                *data,
                *small,
                "--max-steps",
                "300",
                "--out",
                str(out),
            ]
        )
        == 0
    )

    tree = storage.load(out / "toy.nc")
    assert tree.attrs["method"] == "toy" and tree["posterior"].sizes["draw"] == 30
    page = (out / "toy.html").read_text()
    assert "toy&#39;s fixed sd" in page or "toy's fixed sd" in page
    assert "Pareto k-hat" in page
    board = json.loads((out / "leaderboard.json").read_text())
    assert "toy" in json.dumps(board)

    assert main(["report", str(out / "toy.nc"), "-o", str(tmp_path / "toy.html")]) == 0
    assert "toy" in (tmp_path / "toy.html").read_text()
    board = tmp_path / "board.json"
    files = [str(out / "toy.nc"), str(out / "advi.nc")]
    args = ["compare", *files, "--reference", str(out / "nuts.nc"), "--no-baselines"]
    assert main([*args, "-o", str(tmp_path / "board.html"), "--json", str(board)]) == 0
    assert "toy" in board.read_text()


def test_a_method_name_is_registered_once(toy):
    with pytest.raises(ValueError, match="already registered"):
        register_method(TOY)
