"""A comparison's headline: the numbers a reader needs first, and sentences from them.

:func:`headline` gives the numbers as JSON-ready values (keys documented in the README);
:func:`conclusion` writes a few sentences off them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.comparison.jackknife import Z95
from analysis.comparison.pairwise import NUMBERS, PAIRWISE
from analysis.comparison.two_files import Comparison
from analysis.diagnostics.approximation import KHAT_MAX

__all__ = ["conclusion", "headline", "verdict_line"]


def headline(comparison: Comparison) -> dict[str, Any]:
    """Pick the comparison's headline numbers, JSON-ready (keys documented in the README)."""
    a, b = comparison.labels
    return {
        "labels": [a, b],
        "test_set_sha256": comparison.fingerprint,
        "metrics": {
            label: {k: _json_number(v) for k, v in comparison.predictions[label].items()}
            for label in (a, b)
        },
        "agreement": _group(comparison, "agreement"),
        **_group(comparison, ""),
        "importance_rank": {
            label: [
                str(f)
                for f in comparison.importance.sel(run=label)
                .sortby("f1_drop", ascending=False)["feature"]
                .values
            ]
            for label in (a, b)
        },
        "weights": _group(comparison, "weights"),
        "cost": {
            label: {k: _json_number(v) for k, v in comparison.cost[label].items()}
            for label in (a, b)
        },
        "reference_intervals": _intervals(comparison),
        "chains": comparison.chains or {},
        "effect_sizes": _effects(comparison),
        "next_overlap": comparison.next_overlap,
        "elpd_loo": _elpd(comparison),
        "verdict": verdict_line(comparison),
    }


def _elpd(comparison: Comparison) -> dict[str, Any] | None:
    """Per run: elpd-LOO of the training rows, its se, largest k̂, difference to the best."""
    if comparison.elpd is None:
        return None
    table = comparison.elpd.table
    return {
        label: {k: _json_number(v) for k, v in table.loc[label].items()}
        for label in comparison.labels
    } | {"sentence": comparison.elpd.sentence}


def _group(comparison: Comparison, group: str) -> dict[str, float]:
    """Pick the pairwise numbers the JSON writes under ``group`` (``""``: the top level)."""
    return {n.name: float(comparison.numbers[n.name]) for n in PAIRWISE if n.group == group}


def _effects(comparison: Comparison) -> dict[str, dict[str, dict[str, float]]] | None:
    """Per run, per feature: the ALE and PD effect sizes."""
    if comparison.effects is None:
        return None
    table = comparison.effects
    return {
        label: {
            str(f): {k: float(table.loc[f, (label, k)]) for k in ("ale", "pd")} for f in table.index
        }
        for label in comparison.labels
    }


def _intervals(comparison: Comparison) -> dict[str, Any] | None:
    if comparison.intervals is None:
        return None
    return {
        "reference": comparison.reference,
        "method": "leave-one-chain-out jackknife of the reference's chains; 95 % normal "
        "interval (value ± 1.96 se)",
        "numbers": {
            name: {
                "value": _json_number(row["value"]),
                "se": _json_number(row["se"]),
                "lower": _json_number(row["lower"]),
                "upper": _json_number(row["upper"]),
                "null": _json_number(row["null"]),
                "exceeds_reference_spread": bool(row["exceeds"]) if row["measurable"] else None,
                "reading": str(row["reading"]),
            }
            for name, row in comparison.intervals.iterrows()
        },
    }


def _interval_line(comparison: Comparison) -> str:
    table = comparison.intervals
    if table is None:
        return (
            "No interval from the reference's chains: neither run has two or more Markov "
            "chains, so the reference's own Monte Carlo error is unknown."
        )
    chains = ", ".join(
        f"{NUMBERS[name].label} {row['value']:.4f} "
        + (f"± {Z95 * row['se']:.4f}" if row["measurable"] else f"({row['reading']})")
        for name, row in table.iterrows()
    )
    read = _readings(table)
    unmeasured = read["unmeasured"]
    verdict = (
        f"Beyond the reference's own spread: {', '.join(read['beyond']) or 'none'}; within it "
        f"(not distinguishable from the reference's Monte Carlo error): "
        f"{', '.join(read['within']) or 'none'}"
        + (
            f"; not measurable (the same on every leave-one-chain-out, an interval of no "
            f"width): {', '.join(unmeasured)}"
            if unmeasured
            else ""
        )
        + "."
    )
    return (
        f"Intervals from {comparison.reference}'s chain-to-chain variation (leave-one-chain-"
        f"out jackknife, 95 %): {chains}. {verdict}"
    )


def _readings(table: pd.DataFrame) -> dict[str, list[str]]:
    """Group the headline numbers' labels by reading: beyond, within, not measurable."""
    measurable = table["measurable"].astype(bool)
    return {
        "beyond": [NUMBERS[n].label for n in table.index[table["reading"] == "beyond"]],
        "within": [NUMBERS[n].label for n in table.index[table["reading"] == "within"]],
        "unmeasured": [NUMBERS[n].label for n in table.index[~measurable]],
    }


