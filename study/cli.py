"""Command line: ``python -m study run|data``."""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path

from analysis.compare import ComparisonError
from inference import posterior_file
from inference.advi import ADVIError
from inference.backends import AUTO_ORDER, BACKENDS, BackendError
from inference.posterior_file import OutputError, PosteriorFileError
from study.config import METHODS, RunConfig
from study.data import (
    PAPER_FILES,
    DataError,
    download_paper_files,
    load_dataset,
    locate_data_dir,
    verify_paper_files,
)
from study.interrupt import Interrupted, SignalGuard
from study.pipeline import RunResult, fit_to_file, write_comparison, write_report
from study.sweep import SweepError, SweepResult, dask_client, plan, run_sweep

_DEFAULTS = RunConfig()
#: Columns of the sweep table printed at the end of a sweep.
_SWEEP_COLUMNS = ("accuracy", "f1_weighted", "log_loss", "ece", "mean_std", "ess_p", "wall_seconds")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text} is not a finite number")
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text} must be positive")
        return value

    parse.__name__ = kind.__name__
    return parse


def _draw_count(text: str) -> int:
    value = _positive(int)(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"{text} is too few (at least 2 draws)")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"{text} is not a seed from 0 to 2**32 - 1")
    return value


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="directory with the paper's three data files (default: $STUDY_DATA_DIR, "
        "else a per-user cache filled by downloading and verifying them)",
    )


def _add_csv_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--train-csv",
        type=Path,
        help="your own training simulations: CSV with a header naming the 8 "
        "features and 'label' (give --test-csv too)",
    )
    parser.add_argument("--test-csv", type=Path, help="your own test simulations, same format")


def _add_fit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--draws",
        type=_draw_count,
        default=_DEFAULTS.draws,
        help="posterior draws (at least 2): per NUTS chain, or from the ADVI approximation "
        f"(default: {_DEFAULTS.draws})",
    )
    parser.add_argument(
        "--tune",
        type=_positive(int),
        default=_DEFAULTS.tune,
        help=f"NUTS tuning steps per chain (default: {_DEFAULTS.tune})",
    )
    parser.add_argument(
        "--chains",
        type=_positive(int),
        default=_DEFAULTS.chains,
        help=f"NUTS chains (default: {_DEFAULTS.chains})",
    )
    parser.add_argument(
        "--hidden",
        type=_positive(int),
        default=_DEFAULTS.hidden,
        help=f"hidden ReLU units (default: {_DEFAULTS.hidden})",
    )
    parser.add_argument(
        "--likelihood",
        choices=["bernoulli", "normal"],
        default=_DEFAULTS.likelihood,
        help="'bernoulli' (default), or 'normal': the Normal(score, 1) "
        "likelihood of the paper's code",
    )
    parser.add_argument(
        "--prior-sigma",
        type=_positive(float),
        default=_DEFAULTS.prior_sigma,
        help=f"sd of the N(0, sigma) priors (default: {_DEFAULTS.prior_sigma})",
    )
    parser.add_argument(
        "--max-steps",
        type=_positive(int),
        default=_DEFAULTS.max_steps,
        help="ADVI: most optimisation steps; the fit stops earlier when the loss "
        f"converges (default: {_DEFAULTS.max_steps})",
    )
    parser.add_argument(
        "--learning-rate",
        type=_positive(float),
        default=_DEFAULTS.learning_rate,
        help=f"ADVI: Adam's step size (default: {_DEFAULTS.learning_rate})",
    )
    parser.add_argument(
        "--backend",
        choices=["auto", *BACKENDS],
        default=_DEFAULTS.backend,
        help="compile mode and NUTS sampler: 'auto' (default) takes the fastest installed "
        f"({', '.join(AUTO_ORDER)}, in this order); {', '.join(BACKENDS)} select one; "
        "numpyro-float32 is numpyro with NUTS's log density in float32 (draws, predictions "
        "and files stay float64)",
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m study",
        description="Bayesian neural network for earthquake rupture: fit by ADVI and NUTS, "
        "store each posterior as an ArviZ netCDF file.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = commands.add_parser("run", help="fit the network and write OUT/<method>.nc")
    run.add_argument(
        "--method",
        choices=[*METHODS, "all"],
        default="all",
        help="inference method; 'all' runs ADVI then NUTS (default: all)",
    )
    _add_data_options(run)
    _add_csv_options(run)
    run.add_argument(
        "--out", type=Path, default=Path("runs"), help="output directory (default: runs/)"
    )
    run.add_argument(
        "--seed",
        type=_seed,
        default=_DEFAULTS.seed,
        help=f"master random seed (default: {_DEFAULTS.seed})",
    )
    _add_fit_options(run)
    report = commands.add_parser(
        "report", help="write the HTML report of a posterior file (needs nothing but the file)"
    )
    report.add_argument("posterior", type=Path, help="a posterior file written by 'run'")
    report.add_argument(
        "-o",
        "--output",
        type=Path,
        help="HTML file to write (default: the posterior file's name with .html)",
    )
    report.add_argument(
        "--repeats",
        type=_positive(int),
        default=10,
        help="shuffles per feature for permutation importance (default: 10)",
    )
    compare = commands.add_parser(
        "compare", help="compare two posterior files of the same test set (e.g. ADVI and NUTS)"
    )
    compare.add_argument("a", type=Path, help="first posterior file (A)")
    compare.add_argument("b", type=Path, help="second posterior file (B)")
    compare.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("comparison.html"),
        help="HTML file to write (default: comparison.html)",
    )
    compare.add_argument(
        "--json", type=Path, help="also write the headline numbers to this JSON file"
    )
    compare.add_argument(
        "--repeats",
        type=_positive(int),
        default=10,
        help="shuffles per feature for permutation importance (default: 10)",
    )
    data = commands.add_parser("data", help="say where the data is; verify or download it")
    _add_data_options(data)
    _add_sweep_parser(commands)
    return parser


