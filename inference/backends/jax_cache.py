"""JAX's persistent compilation cache, for many fits of the same shapes in one study.

A JAX fit traces and compiles its programs anew each time: a new log density is a new
function to ``jax.jit``. Compiling NumPyro's warm-up and sampling programs and the eager
operations around them took about 12 s of a 15 s NUTS fit on 100 rows (4 chains, 250 +
250 steps; benchmarks/README.md). With the cache, a program whose lowered form was
compiled before, in this process or another, is read back instead. Data arrays above
``jax_embedded_constants_max_bytes`` are arguments of the compiled program, not part of
it, so fits on other rows of the same shapes share their programs.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

__all__ = ["cache_directory", "use_compilation_cache"]

logger = logging.getLogger(__name__)

#: JAX's own environment variable for the cache; when set, it is left alone.
ENVIRONMENT = "JAX_COMPILATION_CACHE_DIR"


def cache_directory() -> Path:
    """Return this user's cache: ``$XDG_CACHE_HOME/study/jax`` (``~/.cache/study/jax``).

    Examples
    --------
    >>> cache_directory().parts[-2:]
    ('study', 'jax')
    """
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "study" / "jax"


def use_compilation_cache(directory: Path | None = None) -> Path:
    """Keep every JAX program this process compiles, and reuse those kept before.

    JAX trusts what it reads from the cache, so the folder is created readable and
    writable by this user alone. Without ``directory``, ``$JAX_COMPILATION_CACHE_DIR``
    when set, else :func:`cache_directory`.

    Returns
    -------
    pathlib.Path
        The folder in use.
    """
    import jax

    chosen = directory or Path(os.environ.get(ENVIRONMENT) or cache_directory())
    chosen.mkdir(mode=0o700, parents=True, exist_ok=True)
    if jax.config.jax_compilation_cache_dir != str(chosen):
        jax.config.update("jax_compilation_cache_dir", str(chosen))
        # the eager operations around a fit compile in well under the default 1 s each,
        # and there are about 160 of them
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        logger.debug("JAX compilation cache: %s", chosen)
    return chosen
