"""The run configuration: every option of a run, defined once.

Each field of :class:`RunConfig` carries its help text, its check and (for text
options) its choices. The command line's options (:mod:`study.cli.options`) and the check
of a configuration stored in a posterior file (:meth:`RunConfig.from_stored`) are
derived from these fields; nothing restates them. Which method reads which option is
said by the method table (:data:`inference.methods.registry.METHODS`).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, asdict, dataclass, field, fields
from typing import Any, Literal, get_args, get_type_hints

import numpy as np

from common.errors import StudyError
from inference.backends.choice import ADVI_MODES, BACKENDS
from inference.methods.registry import METHODS
from inference.model.parameters import Likelihood
from inference.posterior.attrs import has_json_type
from inference.posterior.contract import DIM_LIMITS
from study.data.preprocess import Balance

__all__ = [
    "ConfigError",
    "RunConfig",
    "check_value",
    "field_choices",
    "field_type",
    "option_fields",
    "random_stream",
]

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


class ConfigError(StudyError, ValueError):
    """A run option has a value it cannot take."""


def _positive(value: float) -> str | None:
    return None if value > 0 else f"{value} must be positive"


def _at_least_two(value: int) -> str | None:
    return _positive(value) or (None if value >= 2 else f"{value} is too few (at least 2 draws)")


def _at_most(dim: str, check: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    """``check``, and no more than a posterior file may hold along ``dim``."""
    limit = DIM_LIMITS[dim]

    def within(value):
        return check(value) or (None if value <= limit else f"{value} is more than {limit:,}")

    return within


def _seed(value: int) -> str | None:
    return None if 0 <= value < 2**32 else f"{value} is not a seed from 0 to 2**32 - 1"


def _probability(value: float) -> str | None:
    return None if 0 < value < 1 else f"{value} is not between 0 and 1"


def _option(default: Any, help: str, *, check: Callable | None = None, choices=None) -> Field:
    """Declare a configuration field: its default, help text, check and choices."""
    return field(default=default, metadata={"help": help, "check": check, "choices": choices})


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    """Options of one study run; stored whole (as JSON) in every posterior file.

    Every field is an option of ``python -m study run`` and (but ``seed``: a sweep takes
    ``--seeds``) of ``sweep``, ``--prior-sigma`` for ``prior_sigma``; its metadata holds
    the help text, the check and the choices.

    Raises
    ------
    ConfigError
        A value of the wrong type or out of range, naming the option.

    Examples
    --------
    >>> config = RunConfig(draws=200, chains=2)
    >>> config.draws, config.tune
    (200, 500)
    >>> RunConfig(draws=1)
    Traceback (most recent call last):
    ...
    study.config.ConfigError: draws: 1 is too few (at least 2 draws)
    """

    seed: int = _option(
        2019,
        "master random seed: the upsampling, the prior draws and each fit get seeds from it",
        check=_seed,
    )
    balance: Balance = _option(  # noqa: RUF009  (a field, as the others)
        "weight",
        "how the classes are balanced: 'weight' (every simulation once, the propagating "
        "ones weighted n_arrest / n_propagate), 'upsample' (the paper's seeded redraw of "
        "the propagating ones) or 'none'",
    )
    hidden: int = _option(12, "hidden ReLU units", check=_at_most("hidden", _positive))
    prior_sigma: float = _option(1.0, "sd of the N(0, sigma) priors", check=_positive)
    likelihood: Likelihood = _option(  # noqa: RUF009  (a field, as the others)
        "bernoulli", "'bernoulli', or 'normal': the Normal(score, 1) likelihood of the paper's code"
    )
    draws: int = _option(
        500,
        "posterior draws (at least 2): per NUTS chain, or from the ADVI approximation "
        "(the paper evaluated 1000)",
        check=_at_most("draw", _at_least_two),
    )
    tune: int = _option(500, "NUTS: tuning steps per chain", check=_positive)
    chains: int = _option(8, "NUTS: chains; ensemble: members", check=_at_most("chain", _positive))
    target_accept: float = _option(
        0.8, "NUTS: target acceptance rate of the step-size adaptation", check=_probability
    )
    nuts_init: str = _option(
        "ensemble",
        "NUTS: where chains start and which mass matrix warm-up adapts: 'ensemble' starts "
        "each chain from its own MAP fit from a prior draw; '+adapt_full' adapts a dense "
        "mass matrix (both with every backend); the others are PyMC's initialisations "
        "(numpyro follows their jittered start and their mass matrix)",
        choices=NUTS_INITS,
    )
    backend: str = _option(
        "auto",
        "NUTS: sampler and compile mode; 'auto' takes the fastest installed; "
        "numpyro-float32 is numpyro with NUTS's log density in float32 (draws, "
        "predictions and files stay float64)",
        choices=("auto", *BACKENDS),
    )
    advi_backend: str = _option(
        "auto",
        "ADVI: compile mode; 'jax' runs a window of steps per compiled call, 'numba' and "
        "'c' run PyMC's pm.fit; 'auto' takes the fastest installed",
        choices=("auto", *ADVI_MODES),
    )
    learning_rate: float = _option(0.01, "ADVI: Adam's step size", check=_positive)
    fullrank_learning_rate: float = _option(
        1e-4,
        "full-rank ADVI: Adam's step size once started from the mean-field fit (each of "
        "the Cholesky factor's entries moves about this much per step)",
        check=_positive,
    )
    max_steps: int = _option(
        100_000,
        "ADVI: most optimisation steps; it stops earlier when the loss converges",
        check=_at_most("iteration", _positive),
    )
    window: int = _option(1000, "ADVI: steps per window of the convergence rule", check=_positive)
    tolerance: float = _option(
        1e-3,
        "ADVI: relative decrease of the window mean loss taken as no progress",
        check=_positive,
    )
    svgd_steps: int = _option(
        2000,
        "SVGD: Adam steps moving the particles (--draws of them); it has no loss to stop on",
        check=_at_most("iteration", _positive),
    )
    prior_draws: int = _option(
        1000,
        "draws from the prior stored beside the posterior",
        check=_at_most("draw", _at_least_two),
    )

    def __post_init__(self) -> None:
        for f in option_fields():
            check_value(f, getattr(self, f.name))

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> RunConfig:
        """Rebuild the configuration stored in a posterior file (other keys are ignored).

        Raises
        ------
        ConfigError
            A stored option has the wrong JSON type or value, naming it.
        """
        return cls(**{f.name: stored[f.name] for f in option_fields() if f.name in stored})

    def seeds(self) -> dict[str, int]:
        """Independent seeds for each random step, derived from :attr:`seed`.

        The upsampling seed does not depend on the method, so every method's run with
        one seed fits the very same training rows.

        Examples
        --------
        >>> sorted(RunConfig(seed=1).seeds())
        ['advi', 'ensemble', 'fullrank_advi', 'laplace', 'nuts', 'pathfinder', 'prior', 'smc',
         'svgd', 'upsample']
        """
        names = ("upsample", "prior", *METHODS)
        return {n: int(random_stream(self.seed, n).generate_state(1)[0]) for n in names}

    def options_of(self, method: str) -> dict[str, Any]:
        """Return the options the method table says ``method``'s fit takes, with values."""
        return {name: getattr(self, name) for name in METHODS[method].options}

    def as_dict(self) -> dict:
        """Return the configuration as a JSON-ready dict."""
        return asdict(self)


