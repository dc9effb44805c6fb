"""A sweep's page: learning curves, the seed-to-seed spread, how uncertainty shrinks."""

from __future__ import annotations

from analysis.learning_curves import CURVE_METRICS, STRIP_METRICS, SweepAnalysis
from reports.figures.sweep import learning_curves, seed_strips, std_shrinkage
from reports.html import ENV, display, figure_uri, table

__all__ = ["render_sweep"]


def render_sweep(sweep: SweepAnalysis, *, title: str, settings: dict) -> str:
    """Render a sweep's learning curves, seed spread and std shrinkage as one HTML page.

    Parameters
    ----------
    sweep : SweepAnalysis
        From :func:`analysis.learning_curves.analyse_sweep`.
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
            "curves": figure_uri(learning_curves(sweep.curves, metrics=CURVE_METRICS)),
            "strips": figure_uri(seed_strips(sweep.cube, train_size=full, metrics=STRIP_METRICS)),
            "shrinkage": figure_uri(std_shrinkage(shrinkage)),
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
        "settings": {key: display(value) for key, value in settings.items()},
    }
    return ENV.get_template("sweep.html.j2").render(**context)
