"""A design loop's rounds, as one Dask worker fits them: padded and cached, or each on its own.

``python -m benchmarks.design_rounds [--method nuts] [--sizes 50,75,100,200,400]
[--budget 400] [--modes padded,plain] [--seed 0]``

Each mode runs in a fresh process (``python -m benchmarks.design_rounds --one MODE``) that
fits the method, at the design's sampler defaults on one core, on the first ``N`` of one
seeded order of the paper's training simulations for each ``N`` of ``--sizes``, one after
another, as a worker runs a loop's rounds:

- ``padded``: as ``study design`` fits, the rows padded to ``--budget`` with weight 0,
  JAX's compilation cache in a new, empty folder (so the first round compiles);
- ``plain``: each fit on its own rows, no cache: what the design did before.

Both release JAX's programs from memory after each fit, as a design's worker does.

Prints each round's fit seconds and test accuracy, and each process's wall time. Needs the
real data (``STUDY_DATA_DIR``); timings are never asserted in tests.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def one(mode: str, *, method: str, sizes: list[int], budget: int, seed: int) -> None:
    """Fit the rounds of one mode in this process; print one line a round."""
    from analysis.predictive.metrics import accuracy
    from inference.backends.jax_programs import programs_released, use_compilation_cache
    from study.config import RunConfig
    from study.data.reader import load_dataset
    from study.design.defaults import SAMPLER_DEFAULTS
    from study.pipeline import fit_posterior, resolve_runtime

    if mode == "padded":
        use_compilation_cache(Path(tempfile.mkdtemp(prefix="design-bench-")))
    pool = load_dataset(data_dir=os.environ.get("STUDY_DATA_DIR"))
    order = np.random.default_rng(seed).permutation(len(pool.train))
    config, runtime = resolve_runtime(RunConfig(**SAMPLER_DEFAULTS), cores=1)
    for n in sizes:
        subset = dataclasses.replace(pool, train=pool.train.iloc[order[:n]])
        pad = budget if mode == "padded" else None
        with programs_released():
            tree = fit_posterior(method, subset, config, runtime=runtime, pad_to=pad)
        p = tree["predictions"]["p"].mean(("chain", "draw")).to_numpy()
        y = tree["predictions_constant_data"]["y"].to_numpy()
        print(
            f"{mode:8s} {n:5d} {tree.attrs['fit_seconds']:8.1f} {accuracy(p, y):9.4f}", flush=True
        )


def main(argv: list[str] | None = None) -> None:
    """Run each mode in its own process and print the rounds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="nuts")
    parser.add_argument("--sizes", default="50,75,100,200,400")
    parser.add_argument("--budget", type=int, default=400)
    parser.add_argument("--modes", default="padded,plain")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.one:
        one(args.one, method=args.method, sizes=sizes, budget=args.budget, seed=args.seed)
        return
    print(f"{'mode':8s} {'rows':>5s} {'fit s':>8s} {'accuracy':>9s}")
    for mode in args.modes.split(","):
        start = time.perf_counter()
        command = [sys.executable, "-m", "benchmarks.design_rounds", "--one", mode]
        command += ["--method", args.method, "--sizes", args.sizes]
        command += ["--budget", str(args.budget), "--seed", str(args.seed)]
        subprocess.run(command, check=True, stderr=subprocess.DEVNULL)
        print(f"{mode:8s} process {time.perf_counter() - start:.1f} s", flush=True)


if __name__ == "__main__":
    main()
