"""The caps on a posterior file's sizes and values: plain numbers, importing nothing.

Held by the contract (:mod:`inference.posterior.contract`), by the structure check
before a file is read (:mod:`inference.posterior.hdf5_structure`) and by the run
options' checks (:mod:`inference.methods.options`).
"""

from __future__ import annotations

__all__ = ["DIM_LIMITS", "MAX_DATA_BYTES", "MAX_MAGNITUDE", "OTHER_DIM_LIMIT"]

#: Largest magnitude accepted for a parameter or a standardised input: no fit of this
#: network comes near it, and far beyond it the analyses' densities and sums overflow.
MAX_MAGNITUDE = 1e6
#: Largest size accepted along each dim of a posterior file: far beyond any run of this
#: network, small enough that no dim alone declares gigabytes. A file is held to them
#: before it is read (:mod:`inference.posterior.hdf5_structure`) and a tree when it is written.
DIM_LIMITS = {
    "chain": 1_000,
    "draw": 1_000_000,
    "iteration": 10_000_000,
    "feature": 1_000,
    "hidden": 1_000,
    "obs": 1_000_000,
    "test": 1_000_000,
}
#: Largest size along a dim the contract does not name.
OTHER_DIM_LIMIT = 1_000_000
#: Largest total size of a file's arrays, uncompressed (512 MiB): what loading one may
#: cost in memory. A default NUTS file holds 18 MB.
MAX_DATA_BYTES = 2**29
