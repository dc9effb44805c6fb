"""Writing to a full filesystem: exit code 2, one line naming the path and the reason, no crash.

The filesystem is a real one: a small tmpfs mounted for the test, filled to the last
byte. Mounting needs root (CI runs as root); elsewhere these tests skip.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from common.atomic import OutputError, atomic_write
from inference.posterior import storage
from inference.testing import tiny_posterior_file

#: Options of a tiny run, for the commands that fit.
_TINY = ["--hidden", "3", "--draws", "40", "--max-steps", "600", "--window", "100"]
_TINY += ["--prior-draws", "30"]


def _mount_tmpfs(where: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        message = f"cannot mount a tmpfs: {done.stderr.strip()}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def full_disk(tmp_path) -> Path:
    """A mounted tmpfs whose every byte is taken by one file, ``filler``."""
    disk = tmp_path / "disk"
    _mount_tmpfs(disk)
    try:
        with (disk / "filler").open("wb", buffering=0) as filler:
            with pytest.raises(OSError) as full:
                while True:
                    filler.write(b"\0" * 4096)
        assert full.value.errno == errno.ENOSPC
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=True)


#: Each writing command on the full disk, in one process: the exit codes, as JSON.
_COMMANDS = """
import json, sys
from study.cli.parser import main
train, test, nc, disk, tiny = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
csv = ["--train-csv", train, "--test-csv", test]
codes = [
    main(["run", "--method", "advi", *csv, "--out", disk, *tiny]),
    main(["report", nc, "-o", f"{disk}/report.html", "--repeats", "1"]),
    main(["compare", nc, nc, "-o", f"{nc}.html", "--json", f"{disk}/c.json", "--repeats", "1"]),
    main(["sweep", "--methods", "advi", "--seeds", "0", "--train-sizes", "40", "--workers", "1",
          *csv, "--out", disk, *tiny]),
]
print(json.dumps(codes))
"""


def test_every_command_on_a_full_disk_exits_2_with_one_line(full_disk, synthetic, tmp_path):
    """``run`` (the .nc), ``report`` (HTML), ``compare`` (JSON) and ``sweep`` (a task's .nc).

    Before the files were made in memory, HDF5 crashed (exit code 139) tearing down
    the ``.nc`` it failed to write.
    """
    synthetic.train.to_csv(tmp_path / "train.csv", index=False)
    synthetic.test.to_csv(tmp_path / "test.csv", index=False)
    nc = storage.save(tiny_posterior_file("advi"), tmp_path / "advi.nc")
    args = [tmp_path / "train.csv", tmp_path / "test.csv", nc, full_disk]
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_COMMANDS), *map(str, args), *_TINY],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [2, 2, 2, 2]
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    written = ["advi.nc", "report.html", "c.json", "advi-seed0-n40.nc"]
    assert errors == [
        f"error: cannot write {full_disk / name}: No space left on device" for name in written
    ]
    assert [p.name for p in full_disk.iterdir()] == ["filler"]  # no temporary file left


@pytest.mark.parametrize(
    ("where", "code"),
    [("write", errno.EIO), ("fsync", errno.EDQUOT), ("replace", errno.EACCES)],
)
def test_a_write_failing_at_any_step_leaves_nothing(where, code, tmp_path, monkeypatch):
    """An I/O error, a quota or a permission lost mid-write: one error, no temporary file.

    These the test cannot make a real filesystem do, so the system call fails instead.
    """
    (tmp_path / "old.html").write_text("old")

    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, where, fail)
    with pytest.raises(OutputError) as failed:
        atomic_write(tmp_path / "old.html", "new")
    assert str(failed.value) == f"cannot write {tmp_path / 'old.html'}: {os.strerror(code)}"
    assert [p.name for p in tmp_path.iterdir()] == ["old.html"]
    assert (tmp_path / "old.html").read_text() == "old"