#: Spawn keys of the random streams of one seed, as first recorded (changing one changes
#: every result made with it); a method not listed gets a key from its name.
_STREAMS = {"upsample": 0, "prior": 1, "advi": 2, "nuts": 3, "subset": 4}


def random_stream(seed: int, name: str) -> np.random.SeedSequence:
    """Return the random stream ``name`` of a master seed, apart from every other.

    Examples
    --------
    >>> random_stream(7, "subset").spawn_key
    (4,)
    """
    key = _STREAMS.get(name)
    return np.random.SeedSequence(
        seed, spawn_key=(key,) if key is not None else (len(_STREAMS), zlib.crc32(name.encode()))
    )


def option_fields() -> tuple[Field, ...]:
    """Return the fields of :class:`RunConfig`, in order."""
    return _FIELDS


def field_type(f: Field) -> type:
    """Return the Python type of an option: int, float or str."""
    return _TYPES[f.name]


def field_choices(f: Field) -> tuple[str, ...] | None:
    """Return the values a text option may take, or None for any."""
    return _CHOICES[f.name]


def check_value(f: Field, value: Any) -> None:
    """Check one option's value: its type, its choices, its range.

    Raises
    ------
    ConfigError
        ``"<name>: <why>"``.
    """
    kind = field_type(f)
    if not has_json_type(value, kind):
        raise ConfigError(f"{f.name}: {value!r} is not {_KIND_NAMES[kind]}")
    choices = field_choices(f)
    if choices is not None and value not in choices:
        raise ConfigError(f"{f.name}: {value!r} is not one of {', '.join(choices)}")
    check = f.metadata["check"]
    if check is not None and (why := check(value)) is not None:
        raise ConfigError(f"{f.name}: {why}")


_KIND_NAMES = {int: "an integer", float: "a finite number", str: "text"}


def _resolve_fields() -> tuple[tuple[Field, ...], dict[str, type], dict[str, tuple | None]]:
    hints = get_type_hints(RunConfig)
    types, choices = {}, {}
    for f in fields(RunConfig):
        hint = hints[f.name]
        literal = get_args(hint) if getattr(hint, "__origin__", None) is Literal else None
        types[f.name] = str if literal else hint
        choices[f.name] = literal or f.metadata["choices"]
        assert f.default is not MISSING, f.name
    return fields(RunConfig), types, choices


_FIELDS, _TYPES, _CHOICES = _resolve_fields()
