"""Command line: ``python -m study run|report|compare|predict|next|data|sweep``.

The run options come from the run configuration's fields (:mod:`study.cli.options`), the
method choices from the method table; the handlers are in :mod:`study.cli.commands`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from common.errors import StudyError
from inference.methods.registry import METHODS
from study.cli.design import add_design
from study.cli.interrupt import Interrupted, SignalGuard
from study.cli.options import (
    ALL,
    add_cluster_options,
    add_config_options,
    method_list,
    positive_int,
    seed_list,
    size_list,
)
from study.cli.scenario_options import add_next, add_predict
from study.data.campaign import TEST_FRACTION

__all__ = ["build_parser", "main"]

_METHOD_HELP = "; ".join(f"{m.name}: {m.summary}" for m in METHODS.values())


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _add_data_options(parser: argparse.ArgumentParser, *, csv: bool = True) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="directory with the paper's three data files (default: $STUDY_DATA_DIR, "
        "else a per-user cache filled by downloading and verifying them)",
    )
    if not csv:
        return
    parser.add_argument(
        "--train-csv",
        type=Path,
        help="your own simulations: CSV with a header naming the features "
        "(optionally 'name [unit]') and the label",
    )
    parser.add_argument(
        "--test-csv",
        type=Path,
        help="your own test simulations, same format (default: hold out --test-fraction "
        "of --train-csv)",
    )
    parser.add_argument(
        "--test-fraction",
        type=_fraction,
        default=TEST_FRACTION,
        help="without --test-csv: the share of --train-csv held out as the test set, "
        f"stratified by label and seeded (default: {TEST_FRACTION:g}; the file records "
        "which rows went where)",
    )
    parser.add_argument(
        "--label",
        default="label",
        help="with your CSV files: the label column, two values: 0/1, true/false or two "
        "names (default: label)",
    )
    parser.add_argument(
        "--positive",
        help="with your CSV files: the label's value that is the event, stored as 1 "
        "(default: 1 or true; needed for two names)",
    )
    parser.add_argument(
        "--features",
        type=_names,
        help="with your CSV files: the feature columns, comma-separated, in the order the "
        "network takes them (default: the paper's eight if the header names them all, "
        "else every column but the label)",
    )


def _fraction(text: str) -> float:
    """Parse ``--test-fraction``: a share strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share between 0 and 1")
    return value


def _names(text: str) -> tuple[str, ...]:
    """Parse ``--features``: column names, comma-separated, each once."""
    names = tuple(name.strip() for name in text.split(","))
    if not all(names):
        raise argparse.ArgumentTypeError(f"{text!r} names an empty column")
    if len(set(names)) < len(names):
        raise argparse.ArgumentTypeError(f"{text!r} names a column twice")
    return names


def _run_methods(text: str) -> list[str]:
    """Parse ``--method``: 'all', or one or more comma-separated methods."""
    return list(ALL) if text.strip() == "all" else method_list(text)


def _add_run(commands) -> None:
    run = commands.add_parser("run", help="fit the network and write OUT/<method>.nc")
    run.add_argument(
        "--method",
        type=_run_methods,
        default=list(ALL),
        metavar="METHOD[,METHOD...]",
        help=f"inference method(s) ({_METHOD_HELP}); 'all' runs {' then '.join(ALL)}. "
        "Two methods are compared (OUT/comparison.html); three or more are scored in "
        "OUT/leaderboard.html, with the non-Bayesian baselines, against nuts if given, else "
        "the first Markov-chain method (default: all)",
    )
    _add_data_options(run)
    run.add_argument(
        "--out", type=Path, default=Path("runs"), help="output directory (default: runs/)"
    )
    add_config_options(run)


def _add_report(commands) -> None:
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
    _add_repeats(report)


def _add_repeats(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--repeats",
        type=positive_int,
        default=10,
        help="shuffles per feature for permutation importance (default: 10)",
    )


def _add_compare(commands) -> None:
    compare = commands.add_parser(
        "compare",
        help="compare two posterior files of the same test set (e.g. ADVI and NUTS), or "
        "score several against a --reference (a leaderboard)",
    )
    compare.add_argument(
        "files",
        type=Path,
        nargs="+",
        help="two posterior files (A then B), or, with --reference, any number",
    )
    compare.add_argument(
        "--reference",
        type=Path,
        help="score every file against this one (e.g. runs/nuts.nc): a leaderboard "
        "(it may also be among the files)",
    )
    compare.add_argument(
        "--no-baselines",
        dest="baselines",
        action="store_false",
        help="with --reference: leave out the non-Bayesian baselines (scikit-learn's "
        "classifiers trained on the reference's training rows; the GP classifier takes "
        "minutes on the paper's 1600 rows)",
    )
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
    _add_repeats(compare)


def _add_sweep(commands) -> None:
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
        type=method_list,
        default=list(ALL),
        help=f"comma-separated methods of {', '.join(METHODS)} (default: {','.join(ALL)})",
    )
    sweep.add_argument(
        "--seeds",
        type=seed_list,
        default=list(range(10)),
        help="seeds: a range 0-9, a list 0,3,5, or both (default: 0-9)",
    )
    sweep.add_argument(
        "--train-sizes",
        type=size_list,
        help="comma-separated training-set sizes: stratified subsets of the training "
        "simulations, nested for one seed (default: all of them and their halvings down "
        "to a 16th, at least 10 rows and one per feature: 100,200,400,800,1600 on the "
        "paper's data)",
    )
    sweep.add_argument(
        "--out", type=Path, default=Path("sweep"), help="output directory (default: sweep/)"
    )
    add_cluster_options(sweep)
    _add_data_options(sweep)
    add_config_options(sweep, exclude=("seed",))


def build_parser() -> argparse.ArgumentParser:
    """Build the command line's parser, its run options derived from the run configuration."""
    parser = _Parser(
        prog="python -m study",
        description="Bayesian neural network for earthquake rupture: fit by ADVI and NUTS, "
        "store each posterior as an ArviZ netCDF file.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_run(commands)
    _add_report(commands)
    _add_compare(commands)
    add_predict(commands)
    add_next(commands)
    data = commands.add_parser("data", help="say where the data is; verify or download it")
    _add_data_options(data, csv=False)
    _add_sweep(commands)
    add_design(commands, data_options=_add_data_options)
    return parser


def _log_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for name in ("study", "inference", "analysis", "reports"):
        package_logger = logging.getLogger(name)
        package_logger.setLevel(logging.INFO)
        if not package_logger.handlers:
            package_logger.addHandler(handler)


def _dispatch(args: argparse.Namespace) -> int:
    # the commands import the fitting and plotting libraries: only once the line parsed
    from study.cli.commands import COMMANDS

    try:
        return COMMANDS[args.command](args)
    except StudyError as err:  # what the user can fix: one line on stderr, exit code 2
        option = getattr(err, "option", None)
        hint = f" (option {option})" if option else ""
        print(f"error: {' '.join(str(err).splitlines())}{hint}", file=sys.stderr)
        return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    2: bad input (one line on stderr); 130 / 143: stopped by SIGINT / SIGTERM, with
    no partial file left (see :mod:`study.cli.interrupt`).
    """
    args = build_parser().parse_args(argv)
    _log_to_stderr()
    with SignalGuard() as guard:
        try:
            return _dispatch(args)
        except Interrupted as interrupted:
            return guard.finish(interrupted)
