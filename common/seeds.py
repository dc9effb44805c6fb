"""The random streams of one master seed: each use of randomness its own, apart from the rest.

A run's seed spawns one stream per use (the upsampling, the prior draws, each method's
fit, a sweep's subsets, a campaign's test split), so that adding a use or a method
changes no other result.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["random_stream"]


#: Spawn keys of the random streams of one seed, as first recorded (changing one changes
#: every result made with it); a method not listed gets a key from its name.
_STREAMS = {"upsample": 0, "prior": 1, "advi": 2, "nuts": 3, "subset": 4}


def random_stream(seed: int, name: str) -> np.random.SeedSequence:
    """Return the random stream ``name`` of a master seed, apart from every other.

    Examples
    --------
    >>> random_stream(7, "subset").spawn_key
    (4,)
    """
    key = _STREAMS.get(name)
    return np.random.SeedSequence(
        seed, spawn_key=(key,) if key is not None else (len(_STREAMS), zlib.crc32(name.encode()))
    )
