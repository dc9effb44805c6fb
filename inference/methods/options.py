"""Each method's options, declared once: a small frozen dataclass per method.

A field is declared by :func:`option`: its default, its help text, its check and (for
text) its choices. Options that several methods take are declared once, in a shared
base (:class:`Draws`, :class:`Chains`, :class:`Adam`, :class:`StoppingRule`), and a
method's options class inherits them (listed last first: a dataclass takes its bases'
fields from the last base to the first). The method table names each method's class
(:attr:`inference.methods.registry.Method.options`); the run configuration
(:class:`study.config.RunConfig`) and the command line's options derive from them, and
a fit is called with them as keyword arguments. Plain data, importing nothing heavy.

Examples
--------
>>> from dataclasses import fields
>>> [f.name for f in fields(NUTSOptions)]
['draws', 'chains', 'tune', 'target_accept', 'nuts_init', 'save_warmup']
>>> fields(SVGDOptions)[-1].metadata["help"][:5]
'SVGD:'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import Field, dataclass, field
from typing import Any

from inference.model.limits import DIM_LIMITS

__all__ = [
    "NUTS_INITS",
    "ADVIOptions",
    "Adam",
    "Chains",
    "Draws",
    "EnsembleOptions",
    "FullRankADVIOptions",
    "NUTSOptions",
    "SVGDOptions",
    "StoppingRule",
    "at_least_two",
    "at_most",
    "option",
    "positive",
    "probability",
]

#: A check of an option's value: None if it may take it, else why not.
Check = Callable[[Any], str | None]


def option(default: Any, help: str, *, check: Check | None = None, choices=None) -> Field:
    """Declare an option: its default, help text, check and choices (a dataclass field).

    Examples
    --------
    >>> option(3, "steps", check=positive).metadata["check"](0)
    '0 must be positive'
    """
    return field(default=default, metadata={"help": help, "check": check, "choices": choices})


def positive(value: float) -> str | None:
    """Check that a value is positive."""
    return None if value > 0 else f"{value} must be positive"


def at_least_two(value: int) -> str | None:
    """Check that a count of draws is at least two."""
    return positive(value) or (None if value >= 2 else f"{value} is too few (at least 2 draws)")


def probability(value: float) -> str | None:
    """Check that a value lies strictly between 0 and 1."""
    return None if 0 < value < 1 else f"{value} is not between 0 and 1"


def at_most(dim: str, check: Check) -> Check:
    """``check``, and no more than a posterior file may hold along ``dim``.

    Examples
    --------
    >>> at_most("chain", positive)(5000)
    '5000 is more than 1,000'
    """
    limit = DIM_LIMITS[dim]

    def within(value):
        return check(value) or (None if value <= limit else f"{value} is more than {limit:,}")

    return within


#: NUTS's initialisations: ``ensemble`` (each chain from its own MAP fit from a prior draw,
#: every backend), then PyMC's (NumPyro follows their start, jittered, and their mass
#: matrix: ``adapt_full`` dense, else diagonal).
NUTS_INITS = (
    "ensemble",
    "ensemble+adapt_full",
    "jitter+adapt_diag",
    "jitter+adapt_full",
    "adapt_diag",
    "adapt_full",
    "jitter+adapt_diag_grad",
    "advi+adapt_diag",
    "advi",
    "map",
    "auto",
)


@dataclass(frozen=True, kw_only=True)
class Draws:
    """The draws every method keeps."""

    draws: int = option(
        500,
        "posterior draws (at least 2): per NUTS chain, or from the ADVI approximation "
        "(the paper evaluated 1000)",
        check=at_most("draw", at_least_two),
    )


@dataclass(frozen=True, kw_only=True)
class Chains:
    """Chains, members, paths or runs: the methods that start from several points."""

    chains: int = option(8, "NUTS: chains; ensemble: members", check=at_most("chain", positive))


@dataclass(frozen=True, kw_only=True)
class Adam:
    """Adam's step size, for the methods that optimise."""

    learning_rate: float = option(0.01, "ADVI: Adam's step size", check=positive)


@dataclass(frozen=True, kw_only=True)
class StoppingRule:
    """The convergence rule of the methods that minimise a loss (ADVI's)."""

    max_steps: int = option(
        100_000,
        "ADVI: most optimisation steps; it stops earlier when the loss converges",
        check=at_most("iteration", positive),
    )
    window: int = option(1000, "ADVI: steps per window of the convergence rule", check=positive)
    tolerance: float = option(
        1e-3,
        "ADVI: relative decrease of the window mean loss taken as no progress",
        check=positive,
    )


@dataclass(frozen=True, kw_only=True)
class ADVIOptions(StoppingRule, Adam, Draws):
    """Mean-field ADVI's options."""


@dataclass(frozen=True, kw_only=True)
class FullRankADVIOptions(ADVIOptions):
    """Full-rank ADVI's: mean-field ADVI's, and the full-rank stage's step size."""

    fullrank_learning_rate: float = option(
        1e-4,
        "full-rank ADVI: Adam's step size once started from the mean-field fit (each of "
        "the Cholesky factor's entries moves about this much per step)",
        check=positive,
    )


@dataclass(frozen=True, kw_only=True)
class NUTSOptions(Chains, Draws):
    """NUTS's options."""

    tune: int = option(500, "NUTS: tuning steps per chain", check=positive)
    target_accept: float = option(
        0.8, "NUTS: target acceptance rate of the step-size adaptation", check=probability
    )
    nuts_init: str = option(
        "ensemble",
        "NUTS: where chains start and which mass matrix warm-up adapts: 'ensemble' starts "
        "each chain from its own MAP fit from a prior draw; '+adapt_full' adapts a dense "
        "mass matrix (both with every backend); the others are PyMC's initialisations "
        "(numpyro follows their jittered start and their mass matrix)",
        choices=NUTS_INITS,
    )
    save_warmup: bool = option(
        False,
        "NUTS: also store the tuning draws and their sampler statistics (groups "
        "warmup_posterior and warmup_sample_stats), to look into how warm-up went",
    )


@dataclass(frozen=True, kw_only=True)
class EnsembleOptions(Chains, Draws):
    """The options of the methods that take draws from several starts (ensemble, paths)."""


@dataclass(frozen=True, kw_only=True)
class SVGDOptions(Adam, Draws):
    """SVGD's options: its particles are the draws."""

    svgd_steps: int = option(
        2000,
        "SVGD: Adam steps moving the particles (--draws of them); it has no loss to stop on",
        check=at_most("iteration", positive),
    )
