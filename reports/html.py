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
import numpy as np
import pandas as pd
from markupsafe import Markup
from matplotlib.figure import Figure

from analysis import plots
from analysis.compare import Comparison, conclusion
from analysis.run_analysis import RunAnalysis
from analysis.sweep import CURVE_METRICS, SweepAnalysis
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


def _diagnostics_tables(result: RunAnalysis) -> list[Markup]:
    diag = result.diagnostics
    if diag["kind"] == "advi":
        trace = diag["trace"]
        facts = {
            "steps": trace.attrs["steps"],
            "converged": bool(trace.attrs["converged"]),
            "final running-mean loss": float(trace["running_mean"][-1]),
            "Pareto k-hat": diag["khat"],
        }
        return [_series_table(facts)]
    return [table(diag["sampler"]), table(diag["convergence"])]


def run_figures(result: RunAnalysis) -> dict[str, str]:
    """Draw one run's report figures, as data URIs keyed by section."""
    return {
        "prior_posterior": figure_uri(plots.prior_posterior(result.densities)),
        "heatmaps": figure_uri(plots.weight_heatmaps(result.moments)),
        "predictive": figure_uri(plots.predictive(result.predictive)),
        "reliability": figure_uri(plots.reliability_diagram(result.reliability)),
        "importance": figure_uri(plots.importance(result.importance)),
        "diagnostics": _diagnostics_figure(result),
    }


def _diagnostics_figure(result: RunAnalysis) -> str:
    diag = result.diagnostics
    if diag["kind"] == "advi":
        return figure_uri(plots.loss_trace(diag["trace"]))
    return figure_uri(plots.rhat_histogram(diag["prediction_rhat"]))


