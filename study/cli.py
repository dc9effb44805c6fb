"""Command line: ``python -m study run|data``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from analysis.compare import ComparisonError
from inference import posterior_file
from inference.backends import AUTO_ORDER, BACKENDS, BackendError
from inference.posterior_file import PosteriorFileError
from study.config import METHODS, RunConfig
from study.data import (
    PAPER_FILES,
    DataError,
    download_paper_files,
    load_dataset,
    locate_data_dir,
    verify_paper_files,
)
from study.pipeline import RunResult, fit_to_file, write_comparison, write_report

_DEFAULTS = RunConfig()


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
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text} must be positive")
        return value

    parse.__name__ = kind.__name__
    return parse


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="directory with the paper's three data files (default: $STUDY_DATA_DIR, "
        "else a per-user cache filled by downloading and verifying them)",
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
    run.add_argument(
        "--train-csv",
        type=Path,
        help="your own training simulations: CSV with a header naming the 8 "
        "features and 'label' (give --test-csv too)",
    )
    run.add_argument("--test-csv", type=Path, help="your own test simulations, same format")
    run.add_argument(
        "--out", type=Path, default=Path("runs"), help="output directory (default: runs/)"
    )
    run.add_argument(
        "--seed",
        type=int,
        default=_DEFAULTS.seed,
        help=f"master random seed (default: {_DEFAULTS.seed})",
    )
    run.add_argument(
        "--draws",
        type=_positive(int),
        default=_DEFAULTS.draws,
        help="posterior draws: per NUTS chain, or from the ADVI approximation "
        f"(default: {_DEFAULTS.draws})",
    )
    run.add_argument(
        "--tune",
        type=_positive(int),
        default=_DEFAULTS.tune,
        help=f"NUTS tuning steps per chain (default: {_DEFAULTS.tune})",
    )
    run.add_argument(
        "--chains",
        type=_positive(int),
        default=_DEFAULTS.chains,
        help=f"NUTS chains (default: {_DEFAULTS.chains})",
    )
    run.add_argument(
        "--hidden",
        type=_positive(int),
        default=_DEFAULTS.hidden,
        help=f"hidden ReLU units (default: {_DEFAULTS.hidden})",
    )
    run.add_argument(
        "--likelihood",
        choices=["bernoulli", "normal"],
        default=_DEFAULTS.likelihood,
        help="'bernoulli' (default), or 'normal': the Normal(score, 1) "
        "likelihood of the paper's code",
    )
    run.add_argument(
        "--prior-sigma",
        type=_positive(float),
        default=_DEFAULTS.prior_sigma,
        help=f"sd of the N(0, sigma) priors (default: {_DEFAULTS.prior_sigma})",
    )
    run.add_argument(
        "--max-steps",
        type=_positive(int),
        default=_DEFAULTS.max_steps,
        help="ADVI: most optimisation steps; the fit stops earlier when the loss "
        f"converges (default: {_DEFAULTS.max_steps})",
    )
    run.add_argument(
        "--learning-rate",
        type=_positive(float),
        default=_DEFAULTS.learning_rate,
        help=f"ADVI: Adam's step size (default: {_DEFAULTS.learning_rate})",
    )
    run.add_argument(
        "--backend",
        choices=["auto", *BACKENDS],
        default=_DEFAULTS.backend,
        help="compile mode and NUTS sampler: 'auto' (default) takes the fastest installed "
        f"({', '.join(AUTO_ORDER)}, in this order); {', '.join(BACKENDS)} select one",
    )
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
    return parser


def _config(args: argparse.Namespace) -> RunConfig:
    return RunConfig(
        seed=args.seed,
        hidden=args.hidden,
        prior_sigma=args.prior_sigma,
        likelihood=args.likelihood,
        draws=args.draws,
        tune=args.tune,
        chains=args.chains,
        learning_rate=args.learning_rate,
        max_steps=args.max_steps,
        backend=args.backend,
    )


def _summary(results: list[RunResult]) -> str:
    lines = [f"{'method':<7}{'accuracy':>10}{'F1 (w)':>9}{'mean std':>10}{'wall s':>9}  files"]
    for r in results:
        m = r.metrics
        lines.append(
            f"{r.method:<7}{m['accuracy']:>10.4f}{m['f1_weighted']:>9.4f}"
            f"{m['mean_std']:>10.4f}{r.seconds:>9.1f}  {r.path}, {r.report}"
        )
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    config = _config(args)
    dataset = load_dataset(data_dir=args.data_dir, train_csv=args.train_csv, test_csv=args.test_csv)
    methods = METHODS if args.method == "all" else (args.method,)
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
    tree = posterior_file.load(args.posterior)
    output = args.output or args.posterior.with_suffix(".html")
    method = str(tree.attrs.get("method", "")).upper()
    write_report(tree, output, title=f"{method}: {args.posterior.name}", n_repeats=args.repeats)
    print(output)
    return 0


def _compare(args: argparse.Namespace) -> int:
    write_comparison(
        (args.a, args.b), html_path=args.output, json_path=args.json, n_repeats=args.repeats
    )
    print(args.output if args.json is None else f"{args.output}, {args.json}")
    return 0


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _build_parser().parse_args(argv)
    _log_to_stderr()
    try:
        commands = {"run": _run, "report": _report, "compare": _compare, "data": _data}
        return commands[args.command](args)
    except (DataError, PosteriorFileError, ComparisonError, BackendError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
