"""The model's JAX log density, on as many CPU devices as there are parallel chains.

NumPyro runs chains in parallel only with one JAX CPU device per chain. Importing
``pymc.sampling.jax`` rewrites ``XLA_FLAGS`` to ask for 100 of them, and every device
beyond those used slows each one down: on 2 cores, a leapfrog step of 4 parallel chains
took 78 µs of wall time with 100 devices and 48 µs with 4 (benchmarks/README.md). So the
device count is set here, after that import and before JAX starts; once JAX has started
it can no longer change, and the first caller decides.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pymc as pm

logger = logging.getLogger(__name__)

#: The device count JAX started with, once this module has started it.
_started: int | None = None


def start_jax(devices: int) -> int:
    """Ask for ``devices`` JAX CPU devices and start JAX; return how many it has.

    Parameters
    ----------
    devices : int
        One per chain that should run in parallel; 1 for everything else.

    Returns
    -------
    int
        The number of CPU devices JAX has: ``devices``, unless JAX had started before.
    """
    global _started
    if _started is None:  # later calls leave XLA_FLAGS alone: JAX no longer reads it
        import pymc.sampling.jax  # noqa: F401  (its import asks for 100 devices; undone below)
        from numpyro import set_host_device_count

        set_host_device_count(devices)
        import jax

        _started = jax.local_device_count()
    if _started != devices:
        logger.debug("JAX had started with %d CPU devices; %d asked for", _started, devices)
    return _started


def jax_logp(model: pm.Model, *, devices: int = 1) -> Callable:
    """Compile the log density of ``model`` to JAX, on ``devices`` CPU devices.

    Returns
    -------
    callable
        ``logp(values)`` for a list of values in the order of ``model.value_vars``.
    """
    start_jax(devices)
    from pymc.sampling.jax import get_jaxified_logp

    return get_jaxified_logp(model)
