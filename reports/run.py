"""One run's report: the paper's figures and tables, and its method's diagnostics."""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from analysis.diagnostics.approximation import ApproximationDiagnostics
from analysis.diagnostics.by_draw_kind import Diagnostics
from analysis.diagnostics.chains import ChainDiagnostics
from analysis.diagnostics.library_record import LibraryRecord
from analysis.file_analysis import FileAnalysis
from analysis.predictive.acquisition import NEXT_CANDIDATES
from inference.posterior.units import feature_labels
from reports.figures import methods, posterior, reference, response
from reports.html import ENV, display, figure_uri, series_table, table

__all__ = ["answers_context", "provenance", "render_run", "response_figures", "run_figures"]


def _moment_tables(moments) -> dict[str, Markup]:
    w0 = {stat: moments["w0"].sel(stat=stat).to_pandas() for stat in ("mean", "sd")}
    w1 = moments[["w1", "b0"]].to_dataframe().unstack("stat")
    w1.columns = [f"{var} {stat}" for var, stat in w1.columns]
    return {
        "w0_mean": table(w0["mean"], digits=2),
        "w0_sd": table(w0["sd"], digits=2),
        "hidden": table(w1, digits=2),
    }


def _chain_section(diag: ChainDiagnostics) -> dict:
    stability = reference.pooled_stability(
        diag.saturation, diag.pooled.to_numpy(), diag.stacked.to_numpy(), diag.mcse.to_numpy()
    )
    return {
        "tables": [table(diag.sampler), table(diag.convergence)],
        "figure": figure_uri(posterior.rhat_histogram(diag.prediction_rhat)),
        "caption": "R-hat of the predicted probability of each test simulation (function "
        "space: unaffected by relabelled hidden units). Weight R-hat is computed after "
        "aligning hidden units across chains.",
        "chains": {
            "table": table(diag.chains),
            "saturation": table(diag.saturation, digits=4),
            "summary": series_table(
                {k: v for k, v in diag.summary().items() if k != "stacking_weights"}
            ),
            "figure": figure_uri(stability),
        },
        "library": _library_section(diag.library),
    }


def _library_section(record: LibraryRecord) -> dict | None:
    """Lay out what the method's library reported: its facts, tables and first figure."""
    if not record:
        return None
    tables = [series_table(record.facts)] if record.facts else []
    tables += [
        table(frame) if digits is None else table(frame, digits=digits)
        for frame, digits in record.tables
    ]
    figure, caption = None, ""
    if record.figures:
        group, spec = record.figures[0]
        figure, caption = figure_uri(methods.lines(group, spec)), spec.caption
    return {"figure": figure, "caption": caption, "tables": tables}


def _approximation_section(diag: ApproximationDiagnostics) -> dict:
    facts = {"Pareto k-hat": diag.khat}
    if diag.trace is not None:
        facts = {
            "steps": diag.trace.attrs["steps"],
            "converged": bool(diag.trace.attrs["converged"]),
            "final running-mean loss": float(diag.trace["running_mean"][-1]),
        } | facts
    figure = posterior.loss_trace(diag.trace) if diag.trace is not None else None
    return {
        "tables": [series_table(facts)],
        "figure": figure_uri(figure) if figure is not None else None,
        "caption": "Loss (negative ELBO) per step and its running mean; the red line marks "
        "where the fit stopped. Pareto k-hat is computed from log p(θ, y) − log q(θ) over "
        "the stored draws (Yao et al. 2018): below 0.5 good, above 0.7 unreliable.",
        "library": _library_section(diag.library),
    }


#: How each type of diagnostics is shown: tables, a figure and its caption.
_SECTIONS: dict[type, Callable[..., dict]] = {
    ChainDiagnostics: _chain_section,
    ApproximationDiagnostics: _approximation_section,
}


def diagnostics_section(diag: Diagnostics) -> dict[str, list[Markup] | str | None]:
    """Lay out the diagnostics section: ``tables``, ``figure`` (a data URI), ``caption``."""
    return _SECTIONS[type(diag)](diag)


