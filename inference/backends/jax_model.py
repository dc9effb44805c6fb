"""The model's JAX log density, on as many CPU devices as there are parallel chains.

The density is compiled from the model's own graph, in float64 or, for a faster
sampler, in float32 (:func:`jax_logp`).

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

import numpy as np
import pymc as pm

from inference.backends.choice import PRECISIONS, Precision
from inference.backends.jax_softplus import use_safe_softplus

logger = logging.getLogger(__name__)

#: The distributions that compute a BlackJAX fit's draws on the model's JAX log density.
BLACKJAX = ("blackjax", "jax", "pymc", "pytensor")
#: The device count JAX started with, once this module has started it.
_started: int | None = None


def start_jax(devices: int | None = None) -> int:
    """Ask for ``devices`` JAX CPU devices and start JAX; return how many it has.

    Parameters
    ----------
    devices : int, optional
        One per chain that should run in parallel; 1 for everything else. Without it,
        JAX keeps the devices it has, or starts with one.

    Returns
    -------
    int
        The number of CPU devices JAX has: ``devices``, unless JAX had started before.
    """
    global _started
    if _started is None:  # later calls leave XLA_FLAGS alone: JAX no longer reads it
        devices = devices or 1
        import pymc.sampling.jax  # noqa: F401  (its import asks for 100 devices; undone below)
        from numpyro import set_host_device_count

        set_host_device_count(devices)
        import jax

        _started = jax.local_device_count()
    if devices is not None and _started != devices:
        logger.debug("JAX had started with %d CPU devices; %d asked for", _started, devices)
    return _started


def _float32_graph(inputs: list, outputs: list) -> tuple[list, list]:
    """Rebuild a graph in float32: on float32 inputs, data and constants.

    Every node is rebuilt on its float32 inputs, so dtypes follow them; sums keep their
    float64 accumulators, so the log density is still a float64 sum of float32 terms.
    """
    import pytensor.tensor as pt
    from pytensor.compile.sharedvalue import SharedVariable
    from pytensor.graph.replace import clone_replace
    from pytensor.graph.traversal import graph_inputs
    from pytensor.tensor.variable import TensorConstant

    new_inputs = [pt.tensor(dtype="float32", shape=v.type.shape, name=v.name) for v in inputs]
    replace = dict(zip(inputs, new_inputs, strict=True))
    for var in graph_inputs(outputs):
        if isinstance(var, SharedVariable):
            value = var.get_value(borrow=True)
        elif isinstance(var, TensorConstant):
            value = var.data
        else:
            continue
        value = np.asarray(value)
        if value.dtype == np.float64:
            replace[var] = pt.constant(value.astype(np.float32), name=var.name)
    return new_inputs, clone_replace(outputs, replace=replace, rebuild_strict=False)


def jax_logp(
    model: pm.Model, *, precision: Precision = "float64", term: str = "posterior"
) -> Callable:
    """Compile the log density of ``model`` (or one of its terms) to JAX.

    JAX runs on the devices it was started with (:func:`start_jax`, called by
    :meth:`inference.backends.runtime.Runtime.start` before a fit), or on one if it was not.

    Parameters
    ----------
    model : pymc.Model
    precision : {"float64", "float32"}
        Arithmetic of the compiled graph. With ``"float32"`` the model's graph is
        rebuilt on float32 values, data and constants (its sums keep float64
        accumulators); the function still takes and returns float64, so a sampler's
        state stays float64. On the real data, 4 chains on 2 cores, a NUTS step takes
        29 µs of wall time against 50 in float64 (benchmarks/README.md).
    term : {"posterior", "prior", "likelihood"}
        The whole log density, the free variables' prior terms only
        (``Model.varlogp``), or the observed data's and potentials' (``Model.datalogp``):
        what tempering needs apart.

    Returns
    -------
    callable
        ``logp(values)`` for a list of values in the order of ``model.value_vars``.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    start_jax()
    use_safe_softplus()  # a finite gradient at large logits (inference.backends.jax_softplus)
    from pymc.sampling.jax import get_jaxified_graph

    terms = {"posterior": model.logp, "prior": lambda: model.varlogp}
    terms["likelihood"] = lambda: model.datalogp
    if term not in terms:
        raise ValueError(f"term must be one of {tuple(terms)}, got {term!r}")
    inputs, outputs = model.value_vars, [terms[term]()]
    if precision == "float32":
        inputs, outputs = _float32_graph(inputs, outputs)
    compiled = get_jaxified_graph(inputs=inputs, outputs=outputs)
    if precision == "float64":
        return lambda values: compiled(*values)[0]

    import jax.numpy as jnp

    def logp(values):
        return compiled(*(jnp.asarray(v).astype(jnp.float32) for v in values))[0].astype(
            jnp.float64
        )

    return logp


def flat_logp(model: pm.Model, *, term: str = "posterior") -> Callable:
    """Compile a log-density term of ``model`` to JAX as a function of one flat vector.

    The vector holds the value variables raveled in the model's order (as
    :func:`inference.methods.shared.gaussian.ravel_point` ravels them): what BlackJAX's
    algorithms take.
    ``term`` as in :func:`jax_logp`.
    """
    import jax

    logp = jax_logp(model, term=term)
    point = model.initial_point()
    shapes = [np.shape(point[v.name]) for v in model.value_vars]
    ends = np.cumsum([int(np.prod(shape)) for shape in shapes])[:-1]

    def density(flat):
        parts = jax.numpy.split(flat, ends)
        return logp([part.reshape(shape) for part, shape in zip(parts, shapes, strict=True)])

    return density


def one_batch_at_a_time(density: Callable) -> Callable:
    """Wrap ``density`` so that ``jax.vmap`` maps it sequentially, not all at once.

    Under ``vmap`` the returned function evaluates its batch by ``jax.lax.map``; under
    a second ``vmap`` each step of that map is batched over the outer axis only. Values
    and derivatives are those of ``density`` (up to the last bits of float reassociation).
    BlackJAX's Pathfinder estimates the ELBO of every L-BFGS iterate under one ``vmap``
    of ``vmap``: on the network, with 1000 iterations, 10 draws and 1600 rows, that held
    about 3 GB of hidden activations at once, and 0.3 GB this way.

    Parameters
    ----------
    density : callable
        A JAX function of one array.

    Returns
    -------
    callable
        The same function, with a sequential batching rule and ``density``'s own
        forward-mode (and so reverse-mode) derivative.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> square = one_batch_at_a_time(lambda x: jnp.sum(x**2))
    >>> points = jnp.arange(6.0).reshape(3, 2)
    >>> jax.vmap(square)(points).tolist(), float(jax.grad(square)(jnp.ones(2))[0])
    ([1.0, 13.0, 41.0], 2.0)
    """
    import jax

    @jax.custom_batching.custom_vmap
    def mapped(point):
        return density(point)

    @mapped.def_vmap
    def _rule(axis_size, in_batched, point):
        (batched,) = in_batched
        if not batched:
            return density(point), False
        return jax.lax.map(mapped, point), True

    @jax.custom_jvp
    def wrapped(point):
        return mapped(point)

    @wrapped.defjvp
    def _jvp(primals, tangents):
        return jax.jvp(density, primals, tangents)

    return wrapped
