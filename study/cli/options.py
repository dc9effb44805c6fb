"""Command-line options derived from the run configuration's fields, and list parsers.

Every field of :class:`study.config.RunConfig` becomes ``--field-name``, with its
default, help text, type, choices and check taken from the field; nothing is restated.
"""

from __future__ import annotations

import argparse
from collections.abc import Collection, Mapping, Sequence
from dataclasses import Field

from inference.methods.registry import METHODS
from study.config import ConfigError, RunConfig, check_value, field_choices, field_type
from study.config import option_fields as config_fields

__all__ = [
    "ALL",
    "add_cluster_options",
    "add_config_options",
    "config_from",
    "method_list",
    "positive_float",
    "positive_int",
    "seed_int",
    "seed_list",
    "size_list",
    "sobol_count",
]

#: ``--method all``: the paper's method and the reference.
ALL = ("advi", "nuts")


def _parser_of(f: Field):
    """Turn an option's text into its value, checked as the configuration checks it."""
    kind = field_type(f)

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        try:
            check_value(f, value)
        except ConfigError as err:
            raise argparse.ArgumentTypeError(str(err).split(": ", 1)[1]) from None
        return value

    parse.__name__ = kind.__name__
    return parse


def add_config_options(
    parser: argparse.ArgumentParser,
    *,
    exclude: Collection[str] = (),
    defaults: Mapping[str, object] | None = None,
) -> None:
    """Add one option per run-configuration field (but those in ``exclude``).

    ``defaults``: a command's own defaults for some fields (``design``'s sampler sizes);
    their help names ``run``'s too.
    """
    group = parser.add_argument_group("run configuration (stored in every posterior file)")
    own = defaults or {}
    for f in config_fields():
        if f.name in exclude:
            continue
        default = own.get(f.name, f.default)
        shown = f"{default}; run's: {f.default}" if f.name in own else f"{default}"
        choices = field_choices(f)
        if field_type(f) is bool:  # --name / --no-name
            group.add_argument(
                "--" + f.name.replace("_", "-"),
                dest=f.name,
                action=argparse.BooleanOptionalAction,
                default=f.default,
                help=f"{f.metadata['help']} (default: {'yes' if f.default else 'no'})",
            )
            continue
        group.add_argument(
            "--" + f.name.replace("_", "-"),
            dest=f.name,
            type=_parser_of(f) if choices is None else str,
            choices=choices,
            default=default,
            help=f"{f.metadata['help']} (default: {shown})",
        )


def add_cluster_options(parser: argparse.ArgumentParser) -> None:
    """Add where a Dask command runs: ``--scheduler ADDRESS`` or ``--workers N`` locally."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler",
        help="address of an existing Dask scheduler, e.g. tcp://host:8786 (default: a local "
        "cluster on this machine)",
    )
    where.add_argument(
        "--workers",
        type=positive_int,
        help="worker processes of the local cluster, one task each (default: the usable CPUs)",
    )


def config_from(args: argparse.Namespace, **values) -> RunConfig:
    """Build the run configuration from parsed options (and ``values`` given here)."""
    options = vars(args) | values
    return RunConfig(**{f.name: options[f.name] for f in config_fields() if f.name in options})


def seed_list(text: str) -> list[int]:
    """Parse seeds written as a range ``0-9``, a list ``0,3,5`` or both ``0-2,7``.

    Examples
    --------
    >>> seed_list("0-2,7")
    [0, 1, 2, 7]
    """
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


def positive_int(text: str) -> int:
    """Parse a positive integer option."""
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text.strip()!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} must be positive")
    return value


#: The most Sobol candidates ``next`` draws (held in memory: 8 features × 8 bytes each).
MAX_SOBOL = 2**22


def seed_int(text: str) -> int:
    """Parse one seed: a whole number from 0."""
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text.strip()!r} is not a number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is out of range (expected 0 or more)")
    return value


def sobol_count(text: str) -> int:
    """Parse a number of Sobol points: 1 to :data:`MAX_SOBOL`."""
    value = positive_int(text)
    if value > MAX_SOBOL:
        raise argparse.ArgumentTypeError(f"{value} is out of range (expected 1 to {MAX_SOBOL})")
    return value


def positive_float(text: str) -> float:
    """Parse a distance: a finite number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{value} is not a finite number above 0")
    return value


def size_list(text: str) -> list[int]:
    """Parse comma-separated positive sizes, e.g. ``400,800,1600``."""
    return sorted({positive_int(part) for part in text.split(",")})


def method_list(text: str, *, allowed: Sequence[str] | None = None) -> list[str]:
    """Parse comma-separated method names of the method table.

    Examples
    --------
    >>> method_list("nuts,advi,nuts")
    ['nuts', 'advi']
    """
    allowed = tuple(METHODS) if allowed is None else allowed  # registered by now
    methods = [m.strip() for m in text.split(",")]
    unknown = [m for m in methods if m not in allowed]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(allowed)}"
        )
    return list(dict.fromkeys(methods))
