"""What every page shares: the template environment, figures as data URIs, escaped tables.

Figures are embedded as SVG data URIs; tables come from pandas with escaping on; the
templates autoescape everything else, so text from a file is never markup.
"""

from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup
from matplotlib.figure import Figure
from matplotlib.text import Text

from common.atomic import atomic_write

__all__ = ["ENV", "display", "figure_uri", "series_table", "table", "write_html"]

ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("reports", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
)


def figure_uri(fig: Figure) -> str:
    """Encode a figure as an SVG ``data:`` URI.

    Every text is drawn literally: a ``$`` in a feature name from a user's header or a
    shared file is not matplotlib's mathtext (which could fail to parse, or draw markup).
    """
    for text in fig.findobj(Text):
        text.set_parse_math(False)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg")
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def table(frame: pd.DataFrame, *, digits: int = 3) -> Markup:
    """Render a DataFrame as an HTML table; cell text is escaped by pandas."""
    html = frame.to_html(
        float_format=lambda v: f"{v:.{digits}f}",
        na_rep="",
        escape=True,
        border=0,
        classes="numbers",
    )
    # pandas escaped every cell and label, so the table is safe markup; a wide table
    # scrolls inside its own box instead of widening the page
    return Markup(f'<div class="scroll">{html}</div>')


def display(value) -> str:
    """Show a provenance value: JSON objects indented, floats to four figures."""
    if isinstance(value, dict):
        return json.dumps(value, indent=1, sort_keys=True)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def series_table(values: dict, *, name: str = "value", digits: int = 3) -> Markup:
    """Render a mapping as a one-column HTML table."""
    return table(pd.Series(values, name=name).to_frame(), digits=digits)


def write_html(html: str, path: str | os.PathLike) -> Path:
    """Write ``html`` to ``path`` atomically (temporary file renamed into place)."""
    return atomic_write(path, html)
