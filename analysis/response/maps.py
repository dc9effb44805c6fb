"""Two-feature maps of P(propagate): the mean, its sd, and the 50 % contour with its band.

For a pair of features, the partial dependence on a grid of both (physical units, the
5th to 95th percentile of each), per posterior draw. The 50 % contour of the mean
surface is where a rupture is as likely to break through as to stop; the 50 % contours
of the 5 % and 95 % quantile surfaces bound it with 90 % posterior probability.
"""

from __future__ import annotations

import contourpy
import numpy as np
import xarray as xr

from analysis.predictive.evaluator import Evaluator, evaluator
from analysis.predictive.scenarios import feature_names, training_values
from analysis.response.curves import MAX_DRAWS, SPAN, averaged_prediction, averaged_rows, thin_draws

__all__ = ["contour_lines", "important_pairs", "partial_dependence_map"]


def important_pairs(order: list[str], *, features: int = 3) -> list[tuple[str, str]]:
    """Return the pairs among the ``features`` most important features, most important first.

    Examples
    --------
    >>> important_pairs(["sxy", "syy", "sdrop", "mud"])
    [('sxy', 'syy'), ('sxy', 'sdrop'), ('syy', 'sdrop')]
    """
    top = order[:features]
    return [(a, b) for i, a in enumerate(top) for b in top[i + 1 :]]


def partial_dependence_map(
    tree: xr.DataTree,
    pair: tuple[str, str],
    *,
    points: int = 10,
    rows: int = 50,
    max_draws: int = MAX_DRAWS,
    random_state: int = 0,
    network: Evaluator | None = None,
) -> xr.Dataset:
    """Partial dependence of P(propagate) on two features, summarised over draws.

    Parameters
    ----------
    tree : xarray.DataTree
        A posterior file.
    pair : tuple of str
        The two features (the map's x and y).
    points : int
        Grid points along each feature.
    rows : int
        Training simulations averaged over (a seeded subsample).
    max_draws : int
        Draws used (:func:`analysis.response.curves.thin_draws`).
    random_state : int
        Seed of the subsample.
    network : callable, optional
        From :func:`analysis.predictive.evaluator.evaluator`.

    Returns
    -------
    xarray.Dataset
        Dims ``(y, x)`` with coordinates in physical units: ``mean``, ``sd``, ``q05`` and
        ``q95`` of the partial dependence over draws; ``attrs``: the pair's names.
    """
    network = network or evaluator(tree)
    values = training_values(tree)
    posterior = thin_draws(tree["posterior"].to_dataset(), max_draws)
    chosen = averaged_rows(values, rows, random_state=random_state)
    columns = [feature_names(tree).index(name) for name in pair]
    axes = [np.linspace(*np.percentile(values.iloc[:, c], SPAN), points) for c in columns]
    shape = (points, points)  # (y, x)
    lines = [  # one pass per line of the grid: memory stays that of one line
        averaged_prediction(
            tree, network, posterior, chosen, {columns[0]: axes[0], columns[1]: np.full(points, y)}
        ).reshape(-1, points)
        for y in axes[1]
    ]
    flat = np.concatenate(lines, axis=1)  # (sample, cell), cells in (y, x) order
    q05, q95 = np.quantile(flat, [0.05, 0.95], axis=0)
    surfaces = {"mean": flat.mean(0), "sd": flat.std(0), "q05": q05, "q95": q95}
    return xr.Dataset(
        {k: (("y", "x"), v.reshape(shape)) for k, v in surfaces.items()},
        coords={"x": axes[0], "y": axes[1]},
        attrs={"x": pair[0], "y": pair[1], "draws": flat.shape[0], "rows": len(chosen)},
    )


def contour_lines(surface: xr.DataArray, *, level: float = 0.5) -> list[np.ndarray]:
    """Where ``surface (y, x)`` crosses ``level``: a list of ``(point, 2)`` arrays of (x, y).

    Examples
    --------
    >>> plane = xr.DataArray(
    ...     np.add.outer(np.linspace(0, 1, 5), np.linspace(0, 1, 5)) / 2,
    ...     dims=("y", "x"), coords={"x": np.linspace(0, 1, 5), "y": np.linspace(0, 1, 5)})
    >>> [bool(np.allclose(line.sum(axis=1), 1.0)) for line in contour_lines(plane)]  # x + y = 1
    [True]
    """
    z = surface.transpose("y", "x").to_numpy()
    generator = contourpy.contour_generator(surface["x"].to_numpy(), surface["y"].to_numpy(), z)
    return [np.asarray(line) for line in generator.lines(level)]
