"""Intervals from a reference's chain-to-chain variation: the leave-one-chain-out jackknife.

A comparison against a NUTS reference is only as precise as the reference: its chains sit
in different modes, and which modes they found moves every number computed from it. The
jackknife recomputes each number with one chain of the reference left out at a time; the
spread of those values is the number's standard error from the reference's chains
(Efron & Stein 1981). It needs nothing but the files: the same numbers, on fewer chains.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

__all__ = ["Z95", "exceeds_spread", "leave_one_chain_out"]

#: Half-width of a 95 % normal interval, in standard errors.
Z95 = 1.959963984540054


def leave_one_chain_out(
    statistic: Callable[[list[int]], Mapping[str, float]], *, chains: int
) -> pd.DataFrame:
    """Jackknife standard errors and 95 % intervals of several numbers over chains.

    Parameters
    ----------
    statistic : callable
        ``statistic(chains) -> {name: value}``: the numbers computed from the listed
        chains (positions) of the reference only; any mapping of names to scalars, an
        :class:`xarray.Dataset` of scalar variables included
        (:func:`analysis.comparison.pairwise.pairwise_numbers`).
    chains : int
        The reference's number of chains (at least 2).

    Returns
    -------
    pandas.DataFrame
        One row per number; columns ``value`` (on every chain), ``se`` (the jackknife
        standard error, sqrt((n − 1)/n · Σ (θ₋ₖ − θ̄)²)), ``lower`` and ``upper``
        (value ± 1.96 se).

    Raises
    ------
    ValueError
        Fewer than two chains.

    Examples
    --------
    >>> import numpy as np
    >>> means = np.array([0.1, 0.3, 0.2, 0.4])  # one number per chain
    >>> table = leave_one_chain_out(lambda keep: {"mean": means[keep].mean()}, chains=4)
    >>> round(float(table.loc["mean", "value"]), 3), round(float(table.loc["mean", "se"]), 4)
    (0.25, 0.0645)
    """
    if chains < 2:
        raise ValueError(f"the jackknife needs at least 2 chains, got {chains}")
    full = _floats(statistic(list(range(chains))))
    left_out = [_floats(statistic([c for c in range(chains) if c != k])) for k in range(chains)]
    rows = {}
    for name, value in full.items():
        values = np.array([row[name] for row in left_out], dtype=float)
        se = float(np.sqrt((chains - 1) / chains * np.sum((values - values.mean()) ** 2)))
        rows[name] = {
            "value": float(value),
            "se": se,
            "lower": value - Z95 * se,
            "upper": value + Z95 * se,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def _floats(numbers: Mapping) -> dict[str, float]:
    return {str(name): float(value) for name, value in numbers.items()}


def exceeds_spread(table: pd.DataFrame, nulls: Mapping[str, float], *, chains: int) -> pd.DataFrame:
    """Say which numbers lie further from their no-difference value than the reference's spread.

    A number whose every leave-one-chain-out value is the same has a jackknife se of 0:
    its interval has no width, and the reference's chains cannot say how far it may
    move. It is read as not measurable, never as beyond the spread.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`leave_one_chain_out`.
    nulls : mapping
        Per number, its value if the two runs did not differ beyond the reference's own
        Monte Carlo error (0 for a difference, 1 for a ratio or an agreement).
    chains : int
        The reference's chains, named in the reading of a number that is not measurable.

    Returns
    -------
    pandas.DataFrame
        ``table`` with columns ``null``, ``measurable`` (se > 0 and finite), ``exceeds``
        (measurable and |value − null| > 1.96 se) and ``reading``: ``"beyond"``,
        ``"within"`` or ``"not measurable from N chains"``.

    Examples
    --------
    >>> table = pd.DataFrame({"value": [0.03, 0.01, 0.5], "se": [0.01, 0.01, 0.0]},
    ...                      index=["a", "b", "c"])
    >>> exceeds_spread(table, {"a": 0.0, "b": 0.0, "c": 1.0}, chains=8)["reading"].tolist()
    ['beyond', 'within', 'not measurable from 8 chains']
    """
    out = table.copy()
    out["null"] = [float(nulls[name]) for name in out.index]
    out["measurable"] = np.isfinite(out["se"]) & (out["se"] > 0)
    out["exceeds"] = out["measurable"] & ((out["value"] - out["null"]).abs() > Z95 * out["se"])
    out["reading"] = np.where(
        out["measurable"],
        np.where(out["exceeds"], "beyond", "within"),
        f"not measurable from {chains} chains",
    )
    return out