def _seed_list(text: str) -> list[int]:
    """Parse seeds written as a range ``0-9``, a list ``0,3,5`` or both ``0-2,7``."""
    seeds: set[int] = set()
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        try:
            low = int(first)
            high = int(last) if dash else low
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{part!r}: seeds are non-negative integers, as 0-9 or 0,3,5"
            ) from None
        if low < 0 or high < low:
            raise argparse.ArgumentTypeError(f"{part!r} is not a range of non-negative seeds")
        seeds.update(range(low, high + 1))
    return sorted(seeds)


def _size_list(text: str) -> list[int]:
    parse = _positive(int)
    return sorted({parse(part.strip()) for part in text.split(",")})


def _method_list(text: str) -> list[str]:
    methods = [m.strip() for m in text.split(",")]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(METHODS)}"
        )
    return list(dict.fromkeys(methods))


def _add_sweep_parser(commands) -> None:
    sweep = commands.add_parser(
        "sweep",
        help="fit every method x seed x training size on a Dask cluster; learning curves",
        description="Fit the network once per method, seed and training-set size, each fit a "
        "Dask task, and write OUT/<method>-seed<S>-n<N>.nc, OUT/summary.csv, OUT/summary.nc and "
        "the report OUT/sweep.html. Fits already in OUT are not run again. Exit code 1 if a "
        "fit failed.",
    )
    sweep.add_argument(
        "--methods",
        type=_method_list,
        default=list(METHODS),
        help="comma-separated methods (default: advi,nuts)",
    )
    sweep.add_argument(
        "--seeds",
        type=_seed_list,
        default=list(range(10)),
        help="seeds: a range 0-9, a list 0,3,5, or both (default: 0-9)",
    )
    sweep.add_argument(
        "--train-sizes",
        type=_size_list,
        default=[100, 200, 400, 800, 1600],
        help="comma-separated training-set sizes: stratified subsets of the training "
        "simulations, nested for one seed (default: 100,200,400,800,1600)",
    )
    sweep.add_argument(
        "--out", type=Path, default=Path("sweep"), help="output directory (default: sweep/)"
    )
    where = sweep.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler",
        help="address of an existing Dask scheduler, e.g. tcp://host:8786 (default: a local "
        "cluster on this machine)",
    )
    where.add_argument(
        "--workers",
        type=_positive(int),
        help="worker processes of the local cluster, one task each (default: the usable CPUs)",
    )
    _add_data_options(sweep)
    _add_csv_options(sweep)
    _add_fit_options(sweep)


def _config(args: argparse.Namespace) -> RunConfig:
    """Build the run configuration from the options given (defaults for the others)."""
    options = vars(args)
    return RunConfig(**{f.name: options[f.name] for f in fields(RunConfig) if f.name in options})


def _summary(results: list[RunResult]) -> str:
    lines = [f"{'method':<7}{'accuracy':>10}{'F1 (w)':>9}{'mean std':>10}{'wall s':>9}  files"]
    for r in results:
        m = r.metrics
        lines.append(
            f"{r.method:<7}{m['accuracy']:>10.4f}{m['f1_weighted']:>9.4f}"
            f"{m['mean_std']:>10.4f}{r.seconds:>9.1f}  {r.path}, {r.report}"
        )
    return "\n".join(lines)


def _check_directory(directory: Path) -> None:
    """Refuse a directory that cannot be made or written in; make nothing."""
    try:
        existing = next(p for p in (directory, *directory.parents) if p.exists())
    except OSError as err:
        raise OutputError(f"cannot write in {directory}: {err.strerror or err}") from None
    if not existing.is_dir():
        raise OutputError(f"cannot write in {directory}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write in {directory}: {existing} is not writable")


