"""Where users wait: a report against its fit, and a leaderboard as files are added.

``python -m benchmarks.speed FILE.nc ... --reference nuts.nc [--sizes 4,8,16]
[--repeats 2] [--baselines] [--code DIR]``

- **report / fit**: ``python -m study report REF`` as a whole process (imports, reading,
  every analysis, every figure, the page written), over the reference file's own
  ``fit_seconds``.
- **leaderboard**: ``python -m study compare FILES --reference REF`` with ``N`` other files
  for each ``N`` of ``--sizes``: copies of the given files, in turn (copies are distinct
  files to ``compare``), its wall time and its peak resident memory.

Each measurement runs in a fresh process and reports that process's own peak memory
(``os.wait4``). ``--code DIR`` runs the commands from another checkout of the project
(``PYTHONPATH=DIR``), so that the previous commit can be measured the same day, on the same
files, side by side. Prints one table; timings are never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import xarray as xr


def measure(args: list[str], *, code: Path | None, cwd: Path) -> tuple[float, float]:
    """Run ``python -m study ARGS`` in a fresh process: (wall seconds, peak MiB).

    It runs in ``cwd``, a folder without the project, so that ``python -m`` takes the
    code from ``PYTHONPATH`` (``code``) or the installed project, not the current folder.
    """
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(code.resolve())
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "study", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"study {' '.join(args)} failed: {process.stderr.read()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def fit_seconds(path: Path) -> float:
    """Return the fit's own wall time, as the file records it."""
    with xr.open_datatree(path, engine="h5netcdf") as tree:
        return float(tree.attrs["fit_seconds"])


def _copies(files: list[Path], n: int, folder: Path) -> list[Path]:
    out = []
    for k in range(n):
        source = files[k % len(files)]
        target = folder / f"{k:02d}-{source.name}"
        if not target.exists():
            shutil.copyfile(source, target)
        out.append(target)
    return out


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=__doc__)
    parser.add_argument("files", nargs="+", type=Path, help="files to score (copied in turn)")
    parser.add_argument("--reference", type=Path, required=True, help="a NUTS file")
    parser.add_argument("--sizes", default="4,8,16", help="numbers of files in a leaderboard")
    parser.add_argument("--repeats", type=int, default=1, help="measurements of each (min kept)")
    parser.add_argument("--baselines", action="store_true", help="leaderboards with baselines")
    parser.add_argument("--code", type=Path, help="another checkout to run (PYTHONPATH)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        report = ["report", str(args.reference.resolve()), "-o", str(folder / "r.html")]
        runs = [measure(report, code=args.code, cwd=folder) for _ in range(args.repeats)]
        seconds, peak = min(runs)
        fit = fit_seconds(args.reference)
        rows.append(("report", 1, seconds, peak, f"{seconds / fit:.3f} of the fit ({fit:.1f} s)"))
        for n in sizes:
            files = _copies(args.files, n, folder)
            command = [
                "compare",
                *map(str, files),
                "--reference",
                str(args.reference),
                "-o",
                str(folder / "board.html"),
            ]
            if not args.baselines:
                command.append("--no-baselines")
            seconds, peak = min(
                measure(command, code=args.code, cwd=folder) for _ in range(args.repeats)
            )
            rows.append(("leaderboard", n, seconds, peak, ""))
    code = args.code.resolve() if args.code else "the installed project"
    print(f"code: {code}")
    print(f"{'what':<12}{'files':>6}{'seconds':>10}{'peak MiB':>10}  note")
    for what, n, seconds, peak, note in rows:
        print(f"{what:<12}{n:>6}{seconds:>10.1f}{peak:>10.0f}  {note}")
    board = [r for r in rows if r[0] == "leaderboard"]
    if len(board) > 1:
        (_, n0, s0, m0, _), (_, n1, s1, m1, _) = board[0], board[-1]
        print(
            f"per added file: {(s1 - s0) / (n1 - n0):.2f} s, {(m1 - m0) / (n1 - n0):.1f} MiB "
            f"(from {n0} to {n1} files)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
