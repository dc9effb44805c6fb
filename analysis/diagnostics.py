"""Convergence diagnostics that respect the network's symmetries.

NUTS: sampler statistics, and R-hat / ESS of the predicted probabilities (function
space, immune to relabelled hidden units) and of the weights after aligning the
hidden units across chains. ADVI: the loss trace and the PSIS Pareto k-hat of the
approximation (Yao et al. 2018).
"""

from __future__ import annotations

import arviz_stats as azs
import numpy as np
import pandas as pd
import xarray as xr

from analysis.alignment import align_hidden_units
from analysis.metrics import SAMPLE_DIMS

#: Thresholds of a converged run (Vehtari et al. 2021): R-hat at most, bulk ESS at least.
RHAT_MAX = 1.01
ESS_MIN = 400
#: Pareto k-hat above this: the approximation is unreliable (Yao et al. 2018).
KHAT_MAX = 0.7
#: Fewest draws whose largest 20 % give the five tail values a Pareto fit needs.
PSIS_MIN_DRAWS = 25


def sampler_table(tree: xr.DataTree) -> pd.DataFrame:
    """Per-chain NUTS statistics: divergences, tree depth, step size, acceptance.

    Returns
    -------
    pandas.DataFrame
        Index ``chain``.
    """
    stats = tree["sample_stats"]
    table = pd.DataFrame(
        {
            "divergences": stats["diverging"].sum("draw").to_numpy().astype(int),
            "mean tree depth": stats["tree_depth"].mean("draw").to_numpy(),
            "at max tree depth": stats["reached_max_treedepth"].mean("draw").to_numpy(),
            "step size": stats["step_size"].mean("draw").to_numpy(),
            "mean acceptance": stats["acceptance_rate"].mean("draw").to_numpy(),
            "mean leapfrog steps": stats["n_steps"].mean("draw").to_numpy(),
        },
        index=pd.Index(stats["chain"].to_numpy(), name="chain"),
    )
    return table


def _rhat_ess(data: xr.Dataset) -> xr.Dataset:
    """Rank-normalised R-hat, bulk and tail ESS of each element, as ``<var>_<stat>``."""
    dims = list(SAMPLE_DIMS)
    parts = {
        "rhat": azs.rhat(data, sample_dims=dims),
        "ess_bulk": azs.ess(data, sample_dims=dims),
        "ess_tail": azs.ess(data, sample_dims=dims, method="tail"),
    }
    return xr.Dataset(
        {f"{name}_{stat}": part[name] for stat, part in parts.items() for name in data.data_vars}
    )


def prediction_convergence(tree: xr.DataTree) -> xr.Dataset:
    """R-hat and bulk / tail ESS of the predicted probability of every test simulation.

    Returns
    -------
    xarray.Dataset
        Dim ``test``: ``p_rhat``, ``p_ess_bulk``, ``p_ess_tail``.
    """
    return _rhat_ess(tree["predictions"].to_dataset())


def prediction_ess(tree: xr.DataTree) -> float:
    """Function-space ESS: the median bulk ESS of the test predictions.

    A variational fit (a file with ``vi_history``) draws independently from its
    approximation, so its ESS is its number of draws (of the approximation, not of the
    posterior).
    """
    if "vi_history" in tree.children:
        return float(tree["predictions"]["p"].sizes["draw"])
    return float(prediction_convergence(tree)["p_ess_bulk"].median())