def response_figures(runs: dict[str, FileAnalysis]) -> dict[str, str]:
    """Draw the response curves of one or more runs (overlaid), as data URIs."""
    partial = {label: r.answers.partial for label, r in runs.items()}
    ale = {label: r.answers.ale for label, r in runs.items()}
    first = next(iter(runs.values()))
    names, probability = feature_labels(first.tree), first.classes.probability
    return {
        "partial": figure_uri(
            response.response_curves(
                partial, ylabel=f"partial dependence of {probability}", names=names
            )
        ),
        "ale": figure_uri(
            response.response_curves(
                ale,
                ylabel=f"ALE effect: summed differences in {probability}, not a probability",
                probability=False,
                names=names,
            )
        ),
    }


def _next_table(answers, names: dict[str, str]) -> Markup:
    scores = [
        *("mean", "q05", "q95", "entropy", "mutual_information"),
        *("nearest_training", "extrapolation"),
    ]
    shown = [*answers.training.columns, *scores]
    return table(answers.next.set_index("rank")[shown].rename(columns=names), digits=3)


def answers_context(result: FileAnalysis) -> dict:
    """Lay out the response curves, maps and next simulations of one run."""
    answers = result.answers
    names = feature_labels(result.tree)
    maps = (
        figure_uri(
            response.response_maps(
                answers.maps,
                training=answers.training,
                labels=answers.labels,
                names=names,
                classes=result.classes,
            )
        )
        if answers.maps  # none with a single feature
        else None
    )
    return {
        "figures": response_figures({result.method: result}) | {"maps": maps},
        "lead": answers.lead,
        "effects": table(answers.effects.rename(index=names), digits=3),
        "correlated": table(answers.correlated, digits=2) if len(answers.correlated) else None,
        "next": _next_table(answers, names),
        "draws": answers.partial.attrs["draws"],
        "pd_rows": answers.partial.attrs["rows"],
        "candidates": NEXT_CANDIDATES,
        "spacing": answers.spacing,
        "reach": answers.reach,
        "map_rows": answers.maps[0].attrs["rows"] if answers.maps else 0,
    }


def run_figures(result: FileAnalysis) -> dict[str, str]:
    """Draw one run's report figures, as data URIs keyed by section."""
    classes = result.classes
    return {
        "prior_posterior": figure_uri(posterior.prior_posterior(result.densities)),
        "heatmaps": figure_uri(posterior.weight_heatmaps(result.moments)),
        "predictive": figure_uri(posterior.predictive(result.predictive, classes=classes)),
        "reliability": figure_uri(
            posterior.reliability_diagram(result.reliability, classes=classes)
        ),
        "importance": figure_uri(posterior.importance(result.importance, classes=classes)),
    }


def _balance(result: FileAnalysis) -> str:
    """How the fit balanced the classes, from the stored configuration."""
    config = result.provenance.get("config", {})
    if "balance" not in config:
        return "upsample (written before the option existed)"
    return str(config["balance"])


def provenance(result: FileAnalysis) -> dict[str, str]:
    """Show the provenance facts of a run as text."""
    shown = {key: display(value) for key, value in result.provenance.items()}
    c = result.classes
    data = {
        "features": ", ".join(feature_labels(result.tree).values()),
        "label": f"{c.label}: {c.positive_value} = 1 ({c.positive}), "
        f"{c.negative_value} = 0 ({c.negative})",
    }
    return shown | data | {"analysis time": f"{result.seconds:.1f} s"}


def render_run(result: FileAnalysis, *, title: str) -> str:
    """Render a :class:`~analysis.file_analysis.FileAnalysis` as one HTML page.

    Parameters
    ----------
    result : FileAnalysis
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
        "classes": result.classes,
        "metrics": result.metrics,
        "balance": _balance(result),
        "verdict": result.diagnostics.verdict,
        "verdict_ok": result.diagnostics.ok,
        "figures": run_figures(result),
        "diagnostics": diagnostics_section(result.diagnostics),
        "tables": {
            "pooled": table(result.pooled),
            "misclassified": table(result.misclassified),
            "scores": series_table(result.scores.as_dict()),
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
        "answers": answers_context(result),
        "provenance": provenance(result),
    }
    return ENV.get_template("run.html.j2").render(**context)
