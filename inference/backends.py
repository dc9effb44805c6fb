"""Ways to compile and sample the one PyMC model, and the choice of the fastest.

A backend names the NUTS implementation (PyMC's own, nutpie or NumPyro) and how the
rest is compiled: ADVI's optimisation, and PyMC's or nutpie's NUTS (PyTensor's ``"c"``
or ``"numba"`` mode). The ``"numpyro"`` backend runs everything on the model's log
density compiled to JAX: NumPyro's NUTS, and ADVI with a window of steps per compiled
call (:mod:`inference.jax_advi`). ``"numpyro-float32"`` is the same with NUTS's log
density computed in float32. Every backend evaluates the same model graph.

PyMC also offers BlackJAX; with PyMC 6.4 and BlackJAX 1.7 that path fails inside PyMC
(BlackJAX's adaptation no longer takes ``progress_bar``), so it is not offered here.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Literal

from inference.jax_devices import Precision

CompileMode = Literal["c", "numba", "jax"]
Sampler = Literal["pymc", "nutpie", "numpyro"]


@dataclass(frozen=True)
class Backend:
    """A compile mode, a NUTS sampler, the packages they need and NUTS's arithmetic.

    ``precision`` is that of the log density NUTS samples on (NumPyro only); the draws,
    ADVI, predictions and the posterior file are float64 with every backend.
    """

    mode: CompileMode
    sampler: Sampler
    requires: tuple[str, ...]
    precision: Precision = "float64"


#: Every selectable backend, fastest first (measured: benchmarks/README.md).
BACKENDS: dict[str, Backend] = {
    "numpyro-float32": Backend("jax", "numpyro", ("numpyro", "jax"), "float32"),
    "numpyro": Backend("jax", "numpyro", ("numpyro", "jax")),
    "nutpie": Backend("numba", "nutpie", ("nutpie", "numba")),
    "numba": Backend("numba", "pymc", ("numba",)),
    "pymc": Backend("c", "pymc", ()),
}
#: Tried in this order by ``"auto"``.
AUTO_ORDER = ("numpyro-float32", "numpyro", "nutpie", "numba", "pymc")


class BackendError(ValueError):
    """A backend is unknown or its packages are not installed."""


def available(name: str) -> bool:
    """Whether the packages backend ``name`` needs are installed."""
    return all(importlib.util.find_spec(p) is not None for p in BACKENDS[name].requires)


def resolve(name: str) -> str:
    """Turn ``"auto"`` into the fastest installed backend; check any other name.

    Raises
    ------
    BackendError
        ``name`` is unknown, or a package it needs is missing.
    """
    if name == "auto":
        return next(b for b in AUTO_ORDER if available(b))
    if name not in BACKENDS:
        raise BackendError(
            f"unknown backend {name!r}; expected auto or one of {', '.join(BACKENDS)}"
        )
    if not available(name):
        missing = [p for p in BACKENDS[name].requires if importlib.util.find_spec(p) is None]
        raise BackendError(
            f"backend {name!r} needs {', '.join(missing)}: "
            'pip install "rupture-bnn[nutpie]" (or choose another --backend)'
        )
    return name
