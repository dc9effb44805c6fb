"""Expected log predictive density by PSIS-LOO, from a file's stored log-likelihood.

arviz-stats computes it from the file's ``log_likelihood`` group
(:mod:`inference.posterior.pointwise`): ``loo_approximate_posterior`` for an
approximation that stores each draw's log p(θ, y) and log q(θ) (``lp``, ``log_q``), which
corrects for drawing from q rather than the posterior; ``loo`` for every other file.

The log-likelihood is the fitted one: under row weights it scores the weighted training
rows, not the raw data, so two files' elpd compare only when they share the likelihood,
the balance and the training rows (:func:`elpd_scope`).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass

import arviz_stats as azs
import numpy as np
import pandas as pd
import xarray as xr
from arviz_stats.utils import ELPDData

from common.digest import arrays_sha256

__all__ = ["ELPD_COLUMNS", "Elpd", "ElpdComparison", "compare_elpd", "elpd_loo", "elpd_scope"]

#: The columns of :attr:`ElpdComparison.table`: elpd-LOO, its se, the largest Pareto k̂,
#: and the difference to the highest elpd (0 or below, as arviz-stats' ``compare`` gives
#: it) with its se.
ELPD_COLUMNS = ("elpd_loo", "elpd_loo_se", "elpd_loo_khat", "elpd_diff", "elpd_diff_se")


@dataclass(frozen=True)
class Elpd:
    """A file's PSIS-LOO: the sum, its standard error and the Pareto k̂ of its rows.

    Attributes
    ----------
    elpd, se, p : float
        elpd-LOO, its standard error and the effective number of parameters.
    khat_max : float
        The largest Pareto k̂ over the training rows.
    bad_share : float
        Share of rows whose k̂ exceeds ``good_k``: their terms are not reliable.
    good_k : float
        arviz-stats' threshold for this many draws.
    kind : str
        ``"loo"``, or ``"loo_approximate_posterior"`` (importance-corrected for q).
    data : arviz_stats.utils.ELPDData or None
        arviz-stats' own result, for ``azs.compare``; None where it could not be computed.
    problem : str or None
        Why it could not be computed (the numbers are then NaN).
    """

    elpd: float
    se: float
    p: float
    khat_max: float
    bad_share: float
    good_k: float
    kind: str
    data: ELPDData | None
    problem: str | None = None


def elpd_loo(tree: xr.DataTree) -> Elpd | None:
    """PSIS-LOO of a posterior file's training rows; None for a file without log-likelihood.

    Examples
    --------
    >>> from inference.testing import tiny_posterior_file
    >>> loo = elpd_loo(tiny_posterior_file("advi"))
    >>> loo.kind, bool(loo.elpd < 0 < loo.se)
    ('loo_approximate_posterior', True)
    >>> loo = elpd_loo(tiny_posterior_file("nuts"))
    >>> loo.kind
    'loo'
    """
    if "log_likelihood" not in tree.children:
        return None
    stats = tree["sample_stats"]
    approximate = {"lp", "log_q"} <= set(stats.data_vars)
    kind = "loo_approximate_posterior" if approximate else "loo"
    with warnings.catch_warnings():  # the k-hat it warns of is reported in the result
        warnings.simplefilter("ignore")
        try:
            if approximate:
                data = azs.loo_approximate_posterior(tree, log_p=stats["lp"], log_q=stats["log_q"])
            else:
                data = azs.loo(tree)
        except ValueError as err:  # e.g. resampled draws so repeated that no tail is left
            distinct = len(np.unique(tree["posterior"]["b1"].to_numpy()))
            problem = f"arviz-stats cannot smooth it ({err}; {distinct} distinct draws)"
            nan = float("nan")
            return Elpd(nan, nan, nan, nan, nan, nan, kind, None, problem)
    khat = np.asarray(data.pareto_k)
    return Elpd(
        elpd=float(data.elpd),
        se=float(data.se),
        p=float(data.p),
        khat_max=float(np.max(khat)),
        bad_share=float(np.mean(khat > data.good_k)),
        good_k=float(data.good_k),
        kind=kind,
        data=data,
    )


def elpd_scope(tree: xr.DataTree) -> str:
    """Digest what a file's elpd scores: its likelihood, balance and training rows.

    Two files' elpd-LOO compare only when their scopes are equal.

    Examples
    --------
    >>> from inference.testing import tiny_posterior_file
    >>> a, b = tiny_posterior_file("advi"), tiny_posterior_file("nuts")
    >>> elpd_scope(a) == elpd_scope(b)
    True
    >>> b["constant_data"]["weight"][0] = 2.0
    >>> elpd_scope(a) == elpd_scope(b)
    False
    """
    config = json.loads(tree.attrs.get("config", "{}"))
    rows = (("constant_data", "X"), ("constant_data", "weight"), ("observed_data", "y"))
    return arrays_sha256(
        *(tree[group][name].to_numpy() for group, name in rows),
        text=tuple(str(config.get(key)) for key in ("likelihood", "balance")),
    )


@dataclass(frozen=True)
class ElpdComparison:
    """Files' elpd-LOO side by side (:func:`compare_elpd`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per file, columns :data:`ELPD_COLUMNS`; NaN where not shown.
    sentence : str
        What the numbers say, the highest first, and which files are not shown and why.
    """

    table: pd.DataFrame
    sentence: str


def compare_elpd(files: dict[str, xr.DataTree], elpds: dict[str, Elpd | None]) -> ElpdComparison:
    """Compare files' elpd-LOO where they score the same rows as the first file.

    Parameters
    ----------
    files : dict of str to xarray.DataTree
        The files by label; the first sets the scope (:func:`elpd_scope`).
    elpds : dict of str to Elpd or None
        Each file's :func:`elpd_loo`.

    Examples
    --------
    >>> from inference.testing import tiny_posterior_file
    >>> files = {m: tiny_posterior_file(m) for m in ("nuts", "advi")}
    >>> files["old"] = tiny_posterior_file("advi", seed=1)
    >>> del files["old"]["log_likelihood"]
    >>> result = compare_elpd(files, {k: elpd_loo(t) for k, t in files.items()})
    >>> result.table["elpd_loo"].notna().tolist()
    [True, True, False]
    >>> "old: no log_likelihood group" in result.sentence
    True
    """
    scope = elpd_scope(next(iter(files.values())))
    why = {}
    for label, tree in files.items():
        if elpds[label] is None:
            why[label] = "no log_likelihood group in the file"
        elif elpds[label].problem:
            why[label] = elpds[label].problem
        elif elpd_scope(tree) != scope:
            why[label] = (
                "another likelihood, balance or training rows, so its elpd scores other data"
            )
    shown = [label for label in files if label not in why]
    table = pd.DataFrame(np.nan, index=list(files), columns=list(ELPD_COLUMNS))
    for label in shown:
        loo = elpds[label]
        table.loc[label, ["elpd_loo", "elpd_loo_se", "elpd_loo_khat"]] = (
            loo.elpd,
            loo.se,
            loo.khat_max,
        )
    sentence = ""
    if len(shown) > 1:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ranked = azs.compare({label: elpds[label].data for label in shown}, round_to="none")
        table.loc[ranked.index, "elpd_diff"] = ranked["elpd_diff"].astype(float)
        table.loc[ranked.index, "elpd_diff_se"] = ranked["dse"].astype(float)
        sentence = _ranking(table, ranked.index.tolist())
    elif shown:
        best = shown[0]
        sentence = f"elpd-LOO of {best}: {table.loc[best, 'elpd_loo']:.1f} ± " + (
            f"{table.loc[best, 'elpd_loo_se']:.1f}."
        )
    unreliable = [label for label in shown if elpds[label].bad_share > 0]
    if unreliable:
        sentence += (
            f" Pareto k̂ above arviz-stats' threshold on some training rows of "
            f"{', '.join(unreliable)}: their elpd-LOO is not reliable."
        )
    sentence += "".join(f" Not shown for {label}: {reason}." for label, reason in why.items())
    return ElpdComparison(table=table, sentence=sentence.strip())


def _ranking(table: pd.DataFrame, order: list[str]) -> str:
    best, second = order[:2]
    diff, dse = -table.loc[second, "elpd_diff"], table.loc[second, "elpd_diff_se"]
    line = (
        f"elpd-LOO of the training rows (as fitted, row weights applied): highest {best} "
        f"({table.loc[best, 'elpd_loo']:.1f} ± {table.loc[best, 'elpd_loo_se']:.1f}), "
        f"{diff:.1f} ± {dse:.1f} above {second}"
    )
    if not diff > 2 * dse:
        line += ", within two standard errors of the difference: not evidence"
    return line + "."
