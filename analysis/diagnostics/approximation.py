"""Diagnostics of an approximation's independent draws (ADVI): loss trace and PSIS k-hat."""

from __future__ import annotations

from dataclasses import dataclass, field

import arviz_stats  # noqa: F401  (registers the .azstats accessor used by psis_khat)
import numpy as np
import pandas as pd
import xarray as xr

__all__ = [
    "KHAT_MAX",
    "PSIS_MIN_DRAWS",
    "ApproximationDiagnostics",
    "advi_verdict",
    "approximation_diagnostics",
    "draw_count",
    "library_facts",
    "loss_trace",
    "particles_verdict",
    "psis_khat",
]

#: Pareto k-hat above this: the approximation is unreliable (Yao et al. 2018).
KHAT_MAX = 0.7
#: Groups holding ``lp`` and ``log_q`` of an approximation's proposals, in the order read.
IMPORTANCE_GROUPS = ("sample_stats", "pathfinder")
#: Fewest draws whose largest 20 % give the five tail values a Pareto fit needs.
PSIS_MIN_DRAWS = 25


@dataclass(frozen=True)
class ApproximationDiagnostics:
    """Diagnostics of a method that draws independently from a fitted approximation.

    Attributes
    ----------
    khat : float
        :func:`psis_khat`.
    trace : xarray.Dataset or None
        :func:`loss_trace`, for a method that stores its loss.
    ess_p : float
        The number of draws: they are independent (draws of the approximation, not of
        the posterior).
    ok : bool
        Whether the fit converged and k-hat is at most :data:`KHAT_MAX`.
    verdict : str
        The verdict in words.
    library : dict
        What the fitting library reported about its fit, by name (:func:`library_facts`).
    paths : pandas.DataFrame or None
        Pathfinder's paths: best ``elbo`` and L-BFGS ``iterations`` per path.
    """

    khat: float
    trace: xr.Dataset | None
    ess_p: float
    ok: bool
    verdict: str
    library: dict = field(default_factory=dict)
    paths: pd.DataFrame | None = None


def draw_count(tree: xr.DataTree) -> float:
    """Count a file's draws: the ESS of independent draws (of the approximation)."""
    p = tree["predictions"]["p"]
    return float(p.sizes["chain"] * p.sizes["draw"])


def approximation_diagnostics(tree: xr.DataTree) -> ApproximationDiagnostics:
    """Judge the approximation of a posterior file from what its fit stored."""
    khat = psis_khat(tree)
    trace = loss_trace(tree) if "vi_history" in tree.children else None
    converged = None if trace is None else bool(trace.attrs["converged"])
    if "svgd" in tree.children:
        ok, verdict = particles_verdict(tree["svgd"]["shift"].to_numpy())
    else:
        ok, verdict = advi_verdict(khat, converged)
    paths = None
    if "pathfinder" in tree.children:
        paths = tree["pathfinder"].to_dataset()[["elbo", "iterations"]].to_dataframe()
    return ApproximationDiagnostics(
        khat=khat,
        trace=trace,
        ess_p=draw_count(tree),
        ok=ok,
        verdict=verdict,
        library=library_facts(tree),
        paths=paths,
    )


#: What a fit's library reported, where it is kept, and how the report names it.
_LIBRARY_FACTS = {
    ("pathfinder", "pareto_k"): "BlackJAX's PSIS k-hat of the pool",
    ("pathfinder", "distinct_draws"): "distinct draws kept by resampling",
    ("sample_stats", "floored_directions"): "Hessian directions floored",
    ("sample_stats", "mode_lp"): "log density at the best mode",
    ("sample_stats", "members"): "members",
    ("vi_history", "meanfield_steps"): "mean-field steps before full rank",
    ("svgd", "particles"): "particles",
    ("svgd", "steps"): "steps",
}


def library_facts(tree: xr.DataTree) -> dict[str, float]:
    """Return what the fitting library stored about its fit, named for a reader.

    Examples
    --------
    >>> from inference.testing import tiny_posterior_file
    >>> library_facts(tiny_posterior_file("advi"))
    {}
    """
    return {
        name: float(tree[group].attrs[key])
        for (group, key), name in _LIBRARY_FACTS.items()
        if group in tree.children and key in tree[group].attrs
    }


