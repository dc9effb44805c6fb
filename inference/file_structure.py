"""The HDF5 structure of a posterior file, checked from its metadata before any data is read.

A netCDF-4 file is an HDF5 file, and HDF5 can do more than netCDF needs. A dataset's
bytes can live in another file (external storage) or be assembled from other files
(a virtual dataset); a link can lead into another file (an external link) or along a
path (a soft link); a dataset can need a filter that HDF5 loads as a plugin; and a
file of a few megabytes can declare gigabytes (compressed zeros, unwritten fill
values, chunks larger than their dataset). A file from someone else could use any
of these to make the reader open other files, load code or exhaust memory.

:func:`check_structure` walks the metadata with h5py, following no link and reading
no dataset, and refuses all of them, naming the first fault. What it accepts holds
nothing but groups and datasets of numbers and text, each reached by one hard link,
stored in the file itself, filtered only by gzip, shuffle or fletcher32, and within
the sizes of :data:`inference.contract.DIM_LIMITS` and :data:`~inference.contract.
MAX_DATA_BYTES`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import h5py
import numpy as np

from inference.contract import CONTRACT, DIM_LIMITS, MAX_DATA_BYTES, PosteriorFileError
from inference.methods import METHODS

__all__ = ["FILTERS", "MAX_DEPTH", "MAX_OBJECTS", "MAX_RANK", "check_structure"]

#: The HDF5 filters netCDF-4 writes without plugins, by filter id; no other is run.
FILTERS = {
    h5py.h5z.FILTER_DEFLATE: "gzip",
    h5py.h5z.FILTER_SHUFFLE: "shuffle",
    h5py.h5z.FILTER_FLETCHER32: "fletcher32",
}
#: Most groups and datasets in a file (a posterior file holds about 50).
MAX_OBJECTS = 1_000
#: Most attributes on one group or dataset (a posterior file's root has 9).
MAX_ATTRS = 100
#: Deepest nesting of groups (a posterior file's groups sit at depth 1).
MAX_DEPTH = 8
#: Most dims of one dataset (a posterior file's have at most 4).
MAX_RANK = 8
#: A chunk may hold more than its dataset only up to this size.
_SMALL_CHUNK_BYTES = 2**20
_LINK_KINDS = {h5py.h5l.TYPE_SOFT: "a soft link", h5py.h5l.TYPE_EXTERNAL: "an external link"}
#: Group -> variable -> dims, of every method: their sizes are checked against DIM_LIMITS.
_DIMS = CONTRACT | {g: v for m in METHODS.values() for g, v in m.stores.items()}


@dataclass
class _Tally:
    objects: int = 0
    data_bytes: int = 0


def check_structure(file: h5py.File) -> None:
    """Refuse a file whose HDF5 structure could read elsewhere or declare too much.

    Reads metadata only: link and object headers, dataspaces, datatypes and creation
    properties. Datasets are never read and links never followed.

    Parameters
    ----------
    file : h5py.File
        The file, open for reading.

    Raises
    ------
    PosteriorFileError
        Naming the first object at fault: a link other than a hard link, an object
        linked twice, an object that is neither a group nor a dataset, external
        storage, a virtual dataset, a filter other than :data:`FILTERS`, a type other
        than numbers and text, or a size beyond the caps.

    Examples
    --------
    >>> import io
    >>> import h5py
    >>> buffer = io.BytesIO()
    >>> with h5py.File(buffer, "w") as file:
    ...     file["posterior/w0"] = h5py.SoftLink("/elsewhere")
    >>> with h5py.File(buffer, "r") as file:
    ...     check_structure(file)
    Traceback (most recent call last):
    ...
    inference.file_attrs.PosteriorFileError: /posterior/w0 is a soft link ...
    """
    _check_attrs(file.id, "/")
    _walk(file, "", tally=_Tally(), depth=1)


def _walk(group: h5py.Group, where: str, *, tally: _Tally, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise PosteriorFileError(f"{where} nests groups deeper than {MAX_DEPTH} levels")
    for raw in group.id:  # link names, listed without following any link
        path = f"{where}/{raw.decode('utf-8', 'replace')}"
        kind = group.id.links.get_info(raw).type
        if kind != h5py.h5l.TYPE_HARD:
            what = _LINK_KINDS.get(kind, "a user-defined link")
            raise PosteriorFileError(
                f"{path} is {what}, which could lead outside the file (expected groups "
                "and datasets only)"
            )
        tally.objects += 1
        if tally.objects > MAX_OBJECTS:
            raise PosteriorFileError(f"the file holds more than {MAX_OBJECTS} objects")
        obj = h5py.h5o.open(group.id, raw)
        info = h5py.h5o.get_info(obj)
        if info.rc > 1:
            raise PosteriorFileError(
                f"{path} is linked {info.rc} times (expected each object once)"
            )
        _check_attrs(obj, path)
        if info.type == h5py.h5o.TYPE_GROUP:
            _walk(h5py.Group(obj), path, tally=tally, depth=depth + 1)
        elif info.type == h5py.h5o.TYPE_DATASET:
            _check_dataset(h5py.Dataset(obj), path, tally=tally)
        else:
            raise PosteriorFileError(f"{path} is an HDF5 datatype (expected groups and datasets)")


def _check_attrs(obj, path: str) -> None:
    count = h5py.h5o.get_info(obj).num_attrs
    if count > MAX_ATTRS:
        raise PosteriorFileError(f"{path} has {count} attributes (expected at most {MAX_ATTRS})")


def _check_dataset(dataset: h5py.Dataset, path: str, *, tally: _Tally) -> None:
    plist = dataset.id.get_create_plist()
    if plist.get_layout() == h5py.h5d.VIRTUAL:
        raise PosteriorFileError(
            f"{path} is a virtual dataset, assembled from other files (expected data "
            "stored in the file)"
        )
    if plist.get_external_count():
        raise PosteriorFileError(
            f"{path} keeps its data in another file, {_external_name(plist)} (expected "
            "data stored in the file)"
        )
    for index in range(plist.get_nfilters()):
        code, _, _, name = plist.get_filter(index)
        if code not in FILTERS:
            raise PosteriorFileError(
                f"{path} needs the HDF5 filter {code} ({name.decode('utf-8', 'replace')}) "
                f"(expected only {', '.join(FILTERS.values())})"
            )
    _check_type(dataset.dtype, path)
    _check_shape(dataset, path, tally=tally)


def _external_name(plist) -> str:
    name = plist.get_external(0)[0]
    return repr(name.decode("utf-8", "replace") if isinstance(name, bytes) else name)


def _check_type(dtype: np.dtype, path: str) -> None:
    if dtype.kind in "biufS" or h5py.check_string_dtype(dtype) is not None:
        return
    raise PosteriorFileError(f"{path} holds HDF5 values of type {dtype} (expected numbers or text)")


def _check_shape(dataset: h5py.Dataset, path: str, *, tally: _Tally) -> None:
    shape = dataset.shape or ()
    if len(shape) > MAX_RANK:
        raise PosteriorFileError(f"{path} has {len(shape)} dims (expected at most {MAX_RANK})")
    group, _, name = path.lstrip("/").rpartition("/")
    dims = _DIMS.get(group, {}).get(name) or ((name,) if len(shape) == 1 else ())
    for dim, size in zip(dims, shape, strict=False):
        if size > DIM_LIMITS.get(dim, size):
            raise PosteriorFileError(
                f"{path} declares {size:,} along {dim!r} (expected at most {DIM_LIMITS[dim]:,})"
            )
    nbytes = math.prod(shape) * dataset.dtype.itemsize
    if dataset.chunks is not None:
        chunk = math.prod(dataset.chunks) * dataset.dtype.itemsize
        if chunk > max(nbytes, _SMALL_CHUNK_BYTES):
            raise PosteriorFileError(
                f"{path} declares chunks of {chunk:,} bytes, larger than its data "
                f"({nbytes:,} bytes)"
            )
    tally.data_bytes += nbytes
    if tally.data_bytes > MAX_DATA_BYTES:
        raise PosteriorFileError(
            f"the datasets up to {path} declare {tally.data_bytes:,} bytes, more than the "
            f"{MAX_DATA_BYTES:,} a posterior file may hold"
        )
