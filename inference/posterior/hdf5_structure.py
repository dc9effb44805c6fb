"""The HDF5 structure of a posterior file, checked from its metadata before its arrays are read.

A netCDF-4 file is an HDF5 file, and HDF5 can do more than netCDF needs. A dataset's
bytes can live in another file (external storage) or be assembled from other files
(a virtual dataset); a link can lead into another file (an external link) or along a
path (a soft link); a dataset can need a filter that HDF5 loads as a plugin; and a
file of a few megabytes can declare gigabytes (compressed zeros, unwritten fill
values, chunks larger than their dataset, one stored string or attribute shared by
many references). A file from someone else could use any of these to make the reader
open other files, load code or exhaust memory.

:func:`check_structure` walks the metadata with h5py, following no link and reading
no array, and refuses all of them, naming the first fault. What it accepts holds
nothing but groups and datasets of numbers and text, each reached by one hard link,
of fixed sizes, stored in the file itself, filtered only by gzip, shuffle or
fletcher32, and within the caps of :data:`inference.posterior.contract.DIM_LIMITS`,
:data:`inference.posterior.contract.MAX_DATA_BYTES` and this module. Only text is read here,
one string at a time, each held to :data:`MAX_TEXT_BYTES`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import h5py
import numpy as np

from inference.methods.registry import METHODS
from inference.posterior.contract import (
    CONTRACT,
    MAX_DATA_BYTES,
    PosteriorFileError,
    check_dim,
    over_cap,
)

__all__ = [
    "FILTERS",
    "MAX_ATTRS",
    "MAX_ATTR_BYTES",
    "MAX_DEPTH",
    "MAX_OBJECTS",
    "MAX_RANK",
    "MAX_TEXT_BYTES",
    "MAX_TEXT_ITEMS",
    "check_structure",
    "printable",
]

#: The HDF5 filters netCDF-4 writes without plugins, by filter id; no other is run.
FILTERS = {
    h5py.h5z.FILTER_DEFLATE: "gzip",
    h5py.h5z.FILTER_SHUFFLE: "shuffle",
    h5py.h5z.FILTER_FLETCHER32: "fletcher32",
}
#: Most groups and datasets in a file (a posterior file holds about 60).
MAX_OBJECTS = 1_000
#: Most attributes on one group or dataset (a posterior file's root has 9).
MAX_ATTRS = 100
#: Most bytes of all attributes' stored values together (a posterior file's: about 4 kB).
MAX_ATTR_BYTES = 2**20
#: Deepest nesting of groups (a posterior file's groups sit at depth 1).
MAX_DEPTH = 8
#: Most dims of one dataset (a posterior file's have at most 4).
MAX_RANK = 8
#: Longest string, in a label or a text attribute (the stored run configuration: 1 kB).
MAX_TEXT_BYTES = 2**16
#: Most strings in one text dataset (labels along a dim), or in one text attribute.
MAX_TEXT_ITEMS = 1_000
#: Most strings in one text attribute (ArviZ writes two, ``sample_dims``): it is read whole.
_MAX_TEXT_ATTR_ITEMS = 4
#: The attributes by which netCDF attaches dims, of references: read by h5netcdf.
_DIM_LISTS = ("DIMENSION_LIST", "REFERENCE_LIST")
#: A chunk may hold more than its dataset only up to this size.
_SMALL_CHUNK_BYTES = 2**20
_LINK_KINDS = {h5py.h5l.TYPE_SOFT: "a soft link", h5py.h5l.TYPE_EXTERNAL: "an external link"}
#: Group -> variable -> dims, of every method: their sizes are checked against the caps.
_DIMS = {g: v for m in METHODS.values() for g, v in m.stores.items()} | CONTRACT


@dataclass
class _Tally:
    """What the walk has counted so far, and the text it will read after it."""

    objects: int = 0
    data_bytes: int = 0
    attr_bytes: int = 0
    text: list[tuple[str, h5py.Dataset]] = field(default_factory=list)


def check_structure(file: h5py.File) -> None:
    """Refuse a file whose HDF5 structure could read elsewhere or declare too much.

    Reads metadata (link and object headers, dataspaces, datatypes, creation
    properties, attributes), then the text datasets one string at a time. Numeric
    arrays are never read, and links never followed.

    Parameters
    ----------
    file : h5py.File
        The file, open for reading.

    Raises
    ------
    PosteriorFileError
        Naming the first object at fault: a link other than a hard link, an object
        linked twice, an object that is neither a group nor a dataset, external
        storage, a virtual dataset, a filter other than :data:`FILTERS`, a dataset
        that can grow, a type other than numbers and text, or a size beyond the caps.

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
    inference.posterior.attrs.PosteriorFileError: /posterior/w0 is a soft link, ...
    """
    tally = _Tally()
    _check_attrs(file.id, "/", tally=tally)
    _walk(file, "", tally=tally, depth=1)
    _check_text(tally)


def _walk(group: h5py.Group, where: str, *, tally: _Tally, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise PosteriorFileError(f"{where} nests groups deeper than {MAX_DEPTH} levels")
    for raw in group.id:  # link names, listed without following any link
        path = f"{where}/{printable(raw)}"
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
        _check_attrs(obj, path, tally=tally)
        if info.type == h5py.h5o.TYPE_GROUP:
            _walk(h5py.Group(obj), path, tally=tally, depth=depth + 1)
        elif info.type == h5py.h5o.TYPE_DATASET:
            _check_dataset(h5py.Dataset(obj), path, tally=tally)
        else:
            raise PosteriorFileError(f"{path} is an HDF5 datatype (expected groups and datasets)")


def _check_attrs(obj: h5py.h5o.ObjectID, path: str, *, tally: _Tally) -> None:
    """Count the attributes' bytes; refuse all but numbers, text and netCDF's dim lists."""
    count = h5py.h5o.get_info(obj).num_attrs
    if count > MAX_ATTRS:
        raise PosteriorFileError(f"{path} has {count} attributes (expected at most {MAX_ATTRS})")
    for index in range(count):
        attr = h5py.h5a.open(obj, index=index)
        name = printable(attr.name)
        where = f"{path} attribute '{name}'"
        points = math.prod(attr.shape) if attr.shape is not None else 0
        tally.attr_bytes += points * attr.dtype.itemsize
        if tally.attr_bytes > MAX_ATTR_BYTES:
            raise PosteriorFileError(
                f"the attributes up to {where} hold more than {MAX_ATTR_BYTES:,} bytes"
            )
        if _is_vlen_text(attr.dtype):
            if points > _MAX_TEXT_ATTR_ITEMS:
                raise PosteriorFileError(f"{where} holds more than {_MAX_TEXT_ATTR_ITEMS} strings")
            values = np.empty(attr.shape, dtype=attr.dtype)
            attr.read(values)
            for value in values.flat:
                _check_string(value, where)
        elif attr.dtype.kind not in "biufS" and name not in _DIM_LISTS:
            raise PosteriorFileError(
                f"{where} holds HDF5 values of type {attr.dtype} (expected numbers or text)"
            )


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
    _check_shape(dataset, path, tally=tally)
    if dataset.maxshape != dataset.shape:
        raise PosteriorFileError(f"{path} can grow to {dataset.maxshape} (expected a fixed shape)")
    if _is_text(dataset, path):
        if dataset.ndim != 1 or dataset.size > MAX_TEXT_ITEMS:
            raise PosteriorFileError(
                f"{path} holds text of shape {dataset.shape} (expected labels along one "
                f"dim, at most {MAX_TEXT_ITEMS})"
            )
        tally.text.append((path, dataset))


def _external_name(plist) -> str:
    name = plist.get_external(0)[0]
    return repr(name.decode("utf-8", "replace") if isinstance(name, bytes) else name)


def _is_text(dataset: h5py.Dataset, path: str) -> bool:
    """Tell variable-length text from numbers; refuse any other type."""
    if _is_vlen_text(dataset.dtype):
        return True
    if dataset.dtype.kind in "biuf":
        return False
    raise PosteriorFileError(
        f"{path} holds HDF5 values of type {dataset.dtype} (expected numbers or "
        "variable-length text)"
    )


def _is_vlen_text(dtype: np.dtype) -> bool:
    info = h5py.check_string_dtype(dtype)
    return info is not None and info.length is None


def _check_shape(dataset: h5py.Dataset, path: str, *, tally: _Tally) -> None:
    shape = dataset.shape or ()
    if len(shape) > MAX_RANK:
        raise PosteriorFileError(f"{path} has {len(shape)} dims (expected at most {MAX_RANK})")
    group, _, name = path.lstrip("/").rpartition("/")
    dims = _DIMS.get(group, {}).get(name) or ((name,) if len(shape) == 1 else ())
    for dim, size in zip(dims, shape, strict=False):
        check_dim(path, dim, size)
    nbytes = math.prod(shape) * dataset.dtype.itemsize
    if dataset.chunks is not None:
        chunk = math.prod(dataset.chunks) * dataset.dtype.itemsize
        if chunk > max(nbytes, _SMALL_CHUNK_BYTES):
            raise PosteriorFileError(
                f"{path} declares chunks of {chunk:,} bytes, larger than its data "
                f"({nbytes:,} bytes)"
            )
    tally.data_bytes += nbytes
    _check_total(tally, path)


def _check_total(tally: _Tally, path: str) -> None:
    if tally.data_bytes > MAX_DATA_BYTES:
        raise PosteriorFileError(f"the datasets up to {path} declare {over_cap(tally.data_bytes)}")


def _check_text(tally: _Tally) -> None:
    """Read each label on its own (one stored string may be referenced many times).

    xarray holds text as fixed-width unicode, 4 bytes per character of its longest
    string in every element: that is what each text dataset is counted at.
    """
    for path, dataset in tally.text:
        longest = 0
        for index in range(dataset.size):
            value = dataset[index]
            _check_string(value, f"{path}[{index}]")
            longest = max(longest, len(value))
        tally.data_bytes += 4 * longest * dataset.size - dataset.size * dataset.dtype.itemsize
        _check_total(tally, path)


def printable(name: bytes | str) -> str:
    r"""Make an HDF5 name text fit for one line of a terminal.

    Examples
    --------
    >>> print(printable(b"w0 and a bell" + bytes([7])))
    w0 and a bell\x07
    """
    text = name.decode("utf-8", "replace") if isinstance(name, bytes) else name
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _check_string(value: bytes | str, where: str) -> None:
    if len(value) > MAX_TEXT_BYTES:
        raise PosteriorFileError(
            f"{where} holds a string of {len(value):,} bytes (expected at most {MAX_TEXT_BYTES:,})"
        )
