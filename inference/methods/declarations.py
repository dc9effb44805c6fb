"""What a method declares, as data, for its diagnostics and its report.

A method's row in the method table (:class:`inference.methods.registry.Method`) says how
its draws are judged (:class:`Psis`, :class:`Movement` or :class:`Chains`) and what of
its own stored groups the report shows (:class:`Reported`: attrs as facts, variables as
tables and as line figures). :mod:`analysis` computes and :mod:`reports` renders these
declarations generically: neither names a method. Plain data, importing nothing.

Examples
--------
A per-chain table of two variables of a group, reduced over ``draw``:

>>> Table(group="sample_stats", rows="chain",
...       columns=(Column("divergences", "diverging", "sum"),
...                Column("step size", "step_size", "mean"))).columns[0].reduce
'sum'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "Chains",
    "Column",
    "Fact",
    "Lines",
    "Movement",
    "Panel",
    "Psis",
    "Reported",
    "Rule",
    "SamplerWarning",
    "Table",
]

#: How a column is made from a stored variable: as stored (it has the table's row dim),
#: summed or averaged over its other dims, or the last element of each row (elements
#: along another dim, assigned to rows by the table's ``per`` variable).
Reduce = Literal["value", "sum", "mean", "last"]


@dataclass(frozen=True)
class Fact:
    """An attr of a stored group, shown under a reader's name when the file has it."""

    group: str
    attr: str
    label: str


@dataclass(frozen=True)
class Column:
    """One column of a :class:`Table`: its label, the stored variable, its reduction."""

    label: str
    variable: str
    reduce: Reduce = "value"


@dataclass(frozen=True)
class Table:
    """A table of a stored group's variables, one row per element of ``rows``.

    ``per`` names a variable assigning each element of another dim to a row (SMC's
    ``step_chain``), for the columns reduced by ``"last"``. ``digits`` rounds the shown
    values (None: the report's default).
    """

    group: str
    rows: str
    columns: tuple[Column, ...]
    per: str | None = None
    digits: int | None = None


@dataclass(frozen=True)
class Panel:
    """One panel of a :class:`Lines` figure: a variable, its axis label and scale."""

    variable: str
    label: str
    log: bool = False
    limits: tuple[float, float] | None = None


@dataclass(frozen=True)
class Lines:
    """A figure of a stored group: one panel per variable, one line per value of ``per``.

    Each line runs along the group's dim ``along``, element by element within its ``per``
    value (the x axis: ``xlabel``).
    """

    group: str
    along: str
    per: str
    xlabel: str
    panels: tuple[Panel, ...]
    caption: str


@dataclass(frozen=True)
class SamplerWarning:
    """A warning drawn from a column of the sampler table, in the verdict's words.

    ``test``: ``"total_above"`` (the column's sum above ``limit``; ``message`` takes
    ``{value}``), ``"mean_above"`` (its mean; ``{value}``), ``"chains_below"`` (the chains
    whose value is below ``limit``; ``{chains}``) or ``"chains_below_median_share"``
    (below ``limit`` times the median; ``{chains}``).
    """

    column: str
    test: Literal["total_above", "mean_above", "chains_below", "chains_below_median_share"]
    limit: float
    message: str


@dataclass(frozen=True)
class Psis:
    """Independent draws judged by PSIS k-hat of ``lp − log_q`` in stored ``group``.

    ``group``: where the proposals' ``lp`` and ``log_q`` are (the draws' own
    ``sample_stats``, or the pool the draws were resampled from).
    """

    group: str = "sample_stats"


@dataclass(frozen=True)
class Movement:
    """Independent draws with no density (particles), judged by how far they still moved.

    ``variable`` of ``group``: the mean movement per window of steps; ``subject`` names
    the draws in the verdict, ``more`` the option that gives them more steps.
    """

    group: str
    variable: str
    subject: str
    more: str


@dataclass(frozen=True)
class Chains:
    """Markov chains (or independent runs), judged by R-hat, ESS and their modes.

    ``sampler``: the per-chain table of the sampler's statistics; ``warnings``: what the
    verdict says of it.
    """

    sampler: Table
    warnings: tuple[SamplerWarning, ...] = ()


#: How a method's draws are judged.
Rule = Psis | Movement | Chains


@dataclass(frozen=True)
class Reported:
    """What the report shows of what the method's library stored about its fit."""

    facts: tuple[Fact, ...] = ()
    tables: tuple[Table, ...] = ()
    figures: tuple[Lines, ...] = ()
