"""Diagnostics of Markov chains that respect the network's symmetries (NUTS).

Sampler statistics per chain; R-hat / ESS of the predicted probabilities (function
space, immune to relabelled hidden units) and of the weights after aligning the hidden
units across chains, from arviz-stats' diagnostics summary; and, because the chains of
this network sit in different modes, how far the pooled prediction can be trusted
(:mod:`analysis.diagnostics.modes`): each chain judged in its own mode, the chain-to-chain Monte
Carlo error of the pooled prediction, the modes found and the chains' stacking weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import arviz_stats as azs
import numpy as np
import pandas as pd
import xarray as xr

from analysis.diagnostics.chain_verdict import ESS_MIN, RHAT_MAX, chains_verdict
from analysis.diagnostics.library_record import (
    LibraryRecord,
    library_record,
    sampler_warnings,
    tabulate,
)
from analysis.diagnostics.modes import (
    chain_ess,
    group_modes,
    per_chain_convergence,
    pooled_mcse,
    saturation,
)
from analysis.diagnostics.stacking import stacking_weights
from analysis.predictive.evaluator import training_loglik
from analysis.predictive.metrics import SAMPLE_DIMS, accuracy
from inference.methods.registry import METHODS

__all__ = [
    "ESS_MIN",
    "RHAT_MAX",
    "ChainDiagnostics",
    "chain_diagnostics",
    "chain_table",
    "chains_verdict",
    "convergence_table",
    "rhat_ess",
    "sampler_table",
]

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
    chains : pandas.DataFrame
        :func:`chain_table`: each chain judged in its own mode, its test accuracy, its
        mode and its stacking weight.
    mcse : xarray.DataArray
        Chain-to-chain Monte Carlo error of the pooled mean p per test simulation
        (:func:`analysis.diagnostics.modes.pooled_mcse`).
    saturation : pandas.DataFrame
        :func:`analysis.diagnostics.modes.saturation`: the pooled prediction as chains are added.
    pooled : xarray.DataArray
        The mean p per test simulation over every draw alike.
    stacked : xarray.DataArray
        The mean p per test simulation with the chains weighted by their stacking
        weights.
    library : LibraryRecord
        What the fitting library reported about its fit, as its method declares (SMC's
        tempering).
    """

    sampler: pd.DataFrame
    convergence: pd.DataFrame
    prediction_rhat: pd.Series
    ess_p: float
    ok: bool
    verdict: str
    chains: pd.DataFrame
    mcse: xr.DataArray
    saturation: pd.DataFrame
    pooled: xr.DataArray
    stacked: xr.DataArray
    library: LibraryRecord = field(default_factory=LibraryRecord)

    @property
    def modes(self) -> int:
        """Number of distinct modes the chains found."""
        return int(self.chains["mode"].nunique())

    def summary(self) -> dict[str, float | int | list]:
        """Return the figures of how far the pooled prediction can be trusted, JSON-ready."""
        last = self.saturation["mean_abs_diff_to_all"]
        return {
            "chains": len(self.chains),
            "mcse_mean": float(self.mcse.mean()),
            "mcse_max": float(self.mcse.max()),
            "chains_converged": int(self.chains["converged"].sum()),
            "modes": self.modes,
            "stacking_weights": [float(w) for w in self.chains["stacking weight"]],
            "last_chain_moved_mean_abs": float(last.iloc[-2]) if len(last) > 1 else None,
        }


def sampler_table(tree: xr.DataTree) -> pd.DataFrame:
    """Per-chain sampler statistics, as the file's method declares them.

    NUTS: divergences, tree depth, step size, acceptance; SMC: stages, the last stage's
    acceptance and the log marginal likelihood (:data:`inference.methods.registry.METHODS`).

    Returns
    -------
    pandas.DataFrame
        Index ``chain``.
    """
    return tabulate(tree, METHODS[tree.attrs["method"]].judged_by.sampler)


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
        (:func:`inference.posterior.alignment.align_hidden_units`).
    """
    elements = rhat_ess(xr.merge([tree["predictions"].to_dataset(), aligned]))
    p_rhat = elements[elements["variable"] == "p"]
    sampler = sampler_table(tree)
    convergence = convergence_table(elements)
    p = tree["predictions"]["p"]
    y = tree["predictions_constant_data"]["y"].to_numpy()
    weights = stacking_weights(training_loglik(tree))
    chains = chain_table(p, y, weights=weights)
    mcse = pooled_mcse(p)
    curve = saturation(p, y)
    warnings = sampler_warnings(sampler, METHODS[tree.attrs["method"]].judged_by.warnings)
    ok, verdict = chains_verdict(warnings, convergence, chains=chains, mcse=mcse, saturation=curve)
    stacked = (p.mean("draw") * xr.DataArray(weights, dims="chain")).sum("chain")
    return ChainDiagnostics(
        sampler=sampler,
        convergence=convergence,
        prediction_rhat=p_rhat["r_hat"],
        ess_p=float(p_rhat["ess_bulk"].median()),
        ok=ok,
        verdict=verdict,
        chains=chains,
        mcse=mcse,
        saturation=curve,
        pooled=p.mean(SAMPLE_DIMS).rename("p_pooled"),
        stacked=stacked.rename("p_stacked"),
        library=library_record(tree),
    )


def chain_table(p: xr.DataArray, y: np.ndarray, *, weights: np.ndarray) -> pd.DataFrame:
    """Each chain on its own: converged in its mode, test accuracy, mode, stacking weight.

    Parameters
    ----------
    p : xarray.DataArray
        Predicted probabilities ``(chain, draw, test)``.
    y : numpy.ndarray
        The test labels.
    weights : numpy.ndarray
        The chains' stacking weights (:func:`analysis.diagnostics.stacking.stacking_weights`).

    Returns
    -------
    pandas.DataFrame
        :func:`analysis.diagnostics.modes.per_chain_convergence`'s columns, then ``accuracy``,
        ``mode`` (:func:`analysis.diagnostics.modes.group_modes`) and ``stacking weight``.
    """
    ess = chain_ess(p)
    table = per_chain_convergence(p, ess=ess)
    means = p.mean("draw").transpose("chain", ...).to_numpy()
    table["accuracy"] = accuracy(means, y)
    table["mode"] = group_modes(p, ess=ess)
    table["stacking weight"] = weights
    return table
