"""A design's outputs: ``design.csv``, ``design.json`` and ``design.html``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from analysis.design_curves import conclusion, paired_differences, to_reach
from common.atomic import atomic_write
from study.design.acquisition import MODEL_FREE

__all__ = ["COLUMNS", "design_table", "write_outputs"]

#: ``design.csv``'s columns, in order.
COLUMNS = (
    "method",
    "acquisition",
    "seed",
    "round",
    "n_simulations",
    "accuracy",
    "log_loss",
    "brier",
    "ece",
    "mean_abs_diff_full",
    "mc_error_p",
    "mc_error_accuracy",
    "wall_seconds",
    "fit_seconds",
    "positive_share",
    "picked_mean_bald",
    "picks",
    "file",
)


def design_table(records: dict) -> pd.DataFrame:
    """Gather every loop's round records into ``design.csv``'s table, in a stable order."""
    rows = [r | {"picks": ";".join(map(str, r["picks"]))} for rs in records.values() for r in rs]
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return table.sort_values(["method", "acquisition", "seed", "round"], ignore_index=True)


def write_outputs(
    table: pd.DataFrame,
    *,
    out: Path,
    failed: dict,
    settings: dict,
    full: dict | None,
    picks: Figure | None,
) -> dict[str, Path]:
    """Write ``design.csv``, ``design.json`` and ``design.html``.

    ``full``: the full-data reference's test ``accuracy`` and ``log_loss``, from which
    the simulations each loop needs to come near it are counted; ``picks``: the figure
    of where the picks lie (:func:`reports.figures.design.picks_map`).
    """
    from reports.design import render_design
    from reports.html import write_html

    differences = paired_differences(table, model_free=MODEL_FREE)
    lines = conclusion(differences)
    reach = to_reach(table, **full) if full is not None and len(table) else None
    summary = {
        "settings": settings,
        "rows": json.loads(table.to_json(orient="records")),
        "paired_area_differences": json.loads(differences.to_json(orient="records")),
        "conclusion": lines,
        "full_data_reference": full,
        "to_reach": None if reach is None else json.loads(reach.to_json(orient="records")),
        "failed": {loop.name: reason for loop, reason in failed.items()},
    }
    return {
        "csv": atomic_write(out / "design.csv", table.to_csv(index=False)),
        "json": atomic_write(out / "design.json", json.dumps(summary, indent=2)),
        "report": write_html(
            render_design(
                table,
                differences=differences,
                conclusion=lines,
                settings=settings,
                reach=reach,
                picks=picks,
            ),
            out / "design.html",
        ),
    }
