"""Figures of posterior files side by side: NUTS reference candidates, class balances.

``python -m benchmarks.reference FILE.nc ... [--against LONG.nc] [--json OUT.json]``

Per file: the method, balance and seed; test accuracy, weighted F1, log loss, ECE; for
NUTS also chains × tune × draws, initialisation, fit seconds, leapfrog steps (tuning and
sampling), the mean and max between-chain Monte Carlo error of the pooled p̄, the chains
converged in their own mode, the modes found, the function-space R-hat and ESS; with
``--against``, the mean |Δp̄| and class agreement with a long reference run. Then the mean
and range of each figure over the files, and the mean |Δp̄| between every two of them
(over seeds: the seed-to-seed spread). The runs themselves are made with
``python -m study run`` (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def figures(path: Path, *, against: np.ndarray | None = None) -> dict:
    """One file's figures (see the module's docstring)."""
    from analysis.predictive.metrics import classification_metrics, probabilistic_scores
    from inference.posterior import storage

    tree = storage.load(path)
    config = json.loads(tree.attrs["config"])
    p = tree["predictions"]["p"]
    y = tree["predictions_constant_data"]["y"].to_numpy()
    p_mean = p.mean(("chain", "draw")).to_numpy()
    record = {
        "file": str(path),
        "method": tree.attrs["method"],
        "balance": config.get("balance", "upsample"),
        "seed": config["seed"],
        "fit_seconds": float(tree.attrs["fit_seconds"]),
        **classification_metrics(tree).as_dict(),
        **probabilistic_scores(y, p_mean).as_dict(),
        "p_mean": p_mean.tolist(),
    }
    if tree.attrs["method"] == "nuts":
        record |= _chain_figures(tree, config)
    if against is not None:
        record["mean_abs_diff_to_long"] = float(np.mean(np.abs(p_mean - against)))
        record["agreement_with_long"] = float(np.mean((p_mean > 0.5) == (against > 0.5)))
    return record


def _chain_figures(tree, config: dict) -> dict:
    from analysis.diagnostics.chains import rhat_ess
    from analysis.diagnostics.modes import group_modes, per_chain_convergence, pooled_mcse

    p = tree["predictions"]["p"]
    mcse = pooled_mcse(p)
    chains = per_chain_convergence(p)
    elements = rhat_ess(tree["predictions"].to_dataset())
    return {
        "run": f"{config['chains']} × {config['tune']} × {config['draws']}",
        "init": config["nuts_init"],
        "leapfrog": int(tree["sample_stats"].attrs["gradient_evaluations"]),
        "mcse_mean": float(mcse.mean()),
        "mcse_max": float(mcse.max()),
        "chains_converged": f"{int(chains['converged'].sum())}/{len(chains)}",
        "modes": len(set(group_modes(p).tolist())),
        "rhat_p_max": float(elements["r_hat"].max()),
        "ess_p_median": float(elements["ess_bulk"].median()),
        "ess_p_per_second": float(elements["ess_bulk"].median()) / float(tree.attrs["fit_seconds"]),
    }


def main(argv=None) -> int:
    """Print (and optionally write) the figures of each file."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reference")
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--against", type=Path, help="a long many-chain run to compare with")
    parser.add_argument("--json", type=Path, help="write the records here")
    args = parser.parse_args(argv)
    long = None
    if args.against:
        long = np.asarray(figures(args.against)["p_mean"])
    records = [figures(f, against=long) for f in args.files]
    skip = {"p_mean", "file"}
    for record in records:
        print(
            " | ".join(
                f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                for k, v in record.items()
                if k not in skip
            )
        )
    numeric = [k for k, v in records[0].items() if isinstance(v, float) and k not in skip]
    for key in numeric:
        values = np.array([r[key] for r in records])
        print(f"{key}: mean {values.mean():.4g} (range {values.min():.4g}–{values.max():.4g})")
    if len(records) > 1:  # seed-to-seed spread of the pooled prediction
        means = np.array([r["p_mean"] for r in records])
        pairs = [
            np.mean(np.abs(means[i] - means[j]))
            for i in range(len(means))
            for j in range(i + 1, len(means))
        ]
        print(
            f"mean |Δp̄| between the files, over pairs: {np.mean(pairs):.4f} "
            f"(range {np.min(pairs):.4f}–{np.max(pairs):.4f})"
        )
    if args.json:
        args.json.write_text(json.dumps(records))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
