"""Benchmark this project's ADVI and NUTS against a hand-written NumPyro peer.

``python -m benchmarks [--repeats 3] [--pairs advi,nuts] [--steps 30000]
[--chains 4 --tune 1000 --draws 1000] [--out bench/]``

Each job runs in a fresh process (so compile time and imports count, as they do for a
user); the pairs are interleaved (ours, peer, ours, peer, ...) so drift in the machine
hits both alike. Prints one table of medians and writes every record to ``OUT/``.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

logger = logging.getLogger("benchmarks")

PAIRS = {"advi": ("advi", "peer-svi"), "nuts": ("nuts", "peer-nuts")}
COLUMNS = {
    "process_seconds": ("process s", "{:.1f}"),
    "seconds": ("fit s", "{:.1f}"),
    "us_per_gradient": ("µs/grad (CPU)", "{:.1f}"),
    "steps_per_draw": ("leapfrog/draw", "{:.0f}"),
    "ess_per_second": ("ESS(p)/s", "{:.1f}"),
    "peak_mib": ("peak MiB", "{:.0f}"),
    "accuracy": ("accuracy", "{:.4f}"),
}


def _run(name: str, options: list[str], out: Path, tag: str) -> dict:
    record_path = out / f"{name}-{tag}.json"
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "benchmarks.job", name, "--out", str(record_path), *options]
    subprocess.run(cmd, check=True)
    record = json.loads(record_path.read_text())
    record["process_seconds"] = time.perf_counter() - start
    record_path.write_text(json.dumps(record))
    logger.info("%s run %s: %.1f s", name, tag, record["process_seconds"])
    return record


def _median(records: list[dict], key: str) -> float:
    return float(np.median([r[key] for r in records]))


def _table(results: dict[str, list[dict]]) -> str:
    header = f"{'job':<10}" + "".join(f"{label:>15}" for label, _ in COLUMNS.values())
    lines = [header + f"{'mean |Δp̄|':>12}"]
    for pair in PAIRS.values():
        if pair[0] not in results:
            continue
        ours, peer = (results[j] for j in pair)
        diffs = [
            np.mean(np.abs(np.array(a["p_mean"]) - np.array(b["p_mean"])))
            for a, b in zip(ours, peer, strict=True)
        ]
        for job in pair:
            cells = "".join(
                f"{fmt.format(_median(results[job], key)):>15}" for key, (_, fmt) in COLUMNS.items()
            )
            lines.append(f"{job:<10}{cells}{np.median(diffs):>12.4f}")
        ratio = _median(ours, "process_seconds") / _median(peer, "process_seconds")
        fit_ratio = _median(ours, "seconds") / _median(peer, "seconds")
        lines.append(f"  {pair[0]} / {pair[1]}: process {ratio:.2f} ×, fit {fit_ratio:.2f} ×")
    return "\n".join(lines)


def main(argv=None) -> int:
    """Run the benchmark pairs and print the table of medians."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pairs", default="advi,nuts", help="comma-separated: advi, nuts")
    parser.add_argument("--steps", type=int, default=30_000, help="ADVI / SVI steps")
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--tune", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--backend", default="auto", help="this project's NUTS backend")
    parser.add_argument("--advi-backend", default="auto", help="this project's ADVI backend")
    parser.add_argument("--out", type=Path, default=Path("bench"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    common = [
        "--steps",
        str(args.steps),
        "--chains",
        str(args.chains),
        "--tune",
        str(args.tune),
        "--draws",
        str(args.draws),
    ]
    results: dict[str, list[dict]] = {}
    for pair_name in args.pairs.split(","):
        for repeat in range(args.repeats):
            for job in PAIRS[pair_name]:
                ours = ["--backend", args.backend, "--advi-backend", args.advi_backend]
                options = common + (ours if job in PAIRS else [])
                results.setdefault(job, []).append(_run(job, options, args.out, str(repeat)))
    table = _table(results)
    (args.out / "table.txt").write_text(table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
