"""One sha256 over numeric arrays: how files are told to hold the same data."""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["arrays_sha256"]


def arrays_sha256(*arrays, text: tuple[str, ...] = ()) -> str:
    """Return the sha256 of ``text`` then of each array's values as contiguous float64.

    Examples
    --------
    >>> import numpy as np
    >>> arrays_sha256(np.arange(3)) == arrays_sha256(np.arange(3.0))
    True
    >>> arrays_sha256(np.arange(3), text=("weight",)) == arrays_sha256(np.arange(3))
    False
    """
    digest = hashlib.sha256()
    for item in text:
        digest.update(item.encode())
    for values in arrays:
        digest.update(np.ascontiguousarray(values, dtype=np.float64).tobytes())
    return digest.hexdigest()
