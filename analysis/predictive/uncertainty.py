"""What the posterior draws say about one input: its probability, spread and information.

For each input row, the draws' probabilities ``p_d`` give the mean, sd and quantiles of
P(propagate), the predictive entropy ``H[p̄]`` (total uncertainty) and the mutual
information between the prediction and the parameters, ``H[p̄] − mean_d H[p_d]``
(BALD, Houlsby et al. 2011: the epistemic part, large where the draws disagree). Both
are in bits: 1 is a coin flip, 0 a certainty.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from analysis.predictive.metrics import SAMPLE_DIMS

__all__ = ["QUANTILES", "binary_entropy", "summarise_draws"]

#: Quantiles of P(propagate) over the draws, and their variable names.
QUANTILES = {"q05": 0.05, "q50": 0.5, "q95": 0.95}


def binary_entropy(p: np.ndarray) -> np.ndarray:
    """Entropy in bits of a Bernoulli(p) outcome; 0 at p = 0 and p = 1.

    Examples
    --------
    >>> binary_entropy(np.array([0.0, 0.5, 1.0])).tolist()
    [0.0, 1.0, 0.0]
    """
    p = np.asarray(p, dtype=float)
    q = 1.0 - p
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0) + np.where(q > 0, q * np.log(q), 0.0)
    return 0.0 - terms / np.log(2)  # 0.0 -: no -0.0


def summarise_draws(p: xr.DataArray, *, threshold: float = 0.5) -> xr.Dataset:
    """Summarise each row's P(propagate) over the posterior draws.

    Parameters
    ----------
    p : xarray.DataArray
        Probabilities with dims ``(chain, draw, ...)``.
    threshold : float
        The class is "propagates" (1) where the mean exceeds it.

    Returns
    -------
    xarray.Dataset
        Over ``p``'s other dims: ``mean``, ``sd``, ``q05``, ``q50``, ``q95``,
        ``propagates`` (0/1), ``entropy`` and ``mutual_information`` (bits).

    Examples
    --------
    Two draws that disagree completely, and two that agree on 0.5: the same mean and
    entropy, but only the first is epistemic.

    >>> p = xr.DataArray([[[1.0, 0.5], [0.0, 0.5]]], dims=("chain", "draw", "row"))
    >>> s = summarise_draws(p)
    >>> s["entropy"].values.tolist(), s["mutual_information"].values.tolist()
    ([1.0, 1.0], [1.0, 0.0])
    """
    values = p.transpose(*SAMPLE_DIMS, ...)
    flat = values.to_numpy().reshape(-1, *values.shape[2:])
    rest = values.dims[2:]
    mean = flat.mean(axis=0)
    entropy = binary_entropy(mean)
    quantiles = np.quantile(flat, list(QUANTILES.values()), axis=0)
    out = {
        "mean": mean,
        "sd": flat.std(axis=0),
        **dict(zip(QUANTILES, quantiles, strict=True)),
        "propagates": (mean > threshold).astype(np.int64),
        "entropy": entropy,
        "mutual_information": np.maximum(entropy - binary_entropy(flat).mean(axis=0), 0.0),
    }
    coords = {d: values[d] for d in rest if d in values.coords}
    return xr.Dataset({k: (rest, v) for k, v in out.items()}, coords=coords)
