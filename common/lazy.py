"""A package's public names, imported from their modules only when first used.

A package's ``__init__`` that imports every module it exports makes reading one file
import everything (PyMC, JAX, matplotlib). With :func:`lazy_exports` it names where
each public name lives, and the module is imported on first access (PEP 562).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, where: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return a module's ``__getattr__`` and ``__dir__`` for names imported on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__`` (named in the error for an unknown name).
    where : mapping
        Public name -> the module that defines it.

    Returns
    -------
    tuple of callable
        ``(__getattr__, __dir__)``, to assign at the package's module level.

    Examples
    --------
    >>> getattr_, dir_ = lazy_exports("pkg", {"sqrt": "math"})
    >>> getattr_("sqrt")(4.0)
    2.0
    >>> getattr_("cbrt")
    Traceback (most recent call last):
    ...
    AttributeError: module 'pkg' has no attribute 'cbrt'
    """

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    def __dir__() -> list[str]:
        return sorted(where)

    return __getattr__, __dir__
