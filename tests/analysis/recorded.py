"""Every number the analyses give for fixed tiny files, flattened for recording.

``python -m tests.analysis.recorded`` writes ``tests/data/analysis_numbers.json`` from the
code on the path (run it with an older checkout first on ``PYTHONPATH`` to record that
code's numbers); ``tests/analysis/test_recorded.py`` compares today's code against it.
Only public results are read: the fields of :class:`~analysis.file_analysis.FileAnalysis`,
:class:`~analysis.comparison.two_files.Comparison` and the leaderboard's table, so that a
speed-up which changes how they are computed, but not what they are, passes.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

RECORD = Path(__file__).parents[1] / "data" / "analysis_numbers.json"
#: Fields that are not analysis results: the input, timings, compiled functions, the
#: file's attrs (its creation time and library versions).
SKIP = {
    "tree",
    "network",
    "seconds",
    "random_state",
    "fit_seconds",
    "cost",
    "provenance",
    "answers",
}
#: The files recorded: their method, chains and draws (tiny: the record takes seconds).
FILES = {"nuts": ("nuts", 3, 40), "advi": ("advi", 1, 40), "smc": ("smc", 2, 30)}


def _float(value) -> float | str | None:
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating):
        value = float(value)
        return value if math.isfinite(value) else repr(value)
    return None


def flatten(value, prefix: str, out: dict) -> dict:
    """Add every number of ``value`` to ``out`` under a dotted path; strings are kept."""
    names = getattr(value, "FIELDS", None)  # an analysis whose results are computed when read
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = [f.name for f in dataclasses.fields(value)]
    if names is not None:
        for name in names:
            if name not in SKIP and not name.startswith("_"):
                flatten(getattr(value, name), f"{prefix}.{name}", out)
        for name in ("modes", "summary"):  # derived read-outs of diagnostics
            if hasattr(type(value), name):
                attr = getattr(value, name)
                flatten(attr() if callable(attr) else attr, f"{prefix}.{name}", out)
    elif isinstance(value, xr.Dataset):
        for name in sorted(value.data_vars):
            flatten(value[name], f"{prefix}.{name}", out)
    elif isinstance(value, xr.DataArray | np.ndarray):
        array = np.asarray(value)
        if array.dtype.kind in "biuf":
            out[prefix] = [_float(v) for v in array.astype(float).ravel()]
        else:
            out[prefix] = [str(v) for v in array.ravel()]
    elif isinstance(value, pd.DataFrame):
        for column in value.columns:
            flatten(value[column], f"{prefix}.{column}", out)
        out[f"{prefix}.index"] = [str(i) for i in value.index]
    elif isinstance(value, pd.Series):
        flatten(value.to_numpy(), prefix, out)
    elif isinstance(value, dict):
        for key in sorted(value, key=str):
            if str(key) not in SKIP:
                flatten(value[key], f"{prefix}.{key}", out)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            flatten(item, f"{prefix}[{i}]", out)
    elif isinstance(value, str):
        out[prefix] = value
    elif (number := _float(value)) is not None:
        out[prefix] = number
    return out


def numbers() -> dict:
    """Every analysis, comparison and leaderboard number of the recorded tiny files."""
    from analysis.comparison.leaderboard import leaderboard
    from analysis.comparison.two_files import compare_runs
    from analysis.file_analysis import analyse_run
    from inference.testing import tiny_posterior_file

    runs = {
        name: analyse_run(tiny_posterior_file(m, chains=c, draws=d, seed=3), n_repeats=3)
        for name, (m, c, d) in FILES.items()
    }
    out: dict = {}
    for name, run in runs.items():
        flatten(run, f"file.{name}", out)
        out[f"file.{name}.method"] = run.method
        flatten(run.answers, f"file.{name}.answers", out)
    flatten(compare_runs(runs["advi"], runs["nuts"]), "comparison", out)
    board = leaderboard([runs["advi"], runs["smc"]], reference=runs["nuts"])
    flatten(board.table.drop(columns=["fit_seconds"], errors="ignore"), "leaderboard.table", out)
    flatten(board.conclusion, "leaderboard.conclusion", out)
    return out


def compare(recorded: dict, current: dict, *, rtol: float = 1e-10) -> list[str]:
    """Where ``current`` differs from ``recorded``: one line per key, empty when equal."""
    problems = [f"{key}: missing" for key in recorded if key not in current]
    for key, old in recorded.items():
        new = current.get(key)
        if new is None or new == old:
            continue
        a = np.array(old if isinstance(old, list) else [old], dtype=object)
        b = np.array(new if isinstance(new, list) else [new], dtype=object)
        if a.shape != b.shape:
            problems.append(f"{key}: shape {a.shape} became {b.shape}")
            continue
        for x, y in zip(a, b, strict=True):
            floats = isinstance(x, float) and isinstance(y, float)
            same = x == y or (floats and math.isclose(x, y, rel_tol=rtol, abs_tol=rtol))
            if not same:
                problems.append(f"{key}: {x!r} became {y!r}")
                break
    return problems


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else RECORD
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(numbers(), indent=0, sort_keys=True) + "\n")
    print(f"wrote {path}")
