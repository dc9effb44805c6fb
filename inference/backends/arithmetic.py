"""IEEE arithmetic for the model's numba-compiled code, so results do not depend on a cache.

PyTensor compiles with numba's ``fastmath`` by default (its ``numba__fastmath`` flag):
LLVM may then reassociate sums and fuse multiply-adds, and it makes those choices
differently for code compiled fresh and for code loaded from PyTensor's compile cache
(the cached object code is linked with its helpers instead of being optimised with
them). Measured on the default NUTS run: the ensemble start's first ``find_MAP`` gradient
differed by 2.3e-13 between an empty and a warm cache, L-BFGS-B took 582 against 856
evaluations, the starting points differed by up to 0.38, and every posterior array
differed. Without fastmath, cold and warm runs give identical files. The cost: the
model's log density and gradient on the paper's 1600 training rows took 89–90 µs
against 76–79 µs with fastmath (numba, warm cache, 2026-12-07), and a first run compiles
the functions once more (the cache keys them by the flag).

JAX's CPU backend (NumPyro, BlackJAX, ADVI's ``"jax"`` mode) compiles without fast math
by default and needs nothing here.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

__all__ = ["exact_arithmetic", "use_exact_arithmetic"]


def exact_arithmetic() -> AbstractContextManager:
    """Compile PyTensor's numba code without fastmath while the context lasts.

    :meth:`inference.backends.runtime.Runtime.start` sets it for the whole process
    (:func:`use_exact_arithmetic`).

    Examples
    --------
    >>> import pytensor
    >>> with exact_arithmetic():
    ...     pytensor.config.numba__fastmath
    False
    """
    import pytensor

    return pytensor.config.change_flags(numba__fastmath=False)


def use_exact_arithmetic() -> None:
    """Compile PyTensor's numba code without fastmath from now on, in this process."""
    import pytensor

    pytensor.config.numba__fastmath = False