def convergence_table(tree: xr.DataTree) -> pd.DataFrame:
    """Worst and median R-hat and ESS: of the test predictions and of the aligned weights.

    Returns
    -------
    pandas.DataFrame
        One row per quantity (``p`` then ``w0``, ``b0``, ``w1``, ``b1`` aligned);
        columns ``max R-hat``, ``median R-hat``, ``min ESS bulk``, ``median ESS bulk``,
        ``min ESS tail``.
    """
    aligned, _ = align_hidden_units(tree["posterior"].to_dataset())
    stats = xr.merge([prediction_convergence(tree), _rhat_ess(aligned)])
    rows = {}
    for name in ("p", "w0", "b0", "w1", "b1"):
        rhat = stats[f"{name}_rhat"]
        ess, tail = stats[f"{name}_ess_bulk"], stats[f"{name}_ess_tail"]
        label = "p (function space)" if name == "p" else f"{name} (aligned)"
        rows[label] = {
            "max R-hat": float(rhat.max()),
            "median R-hat": float(rhat.median()),
            "min ESS bulk": float(ess.min()),
            "median ESS bulk": float(ess.median()),
            "min ESS tail": float(tail.min()),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def nuts_verdict(sampler: pd.DataFrame, convergence: pd.DataFrame) -> tuple[bool, str]:
    """Judge a NUTS run in plain words from :func:`sampler_table` and :func:`convergence_table`.

    Returns
    -------
    ok : bool
        Whether nothing calls for caution.
    text : str
        The verdict, one paragraph.
    """
    notes = []
    divergences = int(sampler["divergences"].sum())
    if divergences:
        notes.append(f"{divergences} divergent transitions: parts of the posterior may be missed")
    saturated = float(sampler["at max tree depth"].mean())
    if saturated > 0.1:
        notes.append(
            f"{saturated:.0%} of draws hit the maximum tree depth: the sampler moves slowly"
        )
    p = convergence.loc["p (function space)"]
    if np.isnan(p["max R-hat"]):
        notes.append("R-hat needs at least two chains: convergence cannot be judged")
    elif p["max R-hat"] > RHAT_MAX or p["min ESS bulk"] < ESS_MIN:
        notes.append(
            f"the chains disagree on some predictions (max R-hat {p['max R-hat']:.3f}, "
            f"min bulk ESS {p['min ESS bulk']:.0f}; want R-hat <= {RHAT_MAX} and "
            f"ESS >= {ESS_MIN}): treat predictive uncertainties as approximate"
        )
    if not notes:
        return True, (
            "Converged: no divergences, and the chains agree on every test prediction "
            f"(R-hat <= {RHAT_MAX}, bulk ESS >= {ESS_MIN})."
        )
    return False, "Caution: " + "; ".join(notes) + "."


def psis_khat(tree: xr.DataTree) -> float:
    """Pareto k-hat of the importance ratios p(θ, y) / q(θ) over the ADVI draws.

    Below 0.5 the approximation is good; up to 0.7 usable; above 0.7 unreliable
    (Yao, Vehtari, Simpson & Gelman 2018, "Yes, but did it work?"). Minus infinity
    when every ratio is the same; NaN with fewer than :data:`PSIS_MIN_DRAWS` draws, too
    few for the tail fit.
    """
    stats = tree["sample_stats"]
    log_ratio = stats["lp"] - stats["log_q"]
    if log_ratio.size < PSIS_MIN_DRAWS:
        return np.nan
    if float(log_ratio.max() - log_ratio.min()) < 1e-12:
        return -np.inf  # equal ratios: q is the posterior up to a constant
    # psislw takes log-likelihood-like values and smooths exp(-values), as in PSIS-LOO
    _, khat = (-log_ratio).stack(sample=SAMPLE_DIMS).azstats.psislw(dim="sample")
    return float(khat)


def advi_verdict(khat: float, converged: bool) -> tuple[bool, str]:
    """Judge an ADVI fit in plain words from its k-hat and whether its loss converged.

    Returns
    -------
    ok : bool
        Whether the loss converged and k-hat is at most :data:`KHAT_MAX`.
    text : str
        The verdict, one paragraph.
    """
    stop = "The loss converged" if converged else "The loss had NOT converged at max_steps"
    if np.isnan(khat):
        quality = f"too few draws (< {PSIS_MIN_DRAWS}) to estimate Pareto k-hat"
    elif khat > KHAT_MAX:
        quality = (
            f"Pareto k-hat {khat:.2f} > {KHAT_MAX}: the mean-field approximation is far from "
            "the posterior, so its uncertainties should not be trusted"
        )
    elif khat > 0.5:
        quality = f"Pareto k-hat {khat:.2f}: the approximation is usable but rough"
    else:
        quality = f"Pareto k-hat {khat:.2f}: the approximation is close to the posterior"
    return converged and khat <= KHAT_MAX, f"{stop}; {quality}."


def loss_trace(tree: xr.DataTree, *, window: int = 100) -> xr.Dataset:
    """Return the ADVI loss per step and its trailing running mean over ``window`` steps.

    Returns
    -------
    xarray.Dataset
        Dim ``iteration``: ``loss`` and ``running_mean``; attrs ``converged`` and
        ``steps``.
    """
    loss = tree["vi_history"]["loss"]
    running = loss.to_pandas().rolling(window, min_periods=1).mean().to_numpy()
    return xr.Dataset(
        {"loss": loss, "running_mean": ("iteration", running)},
        attrs={
            "converged": int(tree["vi_history"].attrs.get("converged", 0)),
            "steps": loss.sizes["iteration"],
        },
    )
