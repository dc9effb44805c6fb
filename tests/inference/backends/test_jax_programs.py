"""JAX's programs: kept in a private on-disk cache, released from memory after a task."""

import stat

import jax
import jax.numpy as jnp
from jax.experimental.compilation_cache import compilation_cache

from inference.backends.jax_programs import (
    EMBEDDED_BYTES,
    programs_released,
    use_compilation_cache,
)


def test_a_task_leaves_no_compiled_program_in_memory():
    twice = jax.jit(lambda x: 2 * x)
    with programs_released():
        assert float(twice(jnp.float32(3.0))) == 6.0
        assert twice._cache_size() == 1
    assert twice._cache_size() == 0


def test_the_cache_folder_is_the_users_alone_and_programs_land_in_it(tmp_path, monkeypatch):
    before = jax.config.jax_compilation_cache_dir, jax.config.jax_embedded_constants_max_bytes
    folder = tmp_path / "jax"
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(folder))
    try:
        assert use_compilation_cache() == folder
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        jax.jit(lambda x: jnp.sin(x) * 41.0 + 1.0)(jnp.arange(7.0))
        assert any(folder.iterdir())
        assert jax.config.jax_embedded_constants_max_bytes == EMBEDDED_BYTES
    finally:
        jax.config.update("jax_compilation_cache_dir", before[0])
        jax.config.update("jax_embedded_constants_max_bytes", before[1])
        compilation_cache.reset_cache()