def psis_khat(tree: xr.DataTree) -> float:
    """Pareto k-hat of the importance ratios p(θ, y) / q(θ) over the approximation's draws.

    Below 0.5 the approximation is good; up to 0.7 usable; above 0.7 unreliable
    (Yao, Vehtari, Simpson & Gelman 2018, "Yes, but did it work?"). Minus infinity
    when every ratio is the same; NaN with fewer than :data:`PSIS_MIN_DRAWS` draws, too
    few for the tail fit, or without a density q (SVGD's particles).
    """
    log_ratio = _log_ratios(tree)
    if log_ratio is None or log_ratio.size < PSIS_MIN_DRAWS:
        return np.nan
    if float(log_ratio.max() - log_ratio.min()) < 1e-12:
        return -np.inf  # equal ratios: q is the posterior up to a constant
    # psislw takes log-likelihood-like values and smooths exp(-values), as in PSIS-LOO
    _, khat = (-log_ratio).stack(sample=log_ratio.dims).azstats.psislw(dim="sample")
    return float(khat)


def _log_ratios(tree: xr.DataTree) -> xr.DataArray | None:
    """Return log p − log q over the draws the approximation q proposed.

    These are the stored draws' own, or, where the draws were importance-resampled
    (Pathfinder), those of the pool they were resampled from.
    """
    for group in IMPORTANCE_GROUPS:
        if group in tree.children and {"lp", "log_q"} <= set(tree[group].data_vars):
            return tree[group]["lp"] - tree[group]["log_q"]
    return None  # no density to judge the draws by (SVGD's particles)


def advi_verdict(khat: float, converged: bool | None) -> tuple[bool, str]:
    """Judge an approximation in plain words from its k-hat and whether its loss converged.

    ``converged`` is None for a method without an optimisation loss (Laplace).

    Returns
    -------
    ok : bool
        Whether the loss (if any) converged and k-hat is at most :data:`KHAT_MAX`.
    text : str
        The verdict, one paragraph.
    """
    stop = {True: "The loss converged", False: "The loss had NOT converged at max_steps"}
    if np.isnan(khat):
        quality = f"too few draws (< {PSIS_MIN_DRAWS}) to estimate Pareto k-hat"
    elif khat > KHAT_MAX:
        quality = (
            f"Pareto k-hat {khat:.2f} > {KHAT_MAX}: the approximation is far from "
            "the posterior, so its uncertainties should not be trusted"
        )
    elif khat > 0.5:
        quality = f"Pareto k-hat {khat:.2f}: the approximation is usable but rough"
    else:
        quality = f"Pareto k-hat {khat:.2f}: the approximation is close to the posterior"
    text = (
        f"{quality[0].upper()}{quality[1:]}."
        if converged is None
        else f"{stop[converged]}; {quality}."
    )
    return converged is not False and khat <= KHAT_MAX, text


#: SVGD's particles count as settled once a window moves them at most this share of the
#: first window's movement.
SETTLED_SHARE = 0.1


def particles_verdict(shift: np.ndarray) -> tuple[bool, str]:
    """Judge SVGD's particles, which have no density, by how far they still moved.

    Examples
    --------
    >>> particles_verdict(np.array([0.5, 0.1, 0.02]))[0]
    True
    >>> particles_verdict(np.array([0.5, 0.4]))[1][:40]
    "SVGD's particles have no density, so PSI"
    """
    lead = "SVGD's particles have no density, so PSIS k-hat is not defined"
    if shift.size == 0:
        return False, f"{lead}; too few steps were recorded to say whether they settled."
    settled = shift[-1] <= SETTLED_SHARE * shift[0]
    state = "settled" if settled else "were STILL MOVING (more --svgd-steps)"
    return bool(settled), (
        f"{lead}. In the last window of steps they moved {shift[-1]:.2g} per parameter on "
        f"average, against {shift[0]:.2g} in the first: they {state}."
    )


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
