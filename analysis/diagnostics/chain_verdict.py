"""The verdict on Markov chains (NUTS, SMC runs) in plain words: how far to trust their pooling.

From the tables of :mod:`analysis.diagnostics.chains` and the figures of
:mod:`analysis.diagnostics.modes`.
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

from analysis.diagnostics.modes import CHAIN_RHAT_MAX, CHAIN_SHARE, MCSE_TARGET

__all__ = ["ESS_MIN", "RHAT_MAX", "chains_verdict"]

#: Thresholds of a converged run (Vehtari et al. 2021): R-hat at most, bulk ESS at least.
RHAT_MAX = 1.01
ESS_MIN = 400


def chains_verdict(
    warnings: list[str],
    convergence: pd.DataFrame,
    *,
    chains: pd.DataFrame,
    mcse: xr.DataArray,
    saturation: pd.DataFrame,
) -> tuple[bool, str]:
    """Judge chains in plain words: how far their pooled prediction can be trusted.

    The chains of this network sit in different modes, so R-hat across chains is not
    the question; the verdict says, in order: whether the pooled mean prediction is
    stable to its stated chain-to-chain Monte Carlo error (at most
    :data:`analysis.diagnostics.modes.MCSE_TARGET` on average, and the last chain added moved it by
    less than that), how many modes the chains found, which chains have not converged in
    their own mode (and the stacking weight they get), and the sampler's warnings.

    Parameters
    ----------
    warnings : list of str
        What the sampler table sets off, as the method declares
        (:func:`analysis.diagnostics.library_record.sampler_warnings`).
    convergence : pandas.DataFrame
        :func:`analysis.diagnostics.chains.convergence_table`.
    chains : pandas.DataFrame
        :func:`analysis.diagnostics.chains.chain_table`.
    mcse : xarray.DataArray
        :func:`analysis.diagnostics.modes.pooled_mcse`.
    saturation : pandas.DataFrame
        :func:`analysis.diagnostics.modes.saturation`.

    Returns
    -------
    ok : bool
        Whether nothing calls for caution.
    text : str
        The verdict, one paragraph.
    """
    n = len(chains)
    if n < 2:
        return False, (
            "Caution: one chain: the Monte Carlo error of its prediction from the choice "
            "of mode cannot be measured; run several chains."
        )
    error, worst = float(mcse.mean()), float(mcse.max())
    moved = float(saturation["mean_abs_diff_to_all"].iloc[-2])
    stable = error <= MCSE_TARGET and moved <= MCSE_TARGET
    headline = (
        f"{'Stable' if stable else 'NOT stable'} to its stated error: the pooled prediction "
        f"of {n} chains carries a Monte Carlo error of {error:.4f} per test simulation on "
        f"average (at most {worst:.4f}), from which modes the chains found, and adding the "
        f"last chain moved it by {moved:.4f} on average"
        + ("" if stable else f" (want both <= {MCSE_TARGET}: more chains would move it)")
        + "."
    )
    notes = []
    unconverged = chains.index[~chains["converged"].astype(bool)].tolist()
    if unconverged:
        weight = float(chains.loc[unconverged, "stacking weight"].sum())
        notes.append(
            f"{len(unconverged)} of {n} chains ({', '.join(map(str, unconverged))}) have not "
            f"converged in their own mode (within-chain R-hat of p <= {CHAIN_RHAT_MAX} on "
            f"fewer than {CHAIN_SHARE:.0%} of test simulations); stacking gives them "
            f"{weight:.0%} of the weight"
        )
    notes += warnings
    modes = int(chains["mode"].nunique())
    p = convergence.loc["p (function space)"]
    facts = [
        f"the chains found {modes} distinct mode{'s' if modes > 1 else ''} (chains whose "
        "predictions agree within their own error are one)",
        f"across chains, R-hat of p is at most {p['max R-hat']:.3f} and bulk ESS at least "
        f"{p['min ESS bulk']:.0f} (chains in different modes need not pass R-hat <= "
        f"{RHAT_MAX}; the error above is what counts)",
    ]
    text = headline + (" Caution: " + "; ".join(notes) + "." if notes else "")
    return stable and not notes, text + " Also: " + "; ".join(facts) + "."