def _check_output(path: Path, *, inputs: Sequence[Path] = ()) -> None:
    """Refuse, before any work, an output file that cannot be written or is an input."""
    posterior_file.check_target(path)
    if any(path.resolve() == Path(source).resolve() for source in inputs):
        raise OutputError(f"cannot write {path}: it is one of the input files")
    _check_directory(path.parent)


def _run(args: argparse.Namespace) -> int:
    config = _config(args)
    methods = METHODS if args.method == "all" else (args.method,)
    _check_directory(args.out)
    names = [f"{m}.{ext}" for m in methods for ext in ("nc", "html")]
    for name in names + (["comparison.html", "comparison.json"] if len(methods) == 2 else []):
        _check_output(args.out / name)
    dataset = load_dataset(data_dir=args.data_dir, train_csv=args.train_csv, test_csv=args.test_csv)
    results = [
        fit_to_file(m, dataset, config, out=args.out, progressbar=sys.stderr.isatty())
        for m in methods
    ]
    print(_summary(results))
    if len(results) == 2:
        html, data = args.out / "comparison.html", args.out / "comparison.json"
        write_comparison(
            (results[0].path, results[1].path),
            html_path=html,
            json_path=data,
            analyses=(results[0].analysis, results[1].analysis),
        )
        print(f"comparison: {html}, {data}")
    return 0


def _report(args: argparse.Namespace) -> int:
    output = args.output or args.posterior.with_suffix(".html")
    _check_output(output, inputs=[args.posterior])
    tree = posterior_file.load(args.posterior)
    method = str(tree.attrs.get("method", "")).upper()
    write_report(tree, output, title=f"{method}: {args.posterior.name}", n_repeats=args.repeats)
    print(output)
    return 0


def _compare(args: argparse.Namespace) -> int:
    for output in (args.output, args.json):
        if output is not None:
            _check_output(output, inputs=[args.a, args.b])
    if args.json is not None and args.json.resolve() == args.output.resolve():
        raise OutputError(f"cannot write {args.json}: it is also the HTML output")
    write_comparison(
        (args.a, args.b), html_path=args.output, json_path=args.json, n_repeats=args.repeats
    )
    print(args.output if args.json is None else f"{args.output}, {args.json}")
    return 0


def _sweep_summary(result: SweepResult) -> str:
    shown = ["method", "seed", "train_size", "status", *_SWEEP_COLUMNS]
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


def _sweep(args: argparse.Namespace) -> int:
    config = _config(args)
    dataset = load_dataset(data_dir=args.data_dir, train_csv=args.train_csv, test_csv=args.test_csv)
    tasks = plan(methods=args.methods, seeds=args.seeds, train_sizes=args.train_sizes)
    with dask_client(args.scheduler, workers=args.workers) as client:
        result = run_sweep(tasks, dataset, config, out=args.out, client=client)
    print(_sweep_summary(result))
    return 1 if result.failed else 0


def _data(args: argparse.Namespace) -> int:
    directory, how = locate_data_dir(args.data_dir)
    hashes = download_paper_files(directory) if how == "cache" else verify_paper_files(directory)
    print(f"data directory: {directory} (found via {how})")
    for name in PAPER_FILES:
        print(f"  {name}  sha256 {hashes[name]}  ok")
    return 0


def _log_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for name in ("study", "inference", "analysis", "reports"):
        package_logger = logging.getLogger(name)
        package_logger.setLevel(logging.INFO)
        if not package_logger.handlers:
            package_logger.addHandler(handler)


#: Errors the user can fix (data, files, options): one line on stderr and exit code 2.
_USER_ERRORS = (
    DataError,
    PosteriorFileError,
    ComparisonError,
    BackendError,
    SweepError,
    OutputError,
    ADVIError,
)


def _dispatch(args: argparse.Namespace) -> int:
    commands = {
        "run": _run,
        "report": _report,
        "compare": _compare,
        "data": _data,
        "sweep": _sweep,
    }
    try:
        return commands[args.command](args)
    except _USER_ERRORS as err:
        hint = " (option --learning-rate)" if isinstance(err, ADVIError) else ""
        print(f"error: {' '.join(str(err).splitlines())}{hint}", file=sys.stderr)
        return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    2: bad input (one line on stderr); 130 / 143: stopped by SIGINT / SIGTERM, with
    no partial file left (see :mod:`study.interrupt`).
    """
    args = _build_parser().parse_args(argv)
    _log_to_stderr()
    with SignalGuard() as guard:
        try:
            return _dispatch(args)
        except Interrupted as interrupted:
            return guard.finish(interrupted)
