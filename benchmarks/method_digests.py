"""Digests of a tiny fit of every method: record them, or check the code still makes them.

``python -m benchmarks.method_digests check`` fits every method of the method table on
the same small synthetic data with the tests' tiny configuration and compares the size,
sum, sum of squares and seven elements of every array of every group with
``benchmarks/data/method_digests.json``; ``record`` writes that file anew. A
reorganisation that changes no result leaves every digest equal to the last bit.

The comparison means something only in the environment the digests were recorded in
(the file keeps it): NUTS, the ensemble and SVGD follow trajectories that another JAX,
NumPyro or CPU rounds differently. The fits also depend on Python's hash seed (PyTensor
orders some of its graph rewrites by hashes, which changes the last bits of a sum, and
NUTS and the ensemble's optimiser amplify them): the command re-runs itself with
``PYTHONHASHSEED=0``. Not part of the tests (about two minutes on two cores).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

RECORDED = Path(__file__).parent / "data" / "method_digests.json"


def digest(values: np.ndarray, n: int = 7) -> dict:
    """Size, sum, sum of squares and ``n`` evenly spaced elements of an array."""
    flat = np.asarray(values, dtype=float).ravel()
    at = np.linspace(0, flat.size - 1, n).astype(int).tolist() if flat.size else []
    return {
        "size": int(flat.size),
        "sum": float(np.nansum(flat)),
        "sumsq": float(np.nansum(flat**2)),
        "at": at,
        "values": flat[at].tolist(),
    }


def digests() -> dict[str, dict[str, dict]]:
    """Fit every method once and digest every numeric array of its file."""
    from inference.methods.registry import METHODS
    from study.data.dataset import synthetic_dataset
    from study.pipeline import fit_posterior, resolve_runtime
    from tests.conftest import TINY

    data = synthetic_dataset(60, 30)
    config, runtime = resolve_runtime(TINY)
    runtime.start(chains=TINY.chains)
    found = {}
    for method in METHODS:
        tree = fit_posterior(method, data, config, runtime=runtime)
        found[method] = {
            f"{node.path.strip('/')}/{name}": digest(var.to_numpy())
            for node in tree.subtree
            for name, var in node.to_dataset(inherit=False).data_vars.items()
            if var.dtype.kind in "fiub"
        }
    return found


def differences(recorded: dict, found: dict) -> list[str]:
    """One line per method: how many arrays match, and which do not."""
    lines = []
    for method, arrays in recorded.items():
        now = found.get(method, {})
        wrong = [key for key in arrays if arrays[key] != now.get(key)]
        lines.append(f"{method}: {len(arrays) - len(wrong)} of {len(arrays)} arrays equal {wrong}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Record or check the digests; exit code 1 if a check finds a difference."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.method_digests")
    parser.add_argument("action", choices=("record", "check"))
    args = parser.parse_args(argv)
    if os.environ.get("PYTHONHASHSEED") != "0":
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        return subprocess.run(
            [sys.executable, "-m", "benchmarks.method_digests", args.action], env=env, check=False
        ).returncode
    from tests.inference.methods.test_reference import environment

    found = digests()
    if args.action == "record":
        RECORDED.write_text(json.dumps({"environment": environment(), **found}, indent=1))
        return 0
    recorded = json.loads(RECORDED.read_text())
    if recorded.pop("environment") != environment():
        print("note: recorded in another environment; differences may be rounding")
    lines = differences(recorded, found)
    print("\n".join(lines))
    return int(any("[]" not in line for line in lines))


if __name__ == "__main__":
    sys.exit(main())
