"""The project's per-user cache folder: the paper's data and JAX's compiled programs."""

from __future__ import annotations

from pathlib import Path

__all__ = ["CACHE_NAME", "user_cache"]

#: The cache's name: ``~/.cache/rupture-bnn`` on Linux.
CACHE_NAME = "rupture-bnn"


def user_cache(*parts: str) -> Path:
    """Return a folder in this user's cache (not created).

    Examples
    --------
    >>> user_cache("jax").parts[-2:]
    ('rupture-bnn', 'jax')
    """
    import pooch

    return Path(pooch.os_cache(CACHE_NAME)).joinpath(*parts)
