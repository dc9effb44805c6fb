"""The comparison of two runs: what differs and by how much, and both runs' figures."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.comparison.conclusion import conclusion, verdict_line
from analysis.comparison.pairwise import INTERVALS, PAIRWISE
from analysis.comparison.two_files import Comparison
from analysis.file_analysis import FileAnalysis
from inference.model.parameters import PARAMS
from reports.figures import posterior
from reports.html import ENV, figure_uri, series_table, table
from reports.run import diagnostics_section, provenance, response_figures, run_figures

__all__ = ["render_comparison"]


#: Per-run figures repeated in a comparison, A above B, with their headings.
_PANELS = (
    ("prior_posterior", "Prior versus posterior (Fig. 3)"),
    ("heatmaps", "Posterior weights (Fig. 4)"),
    ("predictive", "Predictions and their uncertainty (Fig. 5)"),
    ("importance", "Permutation importance (Fig. 6)"),
    ("diagnostics", "Diagnostics"),
)


def render_comparison(
    comparison: Comparison, runs: tuple[FileAnalysis, FileAnalysis], *, title: str
) -> str:
    """Render a comparison of two runs, with both runs' figures, A above B.

    Parameters
    ----------
    comparison : Comparison
        From :func:`analysis.comparison.two_files.compare_runs`.
    runs : tuple of FileAnalysis
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
        for name in PARAMS
    }
    importance = comparison.importance[["f1_drop", "f1_drop_lower", "f1_drop_upper"]]
    classes = runs[0].classes
    context = {
        "title": title,
        "a": labels[0],
        "b": labels[1],
        "n_test": int(comparison.moments[0].sizes["test"]),
        "fingerprint": comparison.fingerprint,
        "conclusion": conclusion(comparison),
        "verdict_line": verdict_line(comparison),
        "reference_verdict": next(
            (
                {"ok": run.diagnostics.ok, "text": run.diagnostics.verdict}
                for label, run in zip(labels, runs, strict=True)
                if label == comparison.reference
            ),
            None,
        ),
        "kendall_tau": float(comparison.numbers["kendall_tau_importance"]),
        "agreement": [n for n in PAIRWISE if n.group == "agreement"],
        "derived_nulls": [n for n in INTERVALS if n.null_meaning],
        "figures": {
            "std_scatter": figure_uri(
                posterior.std_scatter(comparison.moments, labels=labels, classes=classes)
            ),
            "reliability": figure_uri(
                posterior.reliability_overlay(
                    comparison.reliability, labels=labels, classes=classes
                )
            ),
            "parameters": figure_uri(posterior.parameter_differences(params, labels=labels)),
            "importance": figure_uri(posterior.importance_pair(comparison.importance)),
            **response_figures(dict(zip(labels, runs, strict=True))),
        },
        "lead": runs[1].answers.lead,
        "next_overlap": comparison.next_overlap,
        "tables": {
            "predictions": table(comparison.predictions, digits=4),
            "elpd": None if comparison.elpd is None else table(comparison.elpd.table, digits=2),
            "agreement": series_table(
                {
                    n.name: float(comparison.numbers[n.name])
                    for n in PAIRWISE
                    if n.group == "agreement"
                },
                digits=4,
            ),
            "parameters": table(pd.DataFrame(parameter_rows).T),
            "importance": table(importance.to_dataframe().unstack("run"), digits=4),
            "cost": table(comparison.cost),
            "effects": table(comparison.effects, digits=3),
            "intervals": None
            if comparison.intervals is None
            else table(comparison.intervals.drop(columns=["measurable", "exceeds"]), digits=4),
        },
        "reference": comparison.reference,
        "elpd_sentence": comparison.elpd.sentence if comparison.elpd else "",
        "panels": _PANELS,
        "run_figures": [
            run_figures(r) | {"diagnostics": diagnostics_section(r.diagnostics)["figure"]}
            for r in runs
        ],
        "verdicts": [{"ok": r.diagnostics.ok, "text": r.diagnostics.verdict} for r in runs],
        "provenance": [provenance(r) for r in runs],
    }
    return ENV.get_template("compare.html.j2").render(**context)
