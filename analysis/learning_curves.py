"""Replicated studies: a summary row per posterior file, and learning curves over seeds.

A sweep fits the network once per method, seed and training-set size. Each fit's
posterior file carries root attrs :data:`TRAIN_SIZE_ATTR` and :data:`WALL_ATTR`; the
functions here turn those files' summary rows into a tidy table (one row per fit), a
cube with dims ``(method, seed, train_size)``, and the aggregates over seeds the sweep
report shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from analysis.diagnostics.by_draw_kind import prediction_ess
from analysis.predictive.metrics import (
    classification_metrics,
    predictive_moments,
    probabilistic_scores,
)

#: Root attr of a sweep's posterior file: training simulations drawn for the fit.
TRAIN_SIZE_ATTR = "train_size"
#: Root attr of a sweep's posterior file: wall time of its task, from subset to file.
WALL_ATTR = "wall_seconds"
#: What identifies one fit of a sweep.
KEYS = ("method", "seed", "train_size")
#: Per-fit numbers, in table order.
METRICS = (
    "accuracy",
    "f1_weighted",
    "roc_auc",
    "log_loss",
    "brier",
    "ece",
    "mean_std",
    "ess_p",
    "fit_seconds",
    "wall_seconds",
)
#: Per-fit text: ``status`` (``"ok"`` or ``"failed"``), the failure's reason, the file name.
TEXT = ("status", "error", "file")
#: The metrics drawn as learning curves.
CURVE_METRICS = ("accuracy", "f1_weighted", "log_loss", "ece", "mean_std", "ess_p")
#: The metrics shown per seed at the full training size.
STRIP_METRICS = ("accuracy", "f1_weighted", "log_loss", "ece", "mean_std")
#: The metrics printed at the end of a sweep.
PRINTED_METRICS = (*STRIP_METRICS, "ess_p", "wall_seconds")


def summary_row(tree: xr.DataTree) -> dict:
    """One fit's row of the sweep table, computed from its posterior file alone.

    Parameters
    ----------
    tree : xarray.DataTree
        A posterior file written by a sweep (root attrs :data:`TRAIN_SIZE_ATTR`
        and :data:`WALL_ATTR`).

    Returns
    -------
    dict
        :data:`KEYS` and :data:`METRICS`: test metrics of the mean prediction at
        threshold 0.5, mean predictive std, function-space ESS (median bulk ESS of the
        test predictions; ADVI: its draws), fit and task wall seconds.
    """
    moments = predictive_moments(tree)
    scores = probabilistic_scores(moments["y"].to_numpy(), moments["mean"].to_numpy())
    attrs = tree.attrs
    return {
        "method": str(attrs["method"]),
        "seed": int(attrs["seed"]),
        "train_size": int(attrs[TRAIN_SIZE_ATTR]),
        **classification_metrics(tree).as_dict(),
        **scores.as_dict(),
        "ess_p": prediction_ess(tree),
        "fit_seconds": float(attrs["fit_seconds"]),
        "wall_seconds": float(attrs[WALL_ATTR]),
    }


def summary_table(rows: list[dict]) -> pd.DataFrame:
    """Put summary rows (of finished and of failed fits) in one tidy table.

    Parameters
    ----------
    rows : list of dict
        Each with :data:`KEYS`, and any of :data:`METRICS` and :data:`TEXT`; what a
        row lacks is NaN (numbers) or empty (text).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`KEYS`, :data:`TEXT`, :data:`METRICS`; one row per fit, sorted
        by method, training size and seed.
    """
    frame = pd.DataFrame(rows).reindex(columns=[*KEYS, *TEXT, *METRICS])
    frame[list(TEXT)] = frame[list(TEXT)].astype(object).fillna("").astype(str)
    frame[list(METRICS)] = frame[list(METRICS)].astype(float)
    frame = frame.astype({"seed": "int64", "train_size": "int64"})
    return frame.sort_values(["method", "train_size", "seed"], ignore_index=True)


def summary_cube(table: pd.DataFrame) -> xr.Dataset:
    """Reshape the sweep table to a Dataset with dims ``(method, seed, train_size)``.

    Fits missing from the table are NaN (numbers) and empty (text).
    """
    cube = table.set_index(list(KEYS)).to_xarray()
    for name in TEXT:
        cube[name] = cube[name].fillna("").astype(str)
    cube.attrs["description"] = "one fit per method, seed and training-set size"
    return cube


def _finished(table: pd.DataFrame) -> pd.DataFrame:
    """Keep the rows of fits that finished."""
    return table[table["status"] == "ok"]


def _grid(table: pd.DataFrame) -> pd.MultiIndex:
    """Every (method, train_size) of the sweep, finished or not."""
    return pd.MultiIndex.from_product(
        [sorted(table["method"].unique()), sorted(table["train_size"].unique())],
        names=["method", "train_size"],
    )


def learning_curves(
    table: pd.DataFrame,
    *,
    metrics: tuple[str, ...] = CURVE_METRICS,
    quantiles: tuple[float, ...] = (0.0, 0.5, 1.0),
) -> xr.Dataset:
    """Each metric against training size per method: quantiles over the seeds.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`summary_table`.
    metrics : tuple of str
        Which of :data:`METRICS`.
    quantiles : tuple of float
        Quantiles over the finished seeds; the default gives the minimum, median and
        maximum (the band spans every seed).

    Returns
    -------
    xarray.Dataset
        Each metric with dims ``(method, train_size, quantile)``, and ``n_seeds``
        ``(method, train_size)``: the finished fits each point summarises (NaN
        metrics where none finished).
    """
    groups = _finished(table).groupby(["method", "train_size"])
    values = groups[list(metrics)].quantile(list(quantiles))
    values.index.names = ["method", "train_size", "quantile"]
    grid = _grid(table)  # a dict: reindex's keyword "method" means something else
    curves = values.to_xarray().reindex(
        {"method": grid.levels[0], "train_size": grid.levels[1], "quantile": list(quantiles)}
    )
    counts = groups.size().reindex(grid, fill_value=0)
    curves["n_seeds"] = counts.to_xarray()
    return curves.transpose("method", "train_size", "quantile")


def seed_spread(table: pd.DataFrame, *, train_size: int | None = None) -> pd.DataFrame:
    """Seed-to-seed spread of every metric at one training size (default: the largest).

    Returns
    -------
    pandas.DataFrame
        Index metric; columns ``(method, stat)`` with stat ``mean``, ``sd`` (over
        seeds, ddof 1), ``min``, ``max``, ``seeds``; attr ``train_size``.
    """
    size = int(table["train_size"].max()) if train_size is None else train_size
    rows = _finished(table)
    rows = rows[rows["train_size"] == size]
    stats = rows.groupby("method")[list(METRICS)].agg(["mean", "std", "min", "max", "count"])
    stats = stats.rename(columns={"std": "sd", "count": "seeds"}, level=1)
    frame = stats.T.unstack(level=1)  # index metric, columns (method, stat)
    columns = pd.MultiIndex.from_product(
        [_grid(table).levels[0], ["mean", "sd", "min", "max", "seeds"]], names=["method", "stat"]
    )
    frame = frame.reindex(index=list(METRICS), columns=columns)
    counts = [c for c in columns if c[1] == "seeds"]
    frame[counts] = frame[counts].fillna(0).astype("int64")
    frame.index.name = "metric"
    frame.attrs["train_size"] = size
    return frame


def std_shrinkage(table: pd.DataFrame) -> xr.Dataset:
    """How the mean predictive std shrinks as the training set grows, per method.

    Returns
    -------
    xarray.Dataset
        ``median_std (method, train_size)``: median over finished seeds of the mean
        predictive std; ``relative (method, train_size)``: that over its value at the
        smallest size; ``slope (method)``: least-squares slope of log std against
        log size (std ∝ size^slope; NaN with fewer than two sizes).
    """
    median = _finished(table).groupby(["method", "train_size"])["mean_std"].median()
    median = median.reindex(_grid(table)).to_xarray()
    log_size = np.log(median["train_size"].to_numpy().astype(float))
    slopes = []
    for method in median["method"].values:
        log_std = np.log(median.sel({"method": method}).to_numpy())
        keep = np.isfinite(log_std)
        slopes.append(np.polyfit(log_size[keep], log_std[keep], 1)[0] if keep.sum() > 1 else np.nan)
    return xr.Dataset(
        {
            "median_std": median,
            "relative": median / median.isel(train_size=0),
            "slope": ("method", np.asarray(slopes, dtype=float)),
        }
    )


@dataclass(frozen=True)
class SweepAnalysis:
    """The sweep report's numbers.

    Attributes
    ----------
    table : pandas.DataFrame
        From :func:`summary_table`.
    cube : xarray.Dataset
        From :func:`summary_cube`.
    curves : xarray.Dataset
        From :func:`learning_curves`.
    spread : pandas.DataFrame
        From :func:`seed_spread`, at the largest training size.
    shrinkage : xarray.Dataset
        From :func:`std_shrinkage`.
    """

    table: pd.DataFrame
    cube: xr.Dataset
    curves: xr.Dataset
    spread: pd.DataFrame
    shrinkage: xr.Dataset

    @property
    def failed(self) -> pd.DataFrame:
        """The failed fits: their keys and reasons."""
        rows = self.table[self.table["status"] != "ok"]
        return rows[[*KEYS, "error"]].reset_index(drop=True)


def analyse_sweep(table: pd.DataFrame) -> SweepAnalysis:
    """Compute everything the sweep report shows from the sweep table.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`summary_table`.

    Returns
    -------
    SweepAnalysis
    """
    return SweepAnalysis(
        table=table,
        cube=summary_cube(table),
        curves=learning_curves(table),
        spread=seed_spread(table),
        shrinkage=std_shrinkage(table),
    )
