"""One benchmark job in its own process: ``python -m benchmarks.job NAME --out FILE.json``.

Jobs: ``advi`` and ``nuts`` (this project, through its own fit functions and model) and
``peer-svi`` and ``peer-nuts`` (the hand-written NumPyro network of
:mod:`benchmarks.peer_numpyro`). Each fits the real data, predicts the 400 test
simulations, and writes one JSON record: fit wall and CPU seconds, gradient evaluations,
leapfrog steps per draw, function-space ESS, peak memory, accuracy, and the mean test
prediction (so the runner can compare ours with the peer's).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

import numpy as np


def _cores() -> int:
    return len(os.sched_getaffinity(0))


def _data(seed: int, *, balance: str = "upsample"):
    """Load the real data, balanced; the peer's always by the paper's upsampling."""
    from study.config import RunConfig
    from study.data.preprocess import prepare
    from study.data.reader import load_dataset

    dataset = load_dataset()
    return prepare(dataset, balance=balance, random_state=RunConfig(seed=seed).seeds()["upsample"])


def _ess_median(p: np.ndarray) -> float:
    """Median bulk ESS of the test predictions ``p (chain, draw, test)``."""
    import arviz_stats as azs
    import xarray as xr

    da = xr.DataArray(p, dims=("chain", "draw", "test"))
    return float(azs.ess(da, sample_dims=["chain", "draw"]).median())


def _ours(method: str, args) -> dict:
    from inference.methods.registry import METHODS
    from inference.model.forward import predict_proba
    from inference.model.network import build_model
    from study.pipeline import resolve_runtime

    data = _data(args.seed, balance=args.balance)
    model = build_model(data.X, data.y, weight=data.weight, features=data.features)
    config, runtime = resolve_runtime(_config(method, args))
    runtime.start(chains=config.chains)
    start = time.perf_counter()
    fit = METHODS[method].fitter()(
        model, runtime=runtime, random_seed=config.seeds()[method], **config.options_of(method)
    )
    p = predict_proba(model, fit.posterior, data.X_test).to_numpy()
    seconds = time.perf_counter() - start
    stats = fit.sample_stats if method == "nuts" else fit.groups["vi_history"]
    gradients = int(stats.attrs["gradient_evaluations"])
    per_draw = float(stats["n_steps"].mean()) if method == "nuts" else np.nan
    return seconds, gradients, per_draw, p, data.y_test


def _config(method: str, args):
    from study.config import RunConfig

    common = {
        "seed": args.seed,
        "draws": args.draws,
        "backend": args.backend,
        "advi_backend": args.advi_backend,
    }
    if method == "advi":
        # equal steps: a window as long as the run switches the stopping rule off
        return RunConfig(max_steps=args.steps, window=args.steps, **common)
    return RunConfig(chains=args.chains, tune=args.tune, nuts_init=args.nuts_init, **common)


def _peer(method: str, args) -> dict:
    import numpyro

    numpyro.set_host_device_count(max(args.chains, _cores()))
    from benchmarks import peer_numpyro as peer

    data = _data(args.seed)
    # the upsampled rows, as the paper's code wrote them out
    rows = np.repeat(np.arange(len(data.y)), data.weight.astype(int))
    X, y = data.X[rows], data.y[rows]
    start = time.perf_counter()
    if method == "peer-svi":
        draws, _ = peer.fit_svi(X, y, steps=args.steps, draws=args.draws, seed=args.seed)
        gradients, per_draw, chains = args.steps, np.nan, 1
    else:
        draws = peer.fit_nuts(
            X, y, chains=args.chains, warmup=args.tune, draws=args.draws, seed=args.seed
        )
        gradients, per_draw = draws.pop("_gradient_evaluations"), draws.pop("_steps_per_draw")
        draws = {k: v.reshape(-1, *v.shape[2:]) for k, v in draws.items()}
        chains = args.chains
    p = np.asarray(peer.forward(data.X_test, *(draws[k] for k in ("w0", "b0", "w1", "b1"))))
    seconds = time.perf_counter() - start
    return seconds, gradients, per_draw, p.reshape(chains, -1, p.shape[-1]), data.y_test


def run_job(name: str, args) -> dict:
    """Run one job; return its JSON-ready record."""
    cpu_start = time.process_time()
    job = _ours if name in ("advi", "nuts") else _peer
    seconds, gradients, per_draw, p, y = job(name, args)
    cpu = time.process_time() - cpu_start
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu += children.ru_utime + children.ru_stime
    p_mean = p.mean(axis=(0, 1))
    vi = name in ("advi", "peer-svi")
    ess = float(p.shape[0] * p.shape[1]) if vi else _ess_median(p)
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    return {
        "job": name,
        "seconds": seconds,
        "gradients": gradients,
        "steps_per_draw": per_draw,
        "cpu_seconds": cpu,
        "us_per_gradient": 1e6 * cpu / gradients,
        "ess_p_median": ess,
        "ess_per_second": ess / seconds,
        "peak_mib": peak / 1024,
        "accuracy": float(np.mean((p_mean > 0.5) == (y == 1))),
        "p_mean": p_mean.tolist(),
    }


def main(argv=None) -> int:
    """Parse the job's options, run it, write its record."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.job")
    parser.add_argument("name", choices=["advi", "nuts", "peer-svi", "peer-nuts"])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=30_000)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--tune", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--advi-backend", default="auto")
    parser.add_argument(
        "--balance", default="upsample", help="ours only; the peer always upsamples"
    )
    parser.add_argument("--nuts-init", default="jitter+adapt_diag", help="ours only")
    args = parser.parse_args(argv)
    record = run_job(args.name, args)
    args.out.write_text(json.dumps(record))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
