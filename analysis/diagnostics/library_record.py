"""What a method's library stored about its fit, computed from the method's declarations.

A method's row (:class:`inference.methods.registry.Method`) declares which attrs of its
stored groups are facts, which variables make tables and figures, and what its sampler
table warns of (:mod:`inference.methods.declarations`); this module computes them from a
file, for any method, without naming one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from inference.methods.declarations import Lines, SamplerWarning, Table
from inference.methods.registry import METHODS

__all__ = ["LibraryRecord", "library_record", "sampler_warnings", "tabulate"]


@dataclass(frozen=True)
class LibraryRecord:
    """What the report shows of a fitting library's own record.

    Attributes
    ----------
    facts : dict of str to float
        Reader's name -> value, for the declared attrs the file holds.
    tables : list of (pandas.DataFrame, int or None)
        Each declared table and the digits to show it with.
    figures : list of (xarray.Dataset, Lines)
        Each declared figure's group and its declaration, drawn by :mod:`reports`.
    """

    facts: dict[str, float] = field(default_factory=dict)
    tables: list[tuple[pd.DataFrame, int | None]] = field(default_factory=list)
    figures: list[tuple[xr.Dataset, Lines]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.facts or self.tables or self.figures)


def _column(group: xr.Dataset, table: Table, variable: str, reduce: str) -> np.ndarray:
    values = group[variable]
    if reduce == "last":
        per = group[table.per]
        last = {int(k): v.to_numpy()[-1] for k, v in values.groupby(per)}
        return np.array([last[int(row)] for row in group[table.rows].to_numpy()])
    others = [d for d in values.dims if d != table.rows]
    if reduce == "sum":
        return values.sum(others).to_numpy().astype(int)
    if reduce == "mean":
        return values.mean(others).to_numpy()
    return values.to_numpy()


def tabulate(tree: xr.DataTree, table: Table) -> pd.DataFrame:
    """Compute a declared table from a posterior file.

    Returns
    -------
    pandas.DataFrame
        One row per element of ``table.rows`` (the index, named so), one column per
        declared column.

    Examples
    --------
    >>> from inference.methods.declarations import Column
    >>> tree = xr.DataTree.from_dict({"s": xr.Dataset(
    ...     {"x": (("chain", "draw"), [[1, 0, 1], [0, 0, 0]])}, coords={"chain": [0, 1]})})
    >>> tabulate(tree, Table("s", "chain", (Column("ones", "x", "sum"),)))["ones"].tolist()
    [2, 0]
    """
    group = tree[table.group].to_dataset()
    return pd.DataFrame(
        {c.label: _column(group, table, c.variable, c.reduce) for c in table.columns},
        index=pd.Index(group[table.rows].to_numpy(), name=table.rows),
    )


def _chain_list(index: pd.Index) -> str:
    return ", ".join(map(str, index.tolist()))


def sampler_warnings(sampler: pd.DataFrame, warnings: tuple[SamplerWarning, ...]) -> list[str]:
    """Return the declared warnings that the sampler table sets off, in order.

    Examples
    --------
    >>> table = pd.DataFrame({"acc": [0.5, 0.05]}, index=pd.Index([0, 1], name="chain"))
    >>> sampler_warnings(table, (SamplerWarning("acc", "chains_below", 0.1, "low: {chains}"),))
    ['low: 1']
    """
    notes = []
    for warning in warnings:
        column = sampler[warning.column]
        if warning.test == "total_above" and (value := float(column.sum())) > warning.limit:
            notes.append(warning.message.format(value=value))
        elif warning.test == "mean_above" and (value := float(column.mean())) > warning.limit:
            notes.append(warning.message.format(value=value))
        elif warning.test in ("chains_below", "chains_below_median_share"):
            limit = warning.limit
            if warning.test == "chains_below_median_share":
                limit *= column.median()
            if len(low := column.index[column < limit]):
                notes.append(warning.message.format(chains=_chain_list(low)))
    return notes


def library_record(tree: xr.DataTree) -> LibraryRecord:
    """Compute what a checked file's method declares its report shows of its library.

    Examples
    --------
    >>> from inference.testing import tiny_posterior_file
    >>> bool(library_record(tiny_posterior_file("advi")))
    False
    """
    reported = METHODS[tree.attrs["method"]].reported
    facts = {
        fact.label: float(tree[fact.group].attrs[fact.attr])
        for fact in reported.facts
        if fact.group in tree.children and fact.attr in tree[fact.group].attrs
    }
    tables = [(tabulate(tree, t), t.digits) for t in reported.tables if t.group in tree.children]
    figures = [
        (tree[f.group].to_dataset(), f) for f in reported.figures if f.group in tree.children
    ]
    return LibraryRecord(facts=facts, tables=tables, figures=figures)
