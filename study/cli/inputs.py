"""What the fitting commands (``run``, ``sweep``, ``design``) check and load first."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from inference.methods.registry import METHODS
from study.config import ConfigError
from study.data.reader import load_dataset

__all__ = ["check_installed", "load_data"]


def check_installed(methods: Sequence[str]) -> None:
    """Refuse a method whose optional packages are not installed, naming them."""
    for method in methods:
        if missing := METHODS[method].missing():
            raise ConfigError(
                f"method {method} needs {', '.join(missing)}, which is not installed "
                f"(pip install {' '.join(missing)})"
            )


def load_data(args: argparse.Namespace):
    """Load the data the data options name (the paper's, or the user's CSV files).

    A held-out test set is drawn with the run's ``--seed`` (a sweep's: 0, one test set
    for all its seeds).
    """
    return load_dataset(
        data_dir=args.data_dir,
        train_csv=args.train_csv,
        test_csv=args.test_csv,
        label=args.label,
        features=args.features,
        positive=args.positive,
        test_fraction=args.test_fraction,
        seed=getattr(args, "seed", 0),
    )
