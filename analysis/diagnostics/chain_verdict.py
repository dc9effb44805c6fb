"""The verdict on Markov chains (NUTS, SMC runs) in plain words: how far to trust their pooling.

From the tables of :mod:`analysis.diagnostics.chains` and the figures of
:mod:`analysis.diagnostics.modes`.
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

from analysis.diagnostics.modes import CHAIN_RHAT_MAX, CHAIN_SHARE, MCSE_TARGET
from analysis.diagnostics.verdict import Finding, judged_ok, words

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
    the question. The verdict judges the pooled mean prediction (stable to its stated
    chain-to-chain Monte Carlo error: at most :data:`analysis.diagnostics.modes.MCSE_TARGET`
    on average, and the last chain added moved it by less than that), each chain (which
    have not converged in their own mode, and the stacking weight they get) and the
    sampler (its warnings), and states the chains' modes and R-hat as facts; written by
    the one rule of :mod:`analysis.diagnostics.verdict`, the most serious finding first.

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
        return False, words(
            [
                Finding(
                    "unmeasurable",
                    "The pooled prediction",
                    "comes from one chain: its Monte Carlo error from the choice of mode "
                    "cannot be measured; run several chains",
                )
            ]
        )
    findings = [_pooled(n, mcse, saturation), *_each_chain(chains)]
    findings += [Finding("caution", "The sampler:", w) for w in warnings]
    modes = int(chains["mode"].nunique())
    p = convergence.loc["p (function space)"]
    findings += [
        Finding(
            "fact",
            "The chains",
            f"found {modes} distinct mode{'s' if modes > 1 else ''} (chains whose predictions "
            "agree within their own error are one)",
        ),
        Finding(
            "fact",
            "Across chains,",
            f"R-hat of p is at most {p['max R-hat']:.3f} and bulk ESS at least "
            f"{p['min ESS bulk']:.0f} (chains in different modes need not pass R-hat <= "
            f"{RHAT_MAX}; the pooled prediction's error is what counts)",
        ),
    ]
    return judged_ok(findings), words(findings)


def _pooled(n: int, mcse: xr.DataArray, saturation: pd.DataFrame) -> Finding:
    """Whether the pooled prediction is stable to its stated chain-to-chain error."""
    error, worst = float(mcse.mean()), float(mcse.max())
    moved = float(saturation["mean_abs_diff_to_all"].iloc[-2])
    stable = error <= MCSE_TARGET and moved <= MCSE_TARGET
    text = (
        f"of {n} chains {'is' if stable else 'is NOT'} stable to its stated error: it carries "
        f"a Monte Carlo error of {error:.4f} per test simulation on average (at most "
        f"{worst:.4f}), from which modes the chains found, and adding the last chain moved "
        f"it by {moved:.4f} on average"
        + ("" if stable else f" (want both <= {MCSE_TARGET}: more chains would move it)")
    )
    return Finding("holds" if stable else "fails", "The pooled prediction", text)


def _each_chain(chains: pd.DataFrame) -> list[Finding]:
    """Name the chains that have not converged in their own mode, with their weight."""
    unconverged = chains.index[~chains["converged"].astype(bool)].tolist()
    if not unconverged:
        return []
    weight = float(chains.loc[unconverged, "stacking weight"].sum())
    return [
        Finding(
            "caution",
            f"{len(unconverged)} of {len(chains)} chains ({', '.join(map(str, unconverged))})",
            f"have not converged in their own mode (within-chain R-hat of p <= "
            f"{CHAIN_RHAT_MAX} on fewer than {CHAIN_SHARE:.0%} of test simulations); "
            f"stacking gives them {weight:.0%} of the weight",
        )
    ]
