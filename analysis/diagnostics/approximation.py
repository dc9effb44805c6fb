"""Diagnostics of an approximation's independent draws: loss trace and PSIS k-hat.

Which rule applies is the method's (its row's ``judged_by``): PSIS k-hat of the stored
log densities, or, for draws without a density (particles), how far they still moved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import arviz_stats  # noqa: F401  (registers the .azstats accessor used by psis_khat)
import numpy as np
import xarray as xr

from analysis.diagnostics.library_record import LibraryRecord, library_record
from analysis.diagnostics.verdict import Finding, words
from inference.methods.declarations import Movement, Psis
from inference.methods.registry import METHODS

__all__ = [
    "KHAT_MAX",
    "PSIS_MIN_DRAWS",
    "ApproximationDiagnostics",
    "advi_verdict",
    "approximation_diagnostics",
    "draw_count",
    "loss_trace",
    "particles_verdict",
    "psis_khat",
]

#: Pareto k-hat above this: the approximation is unreliable (Yao et al. 2018).
KHAT_MAX = 0.7
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
    library : LibraryRecord
        What the fitting library reported about its fit, as its method declares.
    """

    khat: float
    trace: xr.Dataset | None
    ess_p: float
    ok: bool
    verdict: str
    library: LibraryRecord = field(default_factory=LibraryRecord)


def draw_count(tree: xr.DataTree) -> float:
    """Count a file's draws: the ESS of independent draws (of the approximation)."""
    p = tree["predictions"]["p"]
    return float(p.sizes["chain"] * p.sizes["draw"])


def approximation_diagnostics(tree: xr.DataTree) -> ApproximationDiagnostics:
    """Judge the approximation of a posterior file from what its fit stored."""
    khat = psis_khat(tree)
    trace = loss_trace(tree) if "vi_history" in tree.children else None
    converged = None if trace is None else bool(trace.attrs["converged"])
    rule = METHODS[tree.attrs["method"]].judged_by
    if isinstance(rule, Movement):
        shift = tree[rule.group][rule.variable].to_numpy()
        ok, verdict = particles_verdict(shift, subject=rule.subject, more=rule.more)
    else:
        ok, verdict = advi_verdict(khat, converged)
    return ApproximationDiagnostics(
        khat=khat,
        trace=trace,
        ess_p=draw_count(tree),
        ok=ok,
        verdict=verdict,
        library=library_record(tree),
    )


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

    These are in the group the method's :class:`~inference.methods.declarations.Psis`
    rule names: the stored draws' own, or, where the draws were importance-resampled
    (Pathfinder), those of the pool they were resampled from.
    """
    rule = METHODS[tree.attrs["method"]].judged_by
    if not isinstance(rule, Psis) or rule.group not in tree.children:
        return None  # no density to judge the draws by (particles, chains)
    group = tree[rule.group]
    if not {"lp", "log_q"} <= set(group.data_vars):
        return None
    return group["lp"] - group["log_q"]


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
    subject = "The approximation"
    if np.isnan(khat):
        quality = Finding(
            "unmeasurable", subject, f"has too few draws (< {PSIS_MIN_DRAWS}) for Pareto k-hat"
        )
    elif khat > KHAT_MAX:
        quality = Finding(
            "fails",
            subject,
            f"is far from the posterior (Pareto k-hat {khat:.2f} > {KHAT_MAX}), so its "
            "uncertainties should not be trusted",
        )
    elif khat > 0.5:
        quality = Finding("caution", subject, f"is usable but rough (Pareto k-hat {khat:.2f})")
    else:
        quality = Finding("holds", subject, f"is close to the posterior (Pareto k-hat {khat:.2f})")
    findings = [quality]
    if converged is not None:
        findings.append(
            Finding("holds", "The approximation's loss", "converged")
            if converged
            else Finding("caution", "The approximation's loss", "had NOT converged at max_steps")
        )
    return converged is not False and khat <= KHAT_MAX, words(findings)


#: SVGD's particles count as settled once a window moves them at most this share of the
#: first window's movement.
SETTLED_SHARE = 0.1


def particles_verdict(
    shift: np.ndarray, *, subject: str = "The particles", more: str = "more steps"
) -> tuple[bool, str]:
    """Judge particles, which have no density, by how far they still moved.

    ``subject`` names them; ``more`` is the option that gives them more steps.

    Examples
    --------
    >>> particles_verdict(np.array([0.5, 0.1, 0.02]))[0]
    True
    >>> particles_verdict(np.array([0.5, 0.4]), subject="SVGD's particles")[1][:51]
    "Not trustworthy: SVGD's particles were STILL MOVING"
    """
    density = Finding("fact", subject, "have no density, so PSIS k-hat is not defined")
    if shift.size == 0:
        moved = Finding(
            "unmeasurable", subject, "moved over too few recorded steps to say if they settled"
        )
        return False, words([moved, density])
    settled = bool(shift[-1] <= SETTLED_SHARE * shift[0])
    text = (
        f"{'settled' if settled else f'were STILL MOVING (more {more})'}: in the last window "
        f"of steps they moved {shift[-1]:.2g} per parameter on average, against "
        f"{shift[0]:.2g} in the first"
    )
    return settled, words([Finding("holds" if settled else "fails", subject, text), density])


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