def _provenance(result: RunAnalysis) -> dict[str, str]:
    shown = {key: _display(value) for key, value in result.provenance.items()}
    return shown | {"analysis time": f"{result.seconds:.1f} s"}


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
    context = {
        "title": title,
        "method": result.method,
        "metrics": result.metrics,
        "verdict": result.diagnostics["verdict"],
        "verdict_ok": result.diagnostics["ok"],
        "figures": run_figures(result),
        "tables": {
            "pooled": table(result.pooled),
            "misclassified": table(result.misclassified),
            "scores": _series_table(result.scores),
            "reliability": table(result.reliability.to_dataframe()),
            "importance": table(result.importance.to_dataframe(), digits=4),
            "permutation": table(result.permutation.to_pandas()),
            "diagnostics": _diagnostics_tables(result),
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
        "provenance": _provenance(result),
    }
    return _ENV.get_template("run.html.j2").render(**context)


def write_html(html: str, path: str | os.PathLike) -> Path:
    """Write ``html`` to ``path`` atomically (temporary file renamed into place)."""
    return atomic_write(path, lambda tmp: tmp.write_text(html, encoding="utf-8"))


#: Per-run figures repeated side by side in a comparison, with their headings.
_PANELS = (
    ("prior_posterior", "Prior versus posterior (Fig. 3)"),
    ("heatmaps", "Posterior weights (Fig. 4)"),
    ("predictive", "Predictions and their uncertainty (Fig. 5)"),
    ("importance", "Permutation importance (Fig. 6)"),
    ("diagnostics", "Diagnostics"),
)


def render_comparison(
    comparison: Comparison, runs: tuple[RunAnalysis, RunAnalysis], *, title: str
) -> str:
    """Render a comparison of two runs, with both runs' figures side by side.

    Parameters
    ----------
    comparison : Comparison
        From :func:`analysis.compare.compare_runs`.
    runs : tuple of RunAnalysis
        The analyses of the two files, in the comparison's order.
    title : str
        Page title; escaped.

    Returns
    -------
    str
        The whole HTML document.
    """
    labels = comparison.labels
    params = comparison.parameters
    parameter_rows = {
        name: {
            "mean |mean diff|": float(np.abs(params[f"{name}_mean_diff"]).mean()),
            "mean sd ratio": float(params[f"{name}_sd_ratio"].mean()),
            "mean Wasserstein-1": float(params[f"{name}_wasserstein"].mean()),
        }
        for name in ("w0", "b0", "w1", "b1")
    }
    importance = comparison.importance[["f1_drop", "f1_drop_lower", "f1_drop_upper"]]
    context = {
        "title": title,
        "a": labels[0],
        "b": labels[1],
        "n_test": int(comparison.moments[0].sizes["test"]),
        "fingerprint": comparison.fingerprint,
        "conclusion": conclusion(comparison),
        "kendall_tau": comparison.kendall_tau,
        "figures": {
            "std_scatter": figure_uri(plots.std_scatter(comparison.moments, labels=labels)),
            "reliability": figure_uri(
                plots.reliability_overlay(comparison.reliability, labels=labels)
            ),
            "parameters": figure_uri(plots.parameter_differences(params, labels=labels)),
            "importance": figure_uri(plots.importance_pair(comparison.importance)),
        },
        "tables": {
            "predictions": table(comparison.predictions, digits=4),
            "agreement": _series_table(comparison.agreement, digits=4),
            "parameters": table(pd.DataFrame(parameter_rows).T),
            "importance": table(importance.to_dataframe().unstack("run"), digits=4),
            "cost": table(comparison.cost),
        },
        "panels": _PANELS,
        "run_figures": [run_figures(r) for r in runs],
        "verdicts": [{"ok": r.diagnostics["ok"], "text": r.diagnostics["verdict"]} for r in runs],
        "provenance": [_provenance(r) for r in runs],
    }
    return _ENV.get_template("compare.html.j2").render(**context)


#: Metrics shown per seed at the full training size.
_STRIP_METRICS = ("accuracy", "f1_weighted", "log_loss", "ece", "mean_std")


def render_sweep(sweep: SweepAnalysis, *, title: str, settings: dict) -> str:
    """Render a sweep's learning curves, seed spread and std shrinkage as one HTML page.

    Parameters
    ----------
    sweep : SweepAnalysis
        From :func:`analysis.sweep.analyse_sweep`.
    title : str
        Page title; escaped.
    settings : dict
        What the sweep ran with (configuration, data, scheduler, wall time), shown as
        provenance.

    Returns
    -------
    str
        The whole HTML document.
    """
    rows = sweep.table
    full = int(sweep.spread.attrs["train_size"])
    shrinkage = sweep.shrinkage
    context = {
        "title": title,
        "methods": [str(m) for m in sweep.cube["method"].values],
        "seeds": [int(s) for s in sweep.cube["seed"].values],
        "sizes": [int(n) for n in sweep.cube["train_size"].values],
        "full_size": full,
        "n_tasks": len(rows),
        "n_failed": len(sweep.failed),
        "figures": {
            "curves": figure_uri(plots.learning_curves(sweep.curves, metrics=CURVE_METRICS)),
            "strips": figure_uri(
                plots.seed_strips(sweep.cube, train_size=full, metrics=_STRIP_METRICS)
            ),
            "shrinkage": figure_uri(plots.std_shrinkage(shrinkage)),
        },
        "tables": {
            "failed": table(sweep.failed) if len(sweep.failed) else None,
            "curves": table(sweep.curves.sel(quantile=0.5, drop=True).to_dataframe(), digits=4),
            "spread": table(sweep.spread, digits=4),
            "shrinkage": table(shrinkage[["median_std", "relative"]].to_dataframe(), digits=4),
            "slopes": table(shrinkage["slope"].to_pandas().to_frame("slope")),
            "all": table(
                rows.drop(columns=["error", "file"]).set_index(["method", "train_size", "seed"]),
                digits=4,
            ),
        },
        "settings": {key: _display(value) for key, value in settings.items()},
    }
    return _ENV.get_template("sweep.html.j2").render(**context)
