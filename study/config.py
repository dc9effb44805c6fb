"""The run configuration: every option of a run, each declared once.

The options every run takes (the seed, the data's balance, the network, the backends)
are declared here; each method's own are declared by the method, as its options class
(:mod:`inference.methods.options`), and :class:`RunConfig` takes them all as fields.
Each field carries its help text, its check and (for text options) its choices. The
command line's options (:mod:`study.cli.options`) and the check of a configuration
stored in a posterior file (:meth:`RunConfig.from_stored`) derive from these fields;
nothing restates them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, Field, asdict, dataclass, fields
from typing import Any, Literal, get_args, get_type_hints

from common.errors import StudyError
from common.seeds import random_stream
from inference.backends.choice import ADVI_MODES, BACKENDS
from inference.methods.options import at_least_two, at_most, option, positive
from inference.methods.registry import METHODS
from inference.model.parameters import Likelihood
from inference.posterior.attrs import has_json_type
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


class ConfigError(StudyError, ValueError):
    """A run option has a value it cannot take."""


def _seed(value: int) -> str | None:
    return None if 0 <= value < 2**32 else f"{value} is not a seed from 0 to 2**32 - 1"


@dataclass(frozen=True, kw_only=True)
class _RunOptions:
    """The options of every run, whatever its method."""

    seed: int = option(
        2019,
        "master random seed: the upsampling, the prior draws and each fit get seeds from it",
        check=_seed,
    )
    balance: Balance = option(  # noqa: RUF009  (a field, as the others)
        "weight",
        "how the classes are balanced: 'weight' (every simulation once, the propagating "
        "ones weighted n_arrest / n_propagate), 'upsample' (the paper's seeded redraw of "
        "the propagating ones) or 'none'",
    )
    hidden: int = option(12, "hidden ReLU units", check=at_most("hidden", positive))
    prior_sigma: float = option(1.0, "sd of the N(0, sigma) priors", check=positive)
    likelihood: Likelihood = option(  # noqa: RUF009  (a field, as the others)
        "bernoulli", "'bernoulli', or 'normal': the Normal(score, 1) likelihood of the paper's code"
    )
    backend: str = option(
        "auto",
        "NUTS: sampler and compile mode; 'auto' takes the fastest installed; "
        "numpyro-float32 is numpyro with NUTS's log density in float32 (draws, "
        "predictions and files stay float64)",
        choices=("auto", *BACKENDS),
    )
    advi_backend: str = option(
        "auto",
        "ADVI: compile mode; 'jax' runs a window of steps per compiled call, 'numba' and "
        "'c' run PyMC's pm.fit; 'auto' takes the fastest installed",
        choices=("auto", *ADVI_MODES),
    )
    prior_draws: int = option(
        1000,
        "draws from the prior stored beside the posterior",
        check=at_most("draw", at_least_two),
    )
    pointwise: str = option(
        "store",
        "'store': the file keeps each training row's log-likelihood and a predictive draw "
        "of its label per draw (groups log_likelihood and posterior_predictive, for "
        "ArviZ's az.loo, az.compare and PPC plots; 23 MB more in the default NUTS file); "
        "'none': a smaller file, without elpd-LOO in comparisons",
        choices=("store", "none"),
    )


def _most_derived(classes: list[type]) -> tuple[type, ...]:
    """Keep the classes none of the others derives from, in order: every option once."""
    unique = list(dict.fromkeys(classes))
    return tuple(c for c in unique if not any(o is not c and issubclass(o, c) for o in unique))


#: Every method's options class (the method table's), as RunConfig's bases.
_METHOD_OPTIONS = _most_derived([m.options for m in METHODS.values()])


@dataclass(frozen=True, kw_only=True)
class RunConfig(*_METHOD_OPTIONS, _RunOptions):
    """Options of one study run; stored whole (as JSON) in every posterior file.

    The options of every run, and every method's (its options class in the method
    table, :mod:`inference.methods.options`), each once. Every field is an option of
    ``python -m study run`` and (but ``seed``: a sweep takes ``--seeds``) of ``sweep``,
    ``--prior-sigma`` for ``prior_sigma``; its metadata holds the help text, the check
    and the choices.

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
        ['advi', 'ensemble', 'fullrank_advi', 'laplace', 'nuts', 'pathfinder',
         'posterior_predictive', 'prior', 'smc', 'svgd', 'upsample']
        """
        names = ("upsample", "prior", *METHODS, "posterior_predictive")
        return {n: int(random_stream(self.seed, n).generate_state(1)[0]) for n in names}

    def options_of(self, method: str) -> dict[str, Any]:
        """Return the options ``method``'s options class declares, with their values.

        Examples
        --------
        >>> sorted(RunConfig().options_of("smc").items())
        [('chains', 8), ('draws', 500)]
        """
        return {f.name: getattr(self, f.name) for f in fields(METHODS[method].options)}

    def as_dict(self) -> dict:
        """Return the configuration as a JSON-ready dict."""
        return asdict(self)

    def applying_to(self, method: str) -> dict[str, Any]:
        """Return the options that shape ``method``'s fit: what its file stores.

        Every run's options but the backends of other methods, then the method's own
        (its options class).

        Examples
        --------
        >>> stored = RunConfig().applying_to("advi")
        >>> "advi_backend" in stored, "backend" in stored, "chains" in stored
        (True, False, False)
        >>> sorted(set(RunConfig().applying_to("nuts")) - set(stored))
        ['backend', 'chains', 'nuts_init', 'save_warmup', 'target_accept', 'tune']
        """
        backends = {m.backend_option for m in METHODS.values()} - {None}
        run = [f.name for f in fields(_RunOptions) if f.name not in backends]
        run += [METHODS[method].backend_option] if METHODS[method].backend_option else []
        values = self.as_dict()
        return {name: values[name] for name in run} | self.options_of(method)


def option_fields() -> tuple[Field, ...]:
    """Return the fields of :class:`RunConfig`, in order."""
    return _FIELDS


def field_type(f: Field) -> type:
    """Return the Python type of an option: int, float, str or bool."""
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


_KIND_NAMES = {int: "an integer", float: "a finite number", str: "text", bool: "true or false"}


def _ordered_fields() -> tuple[Field, ...]:
    """RunConfig's fields: every run's first, then each method's in the table's order."""
    by_name = {f.name: f for f in fields(RunConfig)}
    names = [f.name for f in fields(_RunOptions)]
    names += [f.name for m in METHODS.values() for f in fields(m.options)]
    return tuple(by_name[n] for n in dict.fromkeys(names))


def _resolve_fields() -> tuple[tuple[Field, ...], dict[str, type], dict[str, tuple | None]]:
    hints = get_type_hints(RunConfig)
    types, choices = {}, {}
    for f in fields(RunConfig):
        hint = hints[f.name]
        literal = get_args(hint) if getattr(hint, "__origin__", None) is Literal else None
        types[f.name] = str if literal else hint
        choices[f.name] = literal or f.metadata["choices"]
        assert f.default is not MISSING, f.name
    return _ordered_fields(), types, choices


_FIELDS, _TYPES, _CHOICES = _resolve_fields()
