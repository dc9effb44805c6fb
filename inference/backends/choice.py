"""Ways to compile and sample the one PyMC model, and the choice of the fastest installed.

Two tables, one per method that has a choice:

- :data:`BACKENDS`, NUTS's: the sampler (PyMC's own, nutpie or NumPyro) and how the
  model is compiled for it (PyTensor's ``"c"`` or ``"numba"`` mode, or ``"jax"``).
  ``"numpyro"`` runs NumPyro's NUTS on the model's log density compiled to JAX;
  ``"numpyro-float32"`` is the same with that log density computed in float32.
- :data:`ADVI_MODES`, ADVI's: ``"jax"`` runs a window of steps per compiled call
  (:mod:`inference.backends.jax_advi`); ``"numba"`` and ``"c"`` run PyMC's ``pm.fit``.

Every backend evaluates the same model graph. PyMC also offers BlackJAX; with PyMC 6.4
and BlackJAX 1.7 that path fails inside PyMC (BlackJAX's adaptation no longer takes
``progress_bar``), so it is not offered here.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Literal, get_args

from common.errors import StudyError

__all__ = [
    "ADVI_AUTO_ORDER",
    "ADVI_MODES",
    "AUTO_ORDER",
    "BACKENDS",
    "PRECISIONS",
    "Backend",
    "BackendError",
    "Precision",
    "available",
    "compiled_by",
    "default_mode",
    "resolve",
    "resolve_advi",
]

CompileMode = Literal["c", "numba", "jax"]
Sampler = Literal["pymc", "nutpie", "numpyro"]
#: The arithmetic of the log density NUTS samples on.
Precision = Literal["float64", "float32"]
PRECISIONS: tuple[Precision, ...] = get_args(Precision)


@dataclass(frozen=True)
class Backend:
    """A NUTS sampler, the compile mode it runs in, the packages it needs, its arithmetic.

    ``precision`` is that of the log density NUTS samples on (NumPyro only); the draws,
    predictions and the posterior file are float64 with every backend.
    """

    name: str
    mode: CompileMode
    sampler: Sampler
    requires: tuple[str, ...]
    precision: Precision = "float64"

    @property
    def libraries(self) -> tuple[str, ...]:
        """The distributions that compute its draws: the sampler first, then the model's.

        Examples
        --------
        >>> BACKENDS["numpyro"].libraries
        ('numpyro', 'jax', 'pymc', 'pytensor')
        """
        return tuple(dict.fromkeys((self.sampler, *self.requires, *compiled_by("c"))))


#: Every selectable NUTS backend, fastest first (measured: benchmarks/README.md).
BACKENDS: dict[str, Backend] = {
    b.name: b
    for b in (
        Backend("numpyro-float32", "jax", "numpyro", ("numpyro", "jax"), "float32"),
        Backend("numpyro", "jax", "numpyro", ("numpyro", "jax")),
        Backend("nutpie", "numba", "nutpie", ("nutpie", "numba")),
        Backend("numba", "numba", "pymc", ("numba",)),
        Backend("pymc", "c", "pymc", ()),
    )
}
#: Tried in this order by ``"auto"``: the table's.
AUTO_ORDER = tuple(BACKENDS)
#: ADVI's compile modes and the packages each needs.
ADVI_MODES: dict[CompileMode, tuple[str, ...]] = {"jax": ("jax",), "numba": ("numba",), "c": ()}
#: Tried in this order by ``"auto"`` for ADVI: the table's.
ADVI_AUTO_ORDER: tuple[CompileMode, ...] = tuple(ADVI_MODES)


def compiled_by(mode: CompileMode) -> tuple[str, ...]:
    """Name the distributions that build and compile the log density in a compile mode.

    Examples
    --------
    >>> compiled_by("numba")
    ('pymc', 'pytensor', 'numba')
    """
    return ("pymc", "pytensor", *ADVI_MODES[mode])


def default_mode() -> CompileMode:
    """Return the compile mode of PyTensor's default, used where a fit names none.

    Examples
    --------
    >>> default_mode() in ADVI_MODES
    True
    """
    import pytensor

    linker = pytensor.config.linker
    return "numba" if linker in ("auto", "numba") else "jax" if linker == "jax" else "c"


class BackendError(StudyError, ValueError):
    """A backend is unknown or its packages are not installed."""


def _missing(packages: tuple[str, ...]) -> list[str]:
    return [p for p in packages if importlib.util.find_spec(p) is None]


def available(name: str) -> bool:
    """Whether the packages NUTS backend ``name`` needs are installed."""
    return not _missing(BACKENDS[name].requires)


def _pick(name: str, table: dict, order: tuple[str, ...], what: str) -> str:
    """Turn ``"auto"`` into the first installed entry of ``order``; check any other name."""
    if name == "auto":
        return next(n for n in order if not _missing(table[n]))
    if name not in table:
        raise BackendError(f"unknown {what} {name!r}; expected auto or one of {', '.join(table)}")
    if missing := _missing(table[name]):
        hint = 'pip install "rupture-bnn[nutpie]"' if "nutpie" in missing else "pip install it"
        raise BackendError(
            f"{what} {name!r} needs {', '.join(missing)}: {hint} (or choose another {what})"
        )
    return name


def resolve(name: str) -> Backend:
    """Return NUTS backend ``name``; ``"auto"`` is the fastest installed.

    Raises
    ------
    BackendError
        ``name`` is unknown, or a package it needs is missing.

    Examples
    --------
    >>> resolve("pymc").sampler
    'pymc'
    >>> resolve("auto").name in AUTO_ORDER
    True
    """
    requires = {n: b.requires for n, b in BACKENDS.items()}
    return BACKENDS[_pick(name, requires, AUTO_ORDER, "backend")]


def resolve_advi(name: str) -> CompileMode:
    """Return ADVI's compile mode ``name``; ``"auto"`` is the fastest installed.

    Raises
    ------
    BackendError
        ``name`` is unknown, or a package it needs is missing.

    Examples
    --------
    >>> resolve_advi("c")
    'c'
    """
    return _pick(name, ADVI_MODES, ADVI_AUTO_ORDER, "ADVI backend")
