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
fletcher32, and within the caps of :data:`inference.contract.DIM_LIMITS`,
:data:`inference.contract.MAX_DATA_BYTES` and this module. Text alone is read here,
one string at a time, to hold each to :data:`MAX_TEXT_BYTES` before the file is
parsed. :func:`no_plugins` keeps HDF5 from loading any filter plugin meanwhile.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import h5py
import numpy as np

from inference.contract import (
    CONTRACT,
    MAX_DATA_BYTES,
    PosteriorFileError,
    check_dim,
)
from inference.methods import METHODS

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
    "no_plugins",
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
_MAX_TEXT_ATTR_ITEMS = 16
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
    for _ in paths:
        h5py.h5pl.remove(0)
    try:
        yield
    finally:
        for path in paths:
            h5py.h5pl.append(path)


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
    inference.file_attrs.PosteriorFileError: /posterior/w0 is a soft link, ...
    """
    tally = _Tally()
    _check_attrs(file.id, "/", tally=tally)
    _walk(file, "", tally=tally, depth=1)
    _check_text(tally.text)


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
        _check_attrs(obj, path, tally=tally)
        if info.type == h5py.h5o.TYPE_GROUP:
            _walk(h5py.Group(obj), path, tally=tally, depth=depth + 1)
        elif info.type == h5py.h5o.TYPE_DATASET:
            _check_dataset(h5py.Dataset(obj), path, tally=tally)
        else:
            raise PosteriorFileError(f"{path} is an HDF5 datatype (expected groups and datasets)")


def _check_attrs(obj: h5py.h5o.ObjectID, path: str, *, tally: _Tally) -> None:
    """Count the attributes' stored bytes; read their text, one attribute at a time."""
    count = h5py.h5o.get_info(obj).num_attrs
    if count > MAX_ATTRS:
        raise PosteriorFileError(f"{path} has {count} attributes (expected at most {MAX_ATTRS})")
    for index in range(count):
        attr = h5py.h5a.open(obj, index=index)
        where = f"{path} attribute {attr.name.decode('utf-8', 'replace')!r}"
        tally.attr_bytes += attr.get_storage_size()
        if tally.attr_bytes > MAX_ATTR_BYTES:
            raise PosteriorFileError(
                f"the attributes up to {where} hold more than {MAX_ATTR_BYTES:,} bytes"
            )
        info = h5py.check_string_dtype(attr.dtype)
        if info is not None and info.length is None:
            if math.prod(attr.shape or ()) > _MAX_TEXT_ATTR_ITEMS:
                raise PosteriorFileError(f"{where} holds more than {_MAX_TEXT_ATTR_ITEMS} strings")
            values = np.empty(attr.shape, dtype=attr.dtype)
            attr.read(values)
            for value in values.flat:
                _check_string(value, where)


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
    info = h5py.check_string_dtype(dataset.dtype)
    if info is not None and info.length is None:
        return True
    if dataset.dtype.kind in "biuf":
        return False
    raise PosteriorFileError(
        f"{path} holds HDF5 values of type {dataset.dtype} (expected numbers or "
        "variable-length text)"
    )


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
    if tally.data_bytes > MAX_DATA_BYTES:
        raise PosteriorFileError(
            f"the datasets up to {path} declare {tally.data_bytes:,} bytes, more than the "
            f"{MAX_DATA_BYTES:,} a posterior file may hold"
        )


def _check_text(text: list[tuple[str, h5py.Dataset]]) -> None:
    """Read each label on its own: one stored string may be referenced many times."""
    for path, dataset in text:
        for index in range(dataset.size):
            _check_string(dataset[index], f"{path}[{index}]")


def _check_string(value: bytes | str, where: str) -> None:
    if len(value) > MAX_TEXT_BYTES:
        raise PosteriorFileError(
            f"{where} holds a string of {len(value):,} bytes (expected at most {MAX_TEXT_BYTES:,})"
        )
