"""A method as the method table holds it: plain data and the few questions asked of it.

:class:`Method` is one row of :data:`inference.methods.registry.METHODS`: the method's
name, where its fit is, its options class, what it stores, how its draws are judged and
what its report shows. It imports no fitting code.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from inference.methods.declarations import Chains, Reported, Rule

if TYPE_CHECKING:
    from inference.methods.result import MethodFit

__all__ = ["DrawKind", "Method"]

#: How a method's draws relate to each other, which decides how they are diagnosed:
#: ``"independent"`` draws from a fitted approximation (judged by PSIS k-hat from the
#: stored ``lp`` and ``log_q``); ``"markov"`` chains (judged by R-hat and ESS), or
#: independent runs whose draws are exchangeable within each (SMC's particles), judged
#: alike.
DrawKind = Literal["independent", "markov"]


@dataclass(frozen=True)
class Method:
    """One inference method.

    Attributes
    ----------
    name : str
        The method's name: ``--method NAME``, the file's ``method`` attr.
    fit : callable or str
        ``fit(model, *, runtime, random_seed, progressbar, **options) -> MethodFit``, or
        where it is, ``"package.module:function"``, imported when first called: the table
        itself imports no fitting code, so that reading a file needs none.
    options : type
        Its options class (:mod:`inference.methods.options`): a frozen dataclass whose
        fields are passed to ``fit`` as keyword arguments, declared once there and taken
        by the run configuration and the command line.
    judged_by : Psis, Movement or Chains
        How its draws are diagnosed (:mod:`inference.methods.declarations`).
    stores : mapping
        Group -> variable -> dims that its posterior files hold beyond the common ones.
    summary : str
        One line for ``--help``.
    reported : Reported
        What its report shows of what its library stored about the fit.
    requires : tuple of str
        Optional packages (import names) its fit needs beyond the core dependencies.
    backend_option : str, optional
        The run option that picks its backend (``"backend"`` for NUTS, ``"advi_backend"``
        for the fits compiled by ``pm.fit``'s modes), if any: stored in its files, while
        the other methods' backend options are not.
    """

    name: str
    fit: Callable[..., MethodFit] | str
    options: type
    judged_by: Rule
    stores: Mapping[str, Mapping[str, tuple[str, ...]]]
    summary: str
    reported: Reported = field(default_factory=Reported)
    requires: tuple[str, ...] = ()
    backend_option: str | None = None

    @property
    def draws(self) -> DrawKind:
        """What its draws are (see :data:`DrawKind`): Markov chains if judged as chains."""
        return "markov" if isinstance(self.judged_by, Chains) else "independent"

    def stored_values(self, options: Mapping[str, int], *, per_draw: int) -> int:
        """Estimate how many values its fit stores, from its own options.

        Parameters
        ----------
        options : mapping
            Its options with values (the fields of :attr:`options`): ``draws``, and
            ``chains`` and ``max_steps`` where it takes them; with ``save_warmup``, its
            ``tune`` draws are counted as kept ones.
        per_draw : int
            Values per draw besides its sample stats (parameters, test predictions).

        Examples
        --------
        >>> from inference.methods.registry import METHODS
        >>> METHODS["advi"].stored_values({"draws": 10, "max_steps": 100}, per_draw=5)
        200
        """
        chains = options.get("chains", 1)
        draws = options["draws"] + (options["tune"] if options.get("save_warmup") else 0)
        stats = len(self.stores.get("sample_stats", {}))
        history = options.get("max_steps", 0) if "vi_history" in self.stores else 0
        return chains * draws * (per_draw + stats) + history + 3 * chains * draws

    def fitter(self) -> Callable[..., MethodFit]:
        """Return the fit function, importing its module if the row names it by path.

        Examples
        --------
        >>> from inference.methods.registry import METHODS
        >>> METHODS["advi"].fitter().__module__
        'inference.methods.advi'
        """
        if callable(self.fit):
            return self.fit
        module, _, name = self.fit.partition(":")
        return getattr(importlib.import_module(module), name)

    def missing(self) -> list[str]:
        """Return the packages of :attr:`requires` that are not installed.

        Examples
        --------
        >>> from inference.methods.registry import METHODS
        >>> METHODS["advi"].missing()
        []
        """
        return [name for name in self.requires if importlib.util.find_spec(name) is None]
