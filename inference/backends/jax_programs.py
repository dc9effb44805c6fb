"""JAX's compiled programs across many fits in one process: kept on disk, released from memory.

A JAX fit traces and compiles its programs anew each time: a new log density is a new
function to ``jax.jit``. Compiling NumPyro's warm-up and sampling programs and the eager
operations around them took about 12 s of a 15 s NUTS fit on 100 rows (4 chains, 250 +
250 steps; benchmarks/README.md). With the persistent cache
(:func:`use_compilation_cache`), a program whose lowered form was compiled before, in this
process or another, is read back instead. Data arrays above
``jax_embedded_constants_max_bytes`` (set to :data:`EMBEDDED_BYTES` with the cache; JAX's
default is 1 KiB) are arguments of the compiled program, not part of it, so fits on other
rows of the same shapes share their programs. On the paper's data, NUTS rounds gave the
same numbers to the last bit with either threshold; a test design's 12 ADVI rounds on 30
rows ran in 12 s instead of 25.

JAX also keeps every program it loads in memory, for as long as the process lives, and
a fit's programs are never run again once it ends. Each NUTS fit on the paper's data
left about 3,600 memory mappings and 120 MiB behind; a Dask worker running design rounds
crashed after about 17 of them (Linux allows 65,530 mappings a process: "LLVM ERROR:
Unable to allocate section memory"). A worker's task therefore fits inside
:func:`programs_released`.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from common.user_cache import user_cache

__all__ = ["programs_released", "use_compilation_cache"]

logger = logging.getLogger(__name__)

#: Arrays larger than this are arguments of a compiled program, not built into it.
EMBEDDED_BYTES = 64
#: JAX's own environment variable for the cache; when set, it is left alone.
ENVIRONMENT = "JAX_COMPILATION_CACHE_DIR"


def use_compilation_cache(directory: Path | None = None) -> Path:
    """Keep every JAX program this process compiles, and reuse those kept before.

    JAX trusts what it reads from the cache, so the folder is created readable and
    writable by this user alone. Without ``directory``, ``$JAX_COMPILATION_CACHE_DIR``
    when set, else ``jax`` in the project's per-user cache (``~/.cache/rupture-bnn/jax``).

    Returns
    -------
    pathlib.Path
        The folder in use.
    """
    import jax

    chosen = directory or Path(os.environ.get(ENVIRONMENT) or user_cache("jax"))
    chosen.mkdir(mode=0o700, parents=True, exist_ok=True)
    if jax.config.jax_compilation_cache_dir != str(chosen):
        from jax.experimental.compilation_cache import compilation_cache

        compilation_cache.reset_cache()  # a cache opened on another folder is dropped
        jax.config.update("jax_compilation_cache_dir", str(chosen))
        # the eager operations around a fit compile in well under the default 1 s each,
        # and there are about 160 of them
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        # data of a few rows (under 1 KiB, JAX's default) would be built into the program,
        # which then differs from round to round; scalars stay constants
        jax.config.update("jax_embedded_constants_max_bytes", EMBEDDED_BYTES)
        logger.debug("JAX compilation cache: %s", chosen)
    return chosen


@contextmanager
def programs_released() -> Iterator[None]:
    """Release every program JAX holds in memory when the block ends (``jax.clear_caches``).

    For a long-lived process that fits again and again (a Dask worker): with it, a worker's
    memory mappings stayed near 2,000 over a design's rounds, at the same fit times.
    """
    try:
        yield
    finally:
        if "jax" in sys.modules:  # nothing to release where no fit started JAX
            sys.modules["jax"].clear_caches()
