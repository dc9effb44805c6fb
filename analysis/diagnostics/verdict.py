"""The one rule every verdict follows: the most serious finding first, each about something.

A verdict is a list of findings, each about one subject (the pooled prediction, each
chain, the sampler, the approximation, the particles) and of one :data:`SEVERITY`. It is
written with the most serious finding first, so that what governs the reading leads:
a number that cannot be measured, then a result that does not hold, then cautions, then
what holds, then plain facts. Findings of the same severity keep their given order.

Examples
--------
>>> print(words([Finding("holds", "The pooled prediction", "is stable to its stated error"),
...              Finding("caution", "Chains 1 and 3", "have not converged in their mode")]))
Caution: chains 1 and 3 have not converged in their mode. The pooled prediction is stable
to its stated error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["SEVERITY", "Finding", "Severity", "judged_ok", "words"]

Severity = Literal["unmeasurable", "fails", "caution", "holds", "fact"]
#: From the most serious to the least: the order a verdict is written in.
SEVERITY: tuple[Severity, ...] = ("unmeasurable", "fails", "caution", "holds", "fact")
#: The word a finding of each severity opens with (none for what holds, "Also" for facts).
_OPENING = {"unmeasurable": "Not measurable", "fails": "Not trustworthy", "caution": "Caution"}


@dataclass(frozen=True)
class Finding:
    """One statement of a verdict: how serious, what it is about, what it says of it."""

    severity: Severity
    subject: str
    text: str

    def sentence(self) -> str:
        """Return the finding as a sentence: its subject, then what it says."""
        return f"{self.subject} {self.text}."


def judged_ok(findings: list[Finding]) -> bool:
    """Whether nothing calls for caution: every finding holds or is a fact."""
    return all(f.severity in ("holds", "fact") for f in findings)


def words(findings: list[Finding]) -> str:
    """Write the findings, the most serious first, each severity opened once.

    Facts come last, after "Also:"; the first finding of each serious severity opens with
    its word ("Not measurable:", "Not trustworthy:", "Caution:").
    """
    ordered = sorted(findings, key=lambda f: SEVERITY.index(f.severity))
    parts, opened = [], set()
    for finding in ordered:
        sentence = finding.sentence()
        opening = _OPENING.get(finding.severity, "Also" if finding.severity == "fact" else None)
        if opening and finding.severity not in opened:
            lead = sentence[0] if sentence[:2].isupper() else sentence[0].lower()  # "SVGD's"
            sentence = f"{opening}: {lead}{sentence[1:]}"
        opened.add(finding.severity)
        parts.append(sentence)
    return " ".join(parts)
