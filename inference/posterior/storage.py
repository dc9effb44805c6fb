"""Saving and loading posterior files: ArviZ InferenceData netCDF, the only hand-off.

:func:`save` checks a file against the contract (:mod:`inference.posterior.contract`) and writes
it atomically; :func:`to_bytes` does the same in memory; :func:`load` opens a file as
untrusted data and checks it. So a file is checked once when written and once when read.
"""

from __future__ import annotations

import gc
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import dask
import xarray as xr

from common.atomic import atomic_write
from inference.posterior.contract import MAX_DATA_BYTES, PosteriorFileError, validate
from inference.posterior.netcdf_read import ENGINE, read_netcdf

__all__ = [
    "ENGINE",
    "MAX_FILE_BYTES",
    "PosteriorFileError",
    "load",
    "netcdf_bytes",
    "save",
    "to_bytes",
    "validate",
]

#: Largest posterior file read: its arrays' cap, plus room for metadata and text.
MAX_FILE_BYTES = MAX_DATA_BYTES + 2**26


def save(tree: xr.DataTree, path: str | os.PathLike) -> Path:
    """Check ``tree`` against the contract and write it to ``path`` atomically.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    PosteriorFileError
        ``tree`` breaks the contract; nothing is written.
    common.atomic.OutputError
        The file cannot be written there.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from inference.testing import tiny_posterior_file
    >>> tree = tiny_posterior_file()
    >>> del tree.attrs["seed"]
    >>> save(tree, Path(tempfile.mkdtemp()) / "bad.nc")
    Traceback (most recent call last):
    ...
    inference.posterior.attrs.PosteriorFileError: root attrs missing: seed
    """
    validate(tree)
    return atomic_write(path, netcdf_bytes(tree))


def to_bytes(tree: xr.DataTree) -> bytes:
    """Check ``tree`` against the contract and serialise it in memory, as netCDF bytes.

    Raises
    ------
    PosteriorFileError
        ``tree`` breaks the contract.
    """
    validate(tree)
    return bytes(netcdf_bytes(tree))


def netcdf_bytes(data: xr.Dataset | xr.DataTree) -> memoryview:
    """Serialise a dataset or tree as netCDF in memory, unchecked.

    Every netCDF file of this project is made so and written by
    :func:`common.atomic.atomic_write`: HDF5 itself never writes to a disk.

    Examples
    --------
    >>> import xarray as xr
    >>> bytes(netcdf_bytes(xr.Dataset({"x": ("i", [1, 2])})))[1:4]
    b'HDF'
    """
    # Under Dask's distributed scheduler xarray would guard the write with a lock named
    # after the target, which fails for one in memory; bytes in memory need no lock
    with dask.config.set(scheduler="synchronous"):
        return data.to_netcdf(engine=ENGINE)


#: What h5py, h5netcdf and xarray raise on bytes that are not a readable netCDF file:
#: the kinds seen when truncating and corrupting real posterior files
#: (tests/test_properties.py does so at random).
_READ_ERRORS = (
    OSError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    RuntimeError,
    IndexError,
    MemoryError,  # an allocation the checks let through and the machine refuses
)


@contextmanager
def _unraisable_ignored():
    """Silence what h5netcdf reports, while being collected, about a file it failed to open."""
    previous = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        yield
    finally:
        sys.unraisablehook = previous


def _read_bytes(path: Path) -> bytes:
    """Read a file's bytes once, and only if there are no more than the cap."""
    if not path.exists():
        raise PosteriorFileError(f"posterior file {path} not found")
    if not path.is_file():
        raise PosteriorFileError(f"posterior file {path} is not a regular file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise PosteriorFileError(
            f"{path} holds {size:,} bytes, more than the {MAX_FILE_BYTES:,} a posterior "
            "file may hold"
        )
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise PosteriorFileError(f"cannot read {path}: {err.strerror or err}") from None
    if len(data) > MAX_FILE_BYTES:
        raise PosteriorFileError(f"{path} grew beyond {MAX_FILE_BYTES:,} bytes while read")
    return data


def load(path: str | os.PathLike) -> xr.DataTree:
    """Open a posterior file into memory and check its contract.

    The file is data, never code: it is read once, into memory, and only if it holds
    at most :data:`MAX_FILE_BYTES`; its HDF5 structure is checked before any dataset
    is read (:func:`inference.posterior.hdf5_structure.check_structure`: nothing stored or
    linked elsewhere, no filter but gzip, shuffle and fletcher32, declared sizes within
    the caps); nothing in it is unpickled or evaluated, its JSON attrs are parsed as
    JSON, and no path written inside it is opened.

    Raises
    ------
    PosteriorFileError
        The file is missing, too large, not netCDF, truncated or corrupt, has an HDF5
        structure that could read elsewhere or declare too much, or breaks the contract.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from inference.testing import tiny_posterior_file
    >>> path = save(tiny_posterior_file(), Path(tempfile.mkdtemp()) / "nuts.nc")
    >>> load(path).attrs["method"]
    'nuts'
    >>> load(path.with_name("missing.nc"))
    Traceback (most recent call last):
    ...
    inference.posterior.attrs.PosteriorFileError: posterior file ... not found
    """
    path = Path(path)
    data = _read_bytes(path)
    message = None
    with _unraisable_ignored():
        try:
            tree = read_netcdf(data)
        except PosteriorFileError as err:
            message = f"{path} is refused before reading: {err}"
        except _READ_ERRORS as err:
            reason = (str(err).splitlines() or [type(err).__name__])[0]
            message = f"{path} is not a readable netCDF file ({reason})"
        if message is not None:  # collect the half-opened objects while they are silenced;
            gc.collect()  # a file read whole leaves none (a collection: a tenth of a second)
    if message is not None:
        raise PosteriorFileError(message)
    try:
        validate(tree)
    except PosteriorFileError as err:
        raise PosteriorFileError(
            f"{path} is not a valid rupture-bnn posterior file: {err}"
        ) from None
    return tree
