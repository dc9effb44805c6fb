"""Posterior files that use HDF5 beyond netCDF are refused before any data is read."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import warnings

import h5py
import numpy as np
import pytest
import xarray as xr

from inference.posterior import storage
from inference.posterior.attrs import PosteriorFileError
from inference.posterior.contract import DIM_LIMITS
from inference.testing import tiny_posterior_file
from tests.inference.posterior.hdf5_attacks import ATTACKS, REACHING, TARGET, shape_of


@pytest.fixture(scope="module")
def valid_file(tmp_path_factory):
    return storage.save(tiny_posterior_file("advi"), tmp_path_factory.mktemp("v") / "a.nc")


@pytest.fixture
def copy(valid_file, tmp_path):
    return shutil.copy(valid_file, tmp_path / "attack.nc")


def _stolen(tmp_path, shape) -> tuple:
    """Another file holding probabilities a reader could take for the file's own."""
    values = np.full(shape, 0.25)
    raw = tmp_path / "secret.bin"
    values.tofile(raw)
    with h5py.File(tmp_path / "secret.h5", "w") as file:
        file["x"] = values
        file.create_group("vi_history")
    return values, {"external_storage": raw, "virtual_dataset": tmp_path / "secret.h5"}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_each_attack_is_refused_naming_what_is_wrong(name, copy, tmp_path):
    _, targets = _stolen(tmp_path, shape_of(copy))
    fragment = ATTACKS[name](copy, targets.get(name, tmp_path / "secret.h5"))
    with pytest.raises(PosteriorFileError, match="refused before reading") as refused:
        storage.load(copy)
    assert fragment in str(refused.value)
    assert str(copy) in str(refused.value)


@pytest.mark.parametrize("name", ["external_storage", "virtual_dataset"])
def test_the_reaching_attacks_work_on_a_reader_without_the_check(name, copy, tmp_path):
    """The attack files are real: xarray, given one directly, reads the other file."""
    values, targets = _stolen(tmp_path, shape_of(copy))
    ATTACKS[name](copy, targets[name])
    with (
        warnings.catch_warnings(),
        xr.open_datatree(copy, engine="h5netcdf", phony_dims="access") as tree,
    ):
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(tree[TARGET].to_numpy(), values)


def test_what_netcdf_itself_writes_passes(copy):
    """An empty attribute, text attributes, labels: all as h5netcdf writes them."""
    with h5py.File(copy, "r+") as file:
        file["posterior"].attrs["empty"] = np.array([], dtype="f8")
        file["posterior"].attrs["note"] = "plain text\nof two lines"
    tree = storage.load(copy)
    assert tree["posterior"].attrs["empty"].size == 0


def test_names_in_messages_cannot_drive_the_terminal(copy):
    with h5py.File(copy, "r+") as file:
        file["posterior/x\x1b[2J"] = h5py.SoftLink("/posterior/w0")
    with pytest.raises(PosteriorFileError) as refused:
        storage.load(copy)
    assert "\x1b" not in str(refused.value) and "/posterior/x\\x1b[2J" in str(refused.value)


def test_a_file_beyond_the_size_cap_is_refused_unread(tmp_path):
    path = tmp_path / "huge.nc"
    with path.open("wb") as file:  # sparse: takes no disk
        file.truncate(storage.MAX_FILE_BYTES + 1)
    with pytest.raises(PosteriorFileError, match="more than the"):
        storage.load(path)


def test_nothing_is_written_that_would_be_refused_when_read(tmp_path):
    wide = tiny_posterior_file("advi", draws=4, hidden=DIM_LIMITS["hidden"] + 1)
    with pytest.raises(PosteriorFileError, match="expected at most"):
        storage.save(wide, tmp_path / "wide.nc")
    assert list(tmp_path.iterdir()) == []


#: Report on each attack file in one process; print the exit codes and the peak RSS
#: (VmHWM: the process's own, where ru_maxrss can carry its parent's from before exec).
_REPORTS = """
import json, re, sys
from pathlib import Path
from study.cli.parser import main
codes = [main(["report", path]) for path in sys.argv[1:]]
peak = re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text())
print(json.dumps({"codes": codes, "rss": int(peak.group(1)) * 1024}))
"""


def test_report_refuses_with_one_line_never_opening_the_named_file(valid_file, tmp_path):
    """The other file is a FIFO: opening it would block the reader, and time the test out.

    The same process refuses the 3.2 GB declared by a 70 kB file: its peak memory is
    what the imports take, far below what the declared array would.
    """
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    paths = []
    for name in [*REACHING, "declared_bomb"]:
        path = shutil.copy(valid_file, tmp_path / f"{name}.nc")
        ATTACKS[name](path, fifo)
        paths.append(str(path))
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_REPORTS), *paths],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["codes"] == [2] * len(paths), done.stderr
    errors = done.stderr.strip().splitlines()
    assert len(errors) == len(paths) and "Traceback" not in done.stderr, done.stderr
    assert all(line.startswith("error: ") for line in errors)
    assert result["rss"] < 2**30
    assert sorted(p.suffix for p in tmp_path.iterdir()) == ["", *[".nc"] * len(paths)]