def verdict_line(comparison: Comparison) -> str:
    """Say in one line what governs the comparison: the differences the reference can resolve.

    First how many headline numbers differ beyond the reference's own chain-to-chain error
    (and which cannot be measured from its chains), then the elpd-LOO difference where it
    is more than two of its se, then test accuracy.

    Examples
    --------
    >>> from analysis import analyse_run, compare_runs
    >>> from inference.testing import tiny_posterior_file
    >>> files = [tiny_posterior_file(m) for m in ("advi", "nuts")]
    >>> runs = [analyse_run(tree, n_repeats=1, lazy=True) for tree in files]
    >>> verdict_line(compare_runs(*runs))[:45]
    'advi and nuts differ beyond the reference (nu'
    """
    a, b = comparison.labels
    table, m = comparison.intervals, comparison.predictions
    if table is None:
        lead = (
            f"{a} and {b} cannot be weighed against a reference's own error (neither has two "
            "or more Markov chains)"
        )
    else:
        read = _readings(table)
        beyond, unmeasured = read["beyond"], len(read["unmeasured"])
        lead = (
            f"{a} and {b} differ beyond the reference ({comparison.reference})'s own Monte "
            f"Carlo error in {len(beyond)} of {len(table)} headline numbers"
            + (f" ({', '.join(beyond)})" if beyond else "")
            + (f"; {unmeasured} not measurable from its chains" if unmeasured else "")
        )
    parts = [lead]
    elpd = None if comparison.elpd is None else comparison.elpd.table.dropna(subset=["elpd_diff"])
    if elpd is not None and len(elpd) == 2:
        better, worse = elpd["elpd_loo"].idxmax(), elpd["elpd_loo"].idxmin()
        gap, se = abs(elpd.loc[worse, "elpd_diff"]), elpd.loc[worse, "elpd_diff_se"]
        if np.isfinite(gap) and np.isfinite(se) and gap > 2 * se > 0:
            reliable = bool((elpd["elpd_loo_khat"] <= KHAT_MAX).all())
            parts.append(
                f"elpd-LOO favours {better} by {gap:.1f} ± {se:.1f}"
                + ("" if reliable else f" (Pareto k̂ above {KHAT_MAX}: not reliable)")
            )
    parts.append(f"test accuracy {m.loc['accuracy', a]:.4f} against {m.loc['accuracy', b]:.4f}")
    return "; ".join(parts) + "."


def _json_number(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _gradient_clause(cost: pd.DataFrame, *, labels: tuple[str, str]) -> str:
    counts = [cost.loc["gradient_evaluations", label] for label in labels]
    if not all(np.isfinite(counts)):
        return ""
    return f"; gradient evaluations {counts[0]:,.0f} vs {counts[1]:,.0f}"


def conclusion(comparison: Comparison) -> list[str]:
    """Write a few sentences off the numbers: how the two runs differ, and by how much."""
    a, b = comparison.labels
    m, cost = comparison.predictions, comparison.cost
    n = {str(name): float(value) for name, value in comparison.numbers.items()}
    better = a if m.loc["accuracy", a] > m.loc["accuracy", b] else b
    lines = [
        f"Test accuracy at threshold 0.5: {a} {m.loc['accuracy', a]:.4f}, "
        f"{b} {m.loc['accuracy', b]:.4f} ({better} higher by "
        f"{abs(m.loc['accuracy', a] - m.loc['accuracy', b]):.4f}); weighted F1 "
        f"{m.loc['f1_weighted', a]:.4f} vs {m.loc['f1_weighted', b]:.4f}.",
        f"The two give the same class to {n['class_agreement']:.1%} of the test "
        f"simulations; their mean predicted probabilities differ by "
        f"{n['mean_abs_diff']:.4f} on average.",
        f"{a}'s mean predictive std is {n['std_ratio']:.2f} × {b}'s "
        f"(correlation of the per-simulation stds {n['std_correlation']:.2f}).",
        f"After aligning hidden units, {a}'s posterior sd of the input weights w0 is on "
        f"average {n['mean_sd_ratio_w0']:.2f} × {b}'s, and of the output "
        f"weights w1 {n['mean_sd_ratio_w1']:.2f} ×.",
        f"Predictive std as a detector of misclassified cases (ROC AUC): "
        f"{a} {m.loc['std_error_auc', a]:.2f}, {b} {m.loc['std_error_auc', b]:.2f}.",
        f"Log loss {m.loc['log_loss', a]:.3f} vs {m.loc['log_loss', b]:.3f}; expected "
        f"calibration error {m.loc['ece', a]:.3f} vs {m.loc['ece', b]:.3f}.",
        *([comparison.elpd.sentence] if comparison.elpd and comparison.elpd.sentence else []),
        f"Feature-importance rankings agree with Kendall's τ = {n['kendall_tau_importance']:.2f}.",
        f"Fit time {cost.loc['fit_seconds', a]:.1f} s vs {cost.loc['fit_seconds', b]:.1f} s "
        f"({cost.loc['fit_seconds', b] / cost.loc['fit_seconds', a]:.1f}× for {b})"
        + _gradient_clause(cost, labels=(a, b))
        + ".",
        _interval_line(comparison),
        *_answer_lines(comparison),
    ]
    return lines


def _answer_lines(comparison: Comparison) -> list[str]:
    """Sentences on the response curves and the next simulations, if computed."""
    a, b = comparison.labels
    lines = []
    ratio = None
    if comparison.effects is not None:
        ratio = comparison.effects[("", "band ratio")].replace([np.inf, -np.inf], np.nan).dropna()
    if comparison.effects is not None and len(ratio):
        top = comparison.effects.index[0]
        lines.append(
            f"Response curves: {a}'s 90 % bands of the accumulated local effects are on "
            f"average {ratio.mean():.2f} × as wide as {b}'s ({ratio.idxmin()} "
            f"{ratio.min():.2f} ×, {ratio.idxmax()} {ratio.max():.2f} ×); the largest effect "
            f"by {a} is {top}'s: {comparison.effects.loc[top, (a, 'ale')]:.2f} against "
            f"{comparison.effects.loc[top, (b, 'ale')]:.2f} by {b}."
        )
    overlap = comparison.next_overlap
    if overlap is not None and overlap["same_pool"]:
        lines.append(
            f"Of the {overlap['k']} simulations each would run next (BALD over "
            f"{overlap['candidates']} Sobol candidates), {overlap['shared']} are the same."
        )
    return lines
