"""The leaderboard page: every method scored against one reference, and its JSON."""

from __future__ import annotations

from typing import Any

import numpy as np

from analysis.comparison.leaderboard import Leaderboard
from analysis.comparison.pairwise import PAIRWISE
from reports.figures import posterior, reference
from reports.html import ENV, figure_uri, table

__all__ = ["leaderboard_json", "render_leaderboard"]


def render_leaderboard(board: Leaderboard, *, title: str) -> str:
    """Render a :class:`~analysis.comparison.leaderboard.Leaderboard` as one HTML page.

    Returns
    -------
    str
        The whole HTML document.
    """
    labels = (board.reference, *board.comparisons)
    reliability = [next(iter(board.comparisons.values())).reliability[1]] + [
        c.reliability[0] for c in board.comparisons.values()
    ]
    context = {
        "title": title,
        "reference": board.reference,
        "conclusion": board.conclusion,
        "table": table(board.table, digits=4),
        "against": [n for n in PAIRWISE if n.column],
        "figures": {
            "cost": figure_uri(
                reference.cost_fidelity(
                    board.table, reference=board.reference, baselines=board.baselines
                )
            ),
            "reliability": figure_uri(
                posterior.reliability_overlay(
                    tuple(reliability), labels=labels, classes=board.classes
                )
            ),
        },
    }
    return ENV.get_template("leaderboard.html.j2").render(**context)


def leaderboard_json(board: Leaderboard) -> dict[str, Any]:
    """Return the leaderboard's numbers, JSON-ready: NaN as null, one object per row."""

    def number(value):
        if isinstance(value, bool | np.bool_):
            return bool(value)
        return None if value is None or not np.isfinite(value) else float(value)

    return {
        "reference": board.reference,
        "conclusion": board.conclusion,
        "baselines": list(board.baselines),
        "rows": {
            str(label): {k: number(v) for k, v in row.items()}
            for label, row in board.table.iterrows()
        },
    }
