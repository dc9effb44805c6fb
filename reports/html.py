"""Lay out one run's analyses as a self-contained HTML page.

Figures are embedded as SVG data URIs; tables come from pandas with escaping on;
the template autoescapes everything else, so text from a file is never markup.
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

from analysis import plots
from analysis.run_analysis import RunAnalysis
from inference.posterior_file import atomic_write

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("reports", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
)


def figure_uri(fig: Figure) -> str:
    """Encode a figure as an SVG ``data:`` URI."""
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
    # pandas escaped every cell and label, so the table is safe markup
    return Markup(html)


def _display(value) -> str:
    if isinstance(value, dict):
        return json.dumps(value, indent=1, sort_keys=True)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _series_table(values: dict, *, name: str = "value", digits: int = 3) -> Markup:
    return table(pd.Series(values, name=name).to_frame(), digits=digits)


def _moment_tables(moments) -> dict[str, Markup]:
    w0 = {stat: moments["w0"].sel(stat=stat).to_pandas() for stat in ("mean", "sd")}
    w1 = moments[["w1", "b0"]].to_dataframe().unstack("stat")
    w1.columns = [f"{var} {stat}" for var, stat in w1.columns]
    return {
        "w0_mean": table(w0["mean"], digits=2),
        "w0_sd": table(w0["sd"], digits=2),
        "hidden": table(w1, digits=2),
    }


def _diagnostics_context(result: RunAnalysis) -> dict:
    diag = result.diagnostics
    if diag["kind"] == "advi":
        trace = diag["trace"]
        facts = {
            "steps": trace.attrs["steps"],
            "converged": bool(trace.attrs["converged"]),
            "final running-mean loss": float(trace["running_mean"][-1]),
            "Pareto k-hat": diag["khat"],
        }
        return {"figure": figure_uri(plots.loss_trace(trace)), "tables": [_series_table(facts)]}
    return {
        "figure": figure_uri(plots.rhat_histogram(diag["prediction_rhat"])),
        "tables": [table(diag["sampler"]), table(diag["convergence"])],
    }


def render_run(result: RunAnalysis, *, title: str) -> str:
    """Render a :class:`~analysis.run_analysis.RunAnalysis` as one HTML page.

    Parameters
    ----------
    result : RunAnalysis
        The analyses of one posterior file.
    title : str
        Page title (e.g. the file name); escaped.

    Returns
    -------
    str
        The whole HTML document.
    """
    prov = result.provenance
    context = {
        "title": title,
        "method": result.method,
        "metrics": result.metrics,
        "verdict": result.diagnostics["verdict"],
        "verdict_ok": result.diagnostics["ok"],
        "figures": {
            "prior_posterior": figure_uri(plots.prior_posterior(result.densities)),
            "heatmaps": figure_uri(plots.weight_heatmaps(result.moments)),
            "predictive": figure_uri(plots.predictive(result.predictive)),
            "reliability": figure_uri(plots.reliability_diagram(result.reliability)),
            "importance": figure_uri(plots.importance(result.importance)),
        },
        "tables": {
            "pooled": table(result.pooled),
            "misclassified": table(result.misclassified),
            "scores": _series_table(result.scores),
            "reliability": table(result.reliability.to_dataframe()),
            "importance": table(result.importance.to_dataframe(), digits=4),
            "permutation": table(result.permutation.to_pandas()),
            **_moment_tables(result.moments),
        },
        "thresholds": [
            {
                "name": t.name,
                "value": t.value,
                "note": t.note,
                "confusion": table(t.confusion),
                "report": table(t.report),
            }
            for t in result.thresholds
        ],
        "importance_attrs": result.importance.attrs,
        "chains": int(result.permutation.sizes["chain"]),
        "diagnostics": _diagnostics_context(result),
        "provenance": {key: _display(value) for key, value in prov.items()},
        "analysis_seconds": result.seconds,
    }
    return _ENV.get_template("run.html.j2").render(**context)


def write_html(html: str, path: str | os.PathLike) -> Path:
    """Write ``html`` to ``path`` atomically (temporary file renamed into place)."""
    return atomic_write(path, lambda tmp: tmp.write_text(html, encoding="utf-8"))
