"""What each command does once its options are parsed.

The commands: run, report, compare, predict, next, data, sweep.

Each handler returns the exit code; errors a user can fix are raised, and the command
line turns them into one line on stderr (:mod:`study.cli.parser`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from analysis.comparison.two_files import ComparisonError, check_comparable
from analysis.file_analysis import analyse_run
from analysis.learning_curves import PRINTED_METRICS
from common.atomic import OutputError, atomic_write, check_directory, check_output
from inference.methods.registry import METHODS
from inference.posterior import storage
from inference.posterior.units import feature_labels
from study.cli.design import design
from study.cli.inputs import check_installed, load_data
from study.cli.options import config_from
from study.data.dataset import DataError
from study.data.download import (
    PAPER_FILES,
    download_paper_files,
    locate_data_dir,
    verify_paper_files,
)
from study.pipeline import RunResult, check_file_size, fit_to_file, resolve_runtime
from study.predict_next import predict_file, rank_next
from study.reporting import write_comparison, write_leaderboard, write_report
from study.sweep.cluster import dask_client
from study.sweep.runner import SweepResult, run_sweep
from study.sweep.subsets import default_train_sizes
from study.sweep.tasks import plan

__all__ = ["COMMANDS"]


def _summary(results: list[RunResult]) -> str:
    lines = [f"{'method':<14}{'accuracy':>10}{'F1 (w)':>9}{'mean std':>10}{'wall s':>9}  files"]
    for r in results:
        m = r.metrics.as_dict()
        lines.append(
            f"{r.method:<14}{m['accuracy']:>10.4f}{m['f1_weighted']:>9.4f}"
            f"{m['mean_std']:>10.4f}{r.seconds:>9.1f}  {r.path}, {r.report}"
        )
    return "\n".join(lines)


def _outputs(methods: Sequence[str]) -> list[str]:
    """Return the files ``run`` writes in OUT for these methods."""
    names = [f"{m}.{ext}" for m in methods for ext in ("nc", "html")]
    if len(methods) == 2:
        return [*names, "comparison.html", "comparison.json"]
    if len(methods) > 2 and _reference(methods) is not None:
        return [*names, "leaderboard.html", "leaderboard.json"]
    return names


def _reference(methods: Sequence[str]) -> str | None:
    """Return the leaderboard's reference: NUTS if asked for, else the first Markov-chain one."""
    if "nuts" in methods:
        return "nuts"
    return next((m for m in methods if METHODS[m].draws == "markov"), None)


def run(args: argparse.Namespace) -> int:
    """Fit by each method asked for; write files, reports and a comparison or leaderboard."""
    methods = list(args.method)
    check_installed(methods)
    config, runtime = resolve_runtime(config_from(args))
    check_directory(args.out)
    for name in _outputs(methods):
        check_output(args.out / name)
    dataset = load_data(args)
    progress = sys.stderr.isatty()
    results = [
        fit_to_file(m, dataset, config, out=args.out, runtime=runtime, progressbar=progress)
        for m in methods
    ]
    print(_summary(results))
    reference = _reference(methods)
    if len(results) == 2:
        html, data = args.out / "comparison.html", args.out / "comparison.json"
        write_comparison((results[0].analysis, results[1].analysis), html_path=html, json_path=data)
        print(f"comparison: {html}, {data}")
    elif len(results) > 2 and reference is not None:
        html, data = args.out / "leaderboard.html", args.out / "leaderboard.json"
        ref = next(r for r in results if r.method == reference)
        others = [r.analysis for r in results if r is not ref]
        write_leaderboard(others, reference=ref.analysis, html_path=html, json_path=data)
        print(f"leaderboard against {reference}: {html}, {data}")
    elif len(results) > 2:
        print("no leaderboard: none of these methods is a Markov-chain reference (add nuts)")
    return 0


def report(args: argparse.Namespace) -> int:
    """Write the report of one posterior file."""
    output = args.output or args.posterior.with_suffix(".html")
    check_output(output, inputs=[args.posterior])
    tree = storage.load(args.posterior)
    title = f"{tree.attrs['method'].upper()}: {args.posterior.name}"
    write_report(tree, output, title=title, n_repeats=args.repeats)
    print(output)
    return 0


