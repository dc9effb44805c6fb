"""Posterior files rewritten with h5py to use what HDF5 allows and netCDF never needs.

Each attack takes a valid posterior file (rewritten in place) and, where it reaches
elsewhere, the path it reaches; it returns a fragment of the message that refuses it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np

#: The variable the attacks replace, and its dims in the file.
TARGET = "predictions/p"
_DIMS = ("chain", "draw", "test")


def _replace(path: Path, make: Callable[[h5py.Group, str], h5py.Dataset]) -> None:
    """Replace ``predictions/p`` by ``make(group, name)``, keeping its netCDF attrs and dims."""
    with h5py.File(path, "r+") as file:
        group = file["predictions"]
        attrs = {k: v for k, v in group["p"].attrs.items() if k != "DIMENSION_LIST"}
        del group["p"]
        dataset = make(group, "p")
        for key, value in attrs.items():
            dataset.attrs[key] = value
        for axis, dim in enumerate(_DIMS):
            dataset.dims[axis].attach_scale(group[dim])


def shape_of(path: Path) -> tuple[int, ...]:
    with h5py.File(path, "r") as file:
        return file[TARGET].shape


def external_storage(path: Path, elsewhere: Path) -> str:
    """``predictions/p`` whose bytes are read from ``elsewhere`` (HDF5 external storage)."""
    shape = shape_of(path)
    size = int(np.prod(shape)) * 8
    _replace(path, lambda g, n: g.create_dataset(n, shape, "f8", external=[(elsewhere, 0, size)]))
    return "keeps its data in another file"


def virtual_dataset(path: Path, elsewhere: Path) -> str:
    """``predictions/p`` assembled from dataset ``x`` of ``elsewhere`` (a VDS)."""
    shape = shape_of(path)
    layout = h5py.VirtualLayout(shape=shape, dtype="f8")
    layout[...] = h5py.VirtualSource(str(elsewhere), "x", shape=shape)
    _replace(path, lambda g, n: g.create_virtual_dataset(n, layout, fillvalue=0.5))
    return "is a virtual dataset"


def external_link(path: Path, elsewhere: Path) -> str:
    """A group replaced by a link to a group of ``elsewhere``."""
    with h5py.File(path, "r+") as file:
        del file["vi_history"]
        file["vi_history"] = h5py.ExternalLink(str(elsewhere), "/vi_history")
    return "/vi_history is an external link"


def soft_link(path: Path, elsewhere: Path) -> str:
    """A dataset reached along a path, here to another variable of the file."""
    del elsewhere
    with h5py.File(path, "r+") as file:
        file["posterior/w_alias"] = h5py.SoftLink("/posterior/w0")
    return "/posterior/w_alias is a soft link"


def hard_link_twice(path: Path, elsewhere: Path) -> str:
    """One dataset under two names: read twice, it would cost its memory twice."""
    del elsewhere
    with h5py.File(path, "r+") as file:
        file["posterior/w_again"] = file["posterior/w0"]
    return "is linked 2 times"


def unknown_filter(path: Path, elsewhere: Path) -> str:
    """A variable compressed by LZF, a filter of h5py that netCDF does not know."""
    del elsewhere
    with h5py.File(path, "r+") as file:
        file.create_dataset("posterior/extra", data=np.zeros(100), compression="lzf")
    return "needs the HDF5 filter 32000"


def declared_bomb(path: Path, elsewhere: Path) -> str:
    """``predictions/p`` declaring (1, 1 000 000, 400) float64, 3.2 GB, with no byte written."""
    del elsewhere
    _replace(
        path,
        lambda g, n: g.create_dataset(
            n, (1, 1_000_000, 400), "f8", chunks=(1, 1000, 400), compression="gzip"
        ),
    )
    return "more than the"


def chunk_bomb(path: Path, elsewhere: Path) -> str:
    """A one-element variable whose chunk holds 2**27 elements (1 GiB to decompress)."""
    del elsewhere
    with h5py.File(path, "r+") as file:
        file.create_dataset("posterior/extra", (1,), "f8", maxshape=(None,), chunks=(2**27,))
    return "declares chunks of"


def dim_beyond_limit(path: Path, elsewhere: Path) -> str:
    """A dimension scale ``feature`` of 100 000 labels."""
    del elsewhere
    with h5py.File(path, "r+") as file:
        file.create_dataset("extra/feature", (100_000,), "i8")
    return "along 'feature'"


def compound_type(path: Path, elsewhere: Path) -> str:
    """A variable of records, which no part of the contract holds."""
    del elsewhere
    with h5py.File(path, "r+") as file:
        file.create_dataset("posterior/extra", (3,), dtype=[("a", "f8"), ("b", "i4")])
    return "expected numbers or variable-length text"


def many_objects(path: Path, elsewhere: Path) -> str:
    """Thousands of empty groups, each a node of the tree the reader would build."""
    del elsewhere
    with h5py.File(path, "r+") as file:
        for index in range(1_001):
            file.create_group(f"g{index}")
    return "more than 1000 objects"


def padded(path: Path, elsewhere: Path) -> str:
    """A (1, 1) variable attached to two dims of 10**6: netCDF pads it to 8 TB when read."""
    del elsewhere
    with h5py.File(path, "r+") as file:
        group = file.create_group("extra")
        for name in ("a", "b"):
            scale = group.create_dataset(name, (10**6,), "i1", chunks=(2**16,), compression="gzip")
            scale.make_scale(name)
        variable = group.create_dataset("v", (1, 1), "f8")
        variable.dims[0].attach_scale(group["a"])
        variable.dims[1].attach_scale(group["b"])
    return "/extra/v is stored as (1, 1) but its dims would make it (1000000, 1000000)"


def shared_string(path: Path, elsewhere: Path) -> str:
    """A label variable whose 1 000 entries all point to one stored string of 1 MB."""
    del elsewhere
    with h5py.File(path, "r+") as file:
        labels = np.array(["x" * 2**20] + ["y"] * 999, dtype=object)
        offset = file.create_dataset(
            "extra/s", data=labels, dtype=h5py.string_dtype()
        ).id.get_offset()
    raw = bytearray(path.read_bytes())
    first = raw[offset : offset + 16]  # each entry: length, heap address, index
    raw[offset + 16 : offset + 16 * 1000] = first * 999
    path.write_bytes(raw)
    return "/extra/s[0] holds a string of 1,048,576 bytes"


def wide_labels(path: Path, elsewhere: Path) -> str:
    """Three label variables of 1 000 strings, one of each 60 kB: xarray holds every
    string as wide as the longest, 4 bytes a character (720 MB in a 200 kB file)."""
    del elsewhere
    with h5py.File(path, "r+") as file:
        for name in ("a", "b", "c"):
            labels = np.array(["x" * 60_000] + ["y"] * 999, dtype=object)
            file.create_dataset(f"extra/{name}", data=labels, dtype=h5py.string_dtype())
    return "the datasets up to /extra/c declare"


def sequence_attribute(path: Path, elsewhere: Path) -> str:
    """An attribute of variable-length integer sequences (each could share one stored one)."""
    del elsewhere
    with h5py.File(path, "r+") as file:
        values = np.empty(3, dtype=object)
        values[:] = [np.arange(5, dtype="i1")] * 3
        file["posterior"].attrs.create("seq", values, dtype=h5py.vlen_dtype("i1"))
    return "attribute 'seq' holds HDF5 values of type object"


def long_attribute(path: Path, elsewhere: Path) -> str:
    """A text attribute of 1 MB."""
    del elsewhere
    with h5py.File(path, "r+") as file:
        file.attrs.create("note", "z" * 2**20, dtype=h5py.string_dtype())
    return "attribute 'note' holds a string of"


def attribute_bytes(path: Path, elsewhere: Path) -> str:
    """Twenty numeric attributes of 64 kB each, stored once per object that holds them."""
    del elsewhere
    with h5py.File(path, "r+") as file:
        for index in range(20):
            file["posterior"].attrs[f"a{index}"] = np.zeros(2**13)
    return "hold more than 1,048,576 bytes"


def growable(path: Path, elsewhere: Path) -> str:
    """A dataset with an unlimited dim: netCDF sizes such a dim from other objects."""
    del elsewhere
    with h5py.File(path, "r+") as file:
        file.create_dataset("extra/u", (1,), "f8", maxshape=(None,), chunks=(1,))
    return "can grow"


def fixed_text(path: Path, elsewhere: Path) -> str:
    """Characters declared 2 bytes wide, 10**6 of them: decoded, each a Python string."""
    del elsewhere
    with h5py.File(path, "r+") as file:
        text = file.create_dataset("extra/s", (10**6,), "S2", chunks=(2**16,), compression="gzip")
        text.attrs["_Encoding"] = "utf-8"
    return "expected numbers or variable-length text"


#: Each attack, by name.
ATTACKS = {
    f.__name__: f
    for f in (
        external_storage,
        virtual_dataset,
        external_link,
        soft_link,
        hard_link_twice,
        unknown_filter,
        declared_bomb,
        chunk_bomb,
        dim_beyond_limit,
        compound_type,
        many_objects,
        padded,
        shared_string,
        long_attribute,
        attribute_bytes,
        wide_labels,
        sequence_attribute,
        growable,
        fixed_text,
    )
}
#: The attacks that name another file.
REACHING = ("external_storage", "virtual_dataset", "external_link")
