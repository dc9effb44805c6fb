"""The command line's ``design``: a sequential-design study on Dask, its options and handler."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from inference.methods.registry import METHODS
from study.cli.options import (
    add_cluster_options,
    add_config_options,
    method_list,
    positive_float,
    positive_int,
    seed_list,
)
from study.design.acquisition import ACQUISITIONS
from study.design.defaults import SAMPLER_DEFAULTS

__all__ = ["add_design", "design"]

#: The default methods: the paper's VI and the Markov reference.
DEFAULT_METHODS = ("advi", "nuts")


def _acquisitions(text: str) -> list[str]:
    """Parse ``--acquisitions``: comma-separated names of :data:`ACQUISITIONS`."""
    names = list(dict.fromkeys(part.strip() for part in text.split(",")))
    unknown = [n for n in names if n not in ACQUISITIONS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown acquisition(s) {', '.join(unknown)} "
            f"(expected some of {', '.join(ACQUISITIONS)})"
        )
    return names


def add_design(commands, *, data_options: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``design``: loops of fit, score and acquire over a pool of simulations."""
    design_parser = commands.add_parser(
        "design",
        help="a sequential-design study: which simulations each method's posterior runs next",
        description="For each method, acquisition and seed, start from a stratified initial "
        "set of the training simulations (the pool; the same set for every method and "
        "acquisition of a seed), fit, score on the test set, run the next batch the "
        "acquisition chooses from the rest of the pool, until the budget. Writes "
        "OUT/<method>-<acquisition>-seed<S>/round-NN.nc (and .json), OUT/design.csv, "
        "OUT/design.json and OUT/design.html. Rerun the same command to continue. Exit "
        "code 1 if a loop failed (the others go on; its rounds so far are kept).",
    )
    design_parser.add_argument(
        "--methods",
        type=method_list,
        default=list(DEFAULT_METHODS),
        help=f"comma-separated methods of {', '.join(METHODS)} (default: advi,nuts)",
    )
    design_parser.add_argument(
        "--acquisitions",
        type=_acquisitions,
        default=list(ACQUISITIONS),
        help=f"comma-separated of {', '.join(ACQUISITIONS)} (default: all)",
    )
    design_parser.add_argument(
        "--seeds", type=seed_list, default=[0, 1, 2], help="seeds, e.g. 0-2 (default: 0-2)"
    )
    sizes = {"--initial": 50, "--batch": 25, "--budget": 400}
    for flag, default in sizes.items():
        design_parser.add_argument(
            flag, type=positive_int, default=default, help=f"simulations (default: {default})"
        )
    design_parser.add_argument(
        "--beta", type=positive_float, default=1.0, help="powerbald's exponent (default: 1)"
    )
    design_parser.add_argument(
        "--reference",
        type=Path,
        help="a posterior file fitted on the whole pool and the same test set (default: the "
        "design's Markov method, else NUTS, fitted once at run's defaults and kept as "
        "OUT/reference-<method>.nc)",
    )
    design_parser.add_argument(
        "--out", type=Path, default=Path("design"), help="output directory (default: design/)"
    )
    add_cluster_options(design_parser)
    data_options(design_parser)
    design_parser.add_argument(
        "--pool",
        dest="train_csv",
        type=Path,
        metavar="POOL.csv",
        help="your own pool of labelled simulations: --train-csv under the design's name",
    )
    design_parser.add_argument(
        "--test",
        dest="test_csv",
        type=Path,
        metavar="TEST.csv",
        help="your own test simulations: --test-csv",
    )
    add_config_options(design_parser, exclude=("seed",), defaults=SAMPLER_DEFAULTS)


def _reference(path: Path, pool) -> object:
    """Read a reference file, refusing one fitted on another test set."""
    from inference.posterior import storage
    from study.data.dataset import LABEL, DataError

    tree = storage.load(path)
    y = tree["predictions_constant_data"]["y"].to_numpy()
    if len(y) != len(pool.test) or (y != pool.test[LABEL].to_numpy()).any():
        raise DataError(
            f"{path}: its test set is not the design's ({len(y)} against {len(pool.test)} "
            "test simulations, or other labels; expected a file fitted on the same data)"
        )
    return tree


def design(args: argparse.Namespace) -> int:
    """Run a design study and write its files."""
    from study.cli.inputs import check_installed, load_data
    from study.cli.options import config_from
    from study.config import ConfigError
    from study.design.reference import reference_method
    from study.design.rounds import Loop, Schedule
    from study.design.runner import run_design
    from study.sweep.cluster import dask_client

    check_installed(args.methods)
    config = config_from(args)
    pool = load_data(args)
    budget = min(args.budget, len(pool.train))
    if not args.initial < budget:
        raise ConfigError(
            f"--initial {args.initial}: not below the budget of {budget} simulations "
            f"(--budget {args.budget}, a pool of {len(pool.train)})"
        )
    schedule = Schedule(initial=args.initial, batch=args.batch, budget=budget, beta=args.beta)
    reference = _reference(args.reference, pool) if args.reference else None
    method = None if reference is not None else reference_method(args.methods)
    loops = [Loop(m, a, s) for m in args.methods for a in args.acquisitions for s in args.seeds]
    with dask_client(args.scheduler, workers=args.workers) as client:
        result = run_design(
            loops,
            pool,
            config,
            schedule=schedule,
            out=args.out,
            client=client,
            reference=reference,
            reference_method=method,
        )
    print(", ".join(str(p) for p in result.files.values()))
    return 1 if result.failed else 0