def compare(args: argparse.Namespace) -> int:
    """Compare two posterior files of the same test set, or score several against a reference."""
    files = list(args.files)  # two-file compare may compare a file with itself
    if args.reference is not None:  # each file once, in order, the reference apart
        files = [f for f in dict.fromkeys(files) if f.resolve() != args.reference.resolve()]
    elif len(files) != 2:
        raise ComparisonError(
            f"compare takes two files, or any number with --reference (got {len(files)})"
        )
    inputs = [*files, *([args.reference] if args.reference else [])]
    for output in (args.output, args.json):
        if output is not None:
            check_output(output, inputs=inputs)
    if args.json is not None and args.json.resolve() == args.output.resolve():
        raise OutputError(f"cannot write {args.json}: it is also the HTML output")
    trees = [storage.load(f) for f in inputs]
    for tree in trees[1:]:
        check_comparable(trees[0], tree)  # before the analyses, which take a while
    # a leaderboard row reads a few results of each file: computed when read
    lazy = args.reference is not None
    analyses = [analyse_run(t, n_repeats=args.repeats, lazy=lazy) for t in trees]
    if args.reference is None:
        write_comparison(tuple(analyses), html_path=args.output, json_path=args.json)
    else:
        write_leaderboard(
            analyses[:-1],
            reference=analyses[-1],
            html_path=args.output,
            json_path=args.json,
            baselines=args.baselines,
        )
    print(args.output if args.json is None else f"{args.output}, {args.json}")
    return 0


def predict(args: argparse.Namespace) -> int:
    """Predict the scenarios of a CSV under one or more posterior files."""
    *files, scenarios = args.inputs
    if not files:
        raise DataError("give one or more posterior files, then the scenario CSV")
    check_output(args.output, inputs=args.inputs)
    trees = [storage.load(f) for f in files]
    result = predict_file(files, trees, scenarios, args.output, progress=sys.stderr.isatty())
    rate = result.rows / result.seconds
    print(f"{args.output}: {result.rows} scenarios x {len(files)} file(s) ({rate:,.0f} rows/s)")
    for name, count in result.extrapolating.items():
        line = (
            f"{name}: {count} scenario(s) extrapolate (outside the training box, or farther "
            f"from every simulation than {result.reach[name]:.2f} training sd)"
        )
        if name in result.scores:
            line += "; " + ", ".join(f"{k} {v:.4f}" for k, v in result.scores[name].items())
        print(line)
    return 0


def next_simulations(args: argparse.Namespace) -> int:
    """Write the candidates most worth simulating next."""
    inputs = [args.posterior, *([args.candidates] if args.candidates else [])]
    check_output(args.output, inputs=inputs)
    tree = storage.load(args.posterior)
    best, reach = rank_next(
        tree,
        candidates=args.candidates,
        sobol=None if args.candidates else args.sobol,
        seed=args.seed,
        by=args.by,
        k=args.k,
        within=args.within,
    )
    best = best.rename(columns=feature_labels(tree))  # "sxx [MPa]": the CSV reads back
    atomic_write(args.output, best.to_csv())
    print(best.drop(columns=["outside"]).to_string(float_format=lambda v: f"{v:.4g}"))
    print(f"{args.output}: the {len(best)} best by {args.by}")
    far = int(best["extrapolation"].sum())
    print(
        f"{far} of them extrapolate: outside the training box, or farther from every "
        f"simulation than {reach:.2f} training sd (99 % of simulations have a neighbour "
        f"nearer); --within {reach:.2f} keeps only candidates near the design"
    )
    return 0


def _sweep_summary(result: SweepResult) -> str:
    shown = ["method", "seed", "train_size", "status", *PRINTED_METRICS]
    lines = [result.table[shown].to_string(index=False, float_format=lambda v: f"{v:.4f}")]
    for row in result.table[result.table["status"] != "ok"].itertuples():
        lines.append(f"failed: {row.method} seed {row.seed} n={row.train_size}: {row.error}")
    done = len(result.table) - result.failed
    lines.append(
        f"{done} of {len(result.table)} fits done ({result.resumed} found done), "
        f"{result.failed} failed; wall time {result.seconds:.1f} s"
    )
    lines.append("files: " + ", ".join(str(p) for p in result.files.values()))
    return "\n".join(lines)


def sweep(args: argparse.Namespace) -> int:
    """Fit every method x seed x training size on a Dask cluster."""
    check_installed(args.methods)
    config = config_from(args)
    dataset = load_data(args)
    sizes = args.train_sizes or default_train_sizes(
        len(dataset.train), features=len(dataset.features)
    )
    tasks = plan(methods=args.methods, seeds=args.seeds, train_sizes=sizes)
    for method in args.methods:
        check_file_size(method, dataset, config)
    with dask_client(args.scheduler, workers=args.workers) as client:
        result = run_sweep(tasks, dataset, config, out=args.out, client=client)
    print(_sweep_summary(result))
    return 1 if result.failed else 0


def data(args: argparse.Namespace) -> int:
    """Say where the data is; verify or download it."""
    directory, how = locate_data_dir(args.data_dir)
    hashes = download_paper_files(directory) if how == "cache" else verify_paper_files(directory)
    print(f"data directory: {directory} (found via {how})")
    for name in PAPER_FILES:
        print(f"  {name}  sha256 {hashes[name]}  ok")
    return 0


#: Each command's handler.
COMMANDS = {
    "run": run,
    "report": report,
    "compare": compare,
    "predict": predict,
    "next": next_simulations,
    "data": data,
    "sweep": sweep,
    "design": design,
}
