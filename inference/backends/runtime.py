"""Where and how fits run: the backends resolved once, the cores, and JAX's start.

A :class:`Runtime` is made once, at the top of a command (for a sweep, by the client, with
one core per task), and passed down to every fit; nothing below it resolves a backend
again. :meth:`Runtime.start` starts JAX before a process's first fit (on a sweep's
worker, in that worker's process).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from inference.backends.arithmetic import use_exact_arithmetic
from inference.backends.choice import Backend, CompileMode, resolve, resolve_advi
from inference.backends.jax_model import start_jax

__all__ = ["Runtime", "parallel_chains", "usable_cores"]


def usable_cores() -> int:
    """Count the CPUs this process may run on."""
    return len(os.sched_getaffinity(0))


def parallel_chains(chains: int, cores: int) -> int:
    """How many chains run at once: all of them given more than one core, else one.

    Examples
    --------
    >>> parallel_chains(4, 2), parallel_chains(4, 1), parallel_chains(1, 2)
    (4, 1, 1)
    """
    return chains if min(chains, cores) > 1 else 1


@dataclass(frozen=True, kw_only=True)
class Runtime:
    """The resolved backends and the cores the fits may use.

    Attributes
    ----------
    backend : Backend
        NUTS's sampler and compile mode.
    advi_mode : {"jax", "numba", "c"}
        ADVI's compile mode.
    cores : int
        CPUs given to a fit: NUTS's chains run in parallel on them, one chain per core.

    Examples
    --------
    >>> runtime = Runtime.resolve(backend="pymc", advi_backend="c", cores=1)
    >>> runtime.backend.name, runtime.advi_mode, runtime.uses_jax
    ('pymc', 'c', False)
    """

    backend: Backend
    advi_mode: CompileMode
    cores: int

    @classmethod
    def resolve(
        cls, *, backend: str = "auto", advi_backend: str = "auto", cores: int | None = None
    ) -> Runtime:
        """Resolve backend names (``"auto"``: the fastest installed); ``cores``: all usable.

        Raises
        ------
        inference.backends.choice.BackendError
            A backend is unknown or not installed.
        """
        return cls(
            backend=resolve(backend),
            advi_mode=resolve_advi(advi_backend),
            cores=usable_cores() if cores is None else cores,
        )

    @property
    def uses_jax(self) -> bool:
        """Whether a fit compiles the model to JAX."""
        return "jax" in (self.backend.mode, self.advi_mode)

    def start(self, *, chains: int) -> None:
        """Start JAX, if a fit needs it, with one CPU device per parallel NUTS chain.

        JAX keeps the devices it starts with, so this runs before the first fit of a
        process; later calls change nothing (:func:`inference.backends.jax_model.start_jax`).
        It also turns off numba's fastmath for the process
        (:func:`inference.backends.arithmetic.exact_arithmetic`), so that a fit's result
        does not depend on PyTensor's compile cache.
        """
        use_exact_arithmetic()  # every fit's numba code, from now on
        if self.uses_jax:
            start_jax(parallel_chains(chains, self.cores))
