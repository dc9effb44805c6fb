"""Diagnostics of Markov chains that respect the network's symmetries (NUTS).

Sampler statistics per chain, and R-hat / ESS of the predicted probabilities (function
space, immune to relabelled hidden units) and of the weights after aligning the hidden
units across chains, from arviz-stats' diagnostics summary.
"""

from __future__ import annotations

from dataclasses import dataclass

import arviz_stats as azs
import numpy as np
import pandas as pd
import xarray as xr

from analysis.metrics import SAMPLE_DIMS

__all__ = [
    "ESS_MIN",
    "RHAT_MAX",
    "ChainDiagnostics",
    "chain_diagnostics",
    "convergence_table",
    "nuts_verdict",
    "rhat_ess",
    "sampler_table",
]

#: Thresholds of a converged run (Vehtari et al. 2021): R-hat at most, bulk ESS at least.
RHAT_MAX = 1.01
ESS_MIN = 400
#: Rows of the convergence table: the variable, and how it is labelled there.
_ROWS = {
    "p": "p (function space)",
    "w0": "w0 (aligned)",
    "b0": "b0 (aligned)",
    "w1": "w1 (aligned)",
    "b1": "b1 (aligned)",
}


@dataclass(frozen=True)
class ChainDiagnostics:
    """Diagnostics of a method whose draws are Markov chains.

    Attributes
    ----------
    sampler : pandas.DataFrame
        :func:`sampler_table`.
    convergence : pandas.DataFrame
        :func:`convergence_table`.
    prediction_rhat : pandas.Series
        R-hat of each test simulation's predicted probability.
    ess_p : float
        Function-space ESS: the median bulk ESS of the test predictions.
    ok : bool
        Whether nothing calls for caution.
    verdict : str
        The verdict in words.
    """

    sampler: pd.DataFrame
    convergence: pd.DataFrame
    prediction_rhat: pd.Series
    ess_p: float
    ok: bool
    verdict: str


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


def rhat_ess(data: xr.Dataset) -> pd.DataFrame:
    """R-hat, bulk and tail ESS of every element of ``data`` (arviz-stats' summary).

    Returns
    -------
    pandas.DataFrame
        One row per element (``"w0[height, 3]"``), columns ``variable``, ``r_hat``,
        ``ess_bulk``, ``ess_tail``.
    """
    frame = azs.summary(data, kind="diagnostics", sample_dims=list(SAMPLE_DIMS), round_to="none")
    frame = frame[["r_hat", "ess_bulk", "ess_tail"]].astype(float)
    return frame.assign(variable=frame.index.str.split("[").str[0])


def convergence_table(elements: pd.DataFrame) -> pd.DataFrame:
    """Worst and median R-hat and ESS per variable, from :func:`rhat_ess`.

    Returns
    -------
    pandas.DataFrame
        One row per quantity (``p`` then ``w0``, ``b0``, ``w1``, ``b1`` aligned);
        columns ``max R-hat``, ``median R-hat``, ``min ESS bulk``, ``median ESS bulk``,
        ``min ESS tail``.
    """
    grouped = elements.groupby("variable")
    table = pd.DataFrame(
        {
            "max R-hat": grouped["r_hat"].max(),
            "median R-hat": grouped["r_hat"].median(),
            "min ESS bulk": grouped["ess_bulk"].min(),
            "median ESS bulk": grouped["ess_bulk"].median(),
            "min ESS tail": grouped["ess_tail"].min(),
        }
    )
    return table.loc[list(_ROWS)].rename(index=_ROWS)


def chain_diagnostics(tree: xr.DataTree, *, aligned: xr.Dataset) -> ChainDiagnostics:
    """Judge the chains of a posterior file whose hidden units are already aligned.

    Parameters
    ----------
    tree : xarray.DataTree
        A posterior file of a method with Markov chains.
    aligned : xarray.Dataset
        Its posterior with hidden units aligned across chains
        (:func:`analysis.alignment.align_hidden_units`).
    """
    elements = rhat_ess(xr.merge([tree["predictions"].to_dataset(), aligned]))
    p = elements[elements["variable"] == "p"]
    sampler = sampler_table(tree)
    convergence = convergence_table(elements)
    ok, verdict = nuts_verdict(sampler, convergence)
    return ChainDiagnostics(
        sampler=sampler,
        convergence=convergence,
        prediction_rhat=p["r_hat"],
        ess_p=float(p["ess_bulk"].median()),
        ok=ok,
        verdict=verdict,
    )


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
