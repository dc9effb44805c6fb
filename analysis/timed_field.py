"""A result computed when first read, kept, and its computing time counted.

:class:`~analysis.file_analysis.FileAnalysis` declares each analysis with it: a report reads
them all, a leaderboard row only the few its columns show.
"""

from __future__ import annotations

import time

from common import progress

__all__ = ["timed_field"]


class timed_field:  # lower case: a decorator, as ``property`` is
    """Declare a result computed when first read, then kept in the instance.

    The owner class lists its fields in ``FIELDS`` (in declaration order) and keeps
    ``_computing`` (0) and ``_seconds`` (0.0) per instance: the time spent computing each
    field is added to ``_seconds``, a field read while another is computed counting once,
    in the outer one.

    Examples
    --------
    >>> class Squares:
    ...     def __init__(self, n):
    ...         self.n, self._computing, self._seconds = n, 0, 0.0
    ...     @timed_field
    ...     def total(self):
    ...         return sum(i * i for i in range(self.n))
    >>> s = Squares(4)
    >>> Squares.FIELDS, "total" in s.__dict__, s.total, "total" in s.__dict__
    (('total',), False, 14, True)
    """

    def __init__(self, compute):
        self.compute = compute
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner, name: str) -> None:
        self.name = name
        owner.FIELDS = (*getattr(owner, "FIELDS", ()), name)

    def __get__(self, analysis, owner=None):
        if analysis is None:
            return self
        cache = analysis.__dict__
        if self.name not in cache:
            outer = not analysis._computing
            if outer:  # a line in the log names it, every 30 s (common.progress)
                progress.current().set(computing=self.name.strip("_"))
            analysis._computing += 1
            start = time.perf_counter()
            try:
                cache[self.name] = self.compute(analysis)
            finally:
                analysis._computing -= 1
                if outer:
                    analysis._seconds += time.perf_counter() - start
        return cache[self.name]
