"""Parsing a posterior file's bytes as netCDF, each step checked before the next.

The bytes pass :func:`inference.posterior.hdf5_structure.check_structure` (HDF5 metadata), then
:func:`check_netcdf_shapes` (the shapes netCDF gives them), then
:func:`inference.posterior.contract.check_declared_sizes` (the sizes xarray gives them, opened
lazily); only then are the arrays read, with no HDF5 plugin loadable meanwhile
(:func:`no_plugins`).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import h5netcdf
import h5py
import xarray as xr

from inference.posterior.contract import PosteriorFileError, check_declared_sizes
from inference.posterior.hdf5_structure import check_structure, printable

__all__ = ["ENGINE", "check_netcdf_shapes", "no_plugins", "read_netcdf"]

ENGINE = "h5netcdf"


@contextmanager
def no_plugins() -> Iterator[None]:
    """Empty HDF5's plugin search path for the duration, so no filter plugin can load.

    Examples
    --------
    >>> import h5py
    >>> with no_plugins():
    ...     h5py.h5pl.size()
    0
    """
    paths = [h5py.h5pl.get(index) for index in range(h5py.h5pl.size())]
    try:
        while h5py.h5pl.size():
            h5py.h5pl.remove(0)
        yield
    finally:
        while h5py.h5pl.size():
            h5py.h5pl.remove(0)
        for path in paths:
            h5py.h5pl.append(path)


def check_netcdf_shapes(file: h5py.File, netcdf: h5netcdf.File) -> None:
    """Refuse a variable that netCDF would read larger than the dataset stored for it.

    netCDF gives a variable the lengths of the dims it is attached to, padding the
    stored dataset with fill values when they are longer: a (1, 1) dataset attached to
    two dims of a million is read as a million by a million. A file of fixed-size dims
    never needs it, so any difference is refused, before any array is read.

    Parameters
    ----------
    file : h5py.File
        The file, open for reading, already through
        :func:`inference.posterior.hdf5_structure.check_structure`.
    netcdf : h5netcdf.File
        The same bytes, open for reading as netCDF.

    Raises
    ------
    PosteriorFileError
        Naming the first variable whose shape as read differs from its shape as stored.
    """
    groups = [netcdf]
    while groups:
        group = groups.pop()
        groups.extend(group.groups.values())
        for variable in group.variables.values():
            stored = file[variable.name].shape
            if variable.shape != stored:
                raise PosteriorFileError(
                    f"{printable(variable.name)} is stored as {stored} but its "
                    f"dims would make it {variable.shape} (expected the same shape)"
                )


def read_netcdf(data: bytes) -> xr.DataTree:
    """Check a file's bytes, then read them into memory.

    First its HDF5 structure (:func:`check_structure`), then the shapes netCDF gives its
    variables (:func:`check_netcdf_shapes`), then the sizes xarray will give its arrays,
    opened lazily (:func:`check_declared_sizes`); only then are the arrays read.
    Nothing but numbers and text is decoded.

    Raises
    ------
    PosteriorFileError
        A check refuses the bytes.
    OSError, ValueError
        Among others: what h5py, h5netcdf and xarray raise on bytes that are not
        netCDF (:func:`inference.posterior.storage.load` says so in one line).
    """
    with no_plugins():
        with h5py.File(io.BytesIO(data), "r") as file:
            check_structure(file)
            with h5netcdf.File(io.BytesIO(data), "r", phony_dims="access") as netcdf:
                check_netcdf_shapes(file, netcdf)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the contract, not a library's warning, judges
            with xr.open_datatree(
                io.BytesIO(data),
                engine=ENGINE,
                phony_dims="access",
                decode_times=False,
                decode_timedelta=False,
            ) as tree:
                check_declared_sizes(tree)
                return tree.load()
