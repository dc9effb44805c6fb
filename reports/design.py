"""A design study's page: learning curves, areas paired against random, the conclusion."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from reports.figures.design import design_curves
from reports.html import ENV, display, figure_uri, table

__all__ = ["render_design"]


def render_design(
    rows: pd.DataFrame,
    *,
    differences: pd.DataFrame,
    conclusion: list[str],
    settings: dict,
    reach: pd.DataFrame | None = None,
    picks: Figure | None = None,
) -> str:
    """Render a design's table (``design.csv``) as one HTML page.

    Parameters
    ----------
    rows : pandas.DataFrame
        One row per (method, acquisition, seed, round).
    differences : pandas.DataFrame
        :func:`analysis.design_curves.paired_differences`.
    conclusion : list of str
        :func:`analysis.design_curves.conclusion`.
    settings : dict
        What the design ran with, shown as provenance.
    reach : pandas.DataFrame, optional
        :func:`analysis.design_curves.to_reach` (with a full-data reference only).
    picks : matplotlib.figure.Figure, optional
        Where the picks lie (:func:`reports.figures.design.picks_map`).

    Returns
    -------
    str
        The whole HTML document.
    """
    last = rows.sort_values("round").groupby(["method", "acquisition", "seed"]).tail(1)
    final = last.groupby(["method", "acquisition"])[["n_simulations", "accuracy", "log_loss"]]
    errors = rows.dropna(subset=["mc_error_accuracy"])
    errors = errors.groupby(["method", "n_simulations"])[["mc_error_p", "mc_error_accuracy"]]
    context = {
        "title": "Sequential design",
        "conclusion": conclusion,
        "figure": figure_uri(design_curves(rows)) if len(rows) else None,
        "differences": table(differences.set_index("comparison"), digits=4),
        "final": table(final.mean(), digits=4),
        "errors": table(errors.mean().unstack("method"), digits=4) if len(errors) else None,
        "settings": {key: display(value) for key, value in settings.items()},
        "n_rounds": len(rows),
        "picks": None if picks is None else figure_uri(picks),
        "reach": None if reach is None else table(reach.set_index(["method", "acquisition"])),
    }
    return ENV.get_template("design.html.j2").render(**context)
