"""The inference methods: one table, read by everything that offers or checks a method.

Each method is one module with a ``fit`` function and one :class:`Method` row here.
The command line's ``--method`` choices, the pipeline, the sweep, the posterior-file
contract and the report's diagnostics all read this table. To add a method: write its
module (a ``fit(model, *, runtime, random_seed, progressbar, **options) -> MethodFit``),
add its row, name its options as fields of the run configuration
(:class:`study.config.RunConfig`), and test it.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from inference.methods.result import MethodFit

__all__ = ["METHODS", "DrawKind", "Method", "method_of"]

#: How a method's draws relate to each other, which decides how they are diagnosed:
#: ``"independent"`` draws from a fitted approximation (judged by PSIS k-hat from the
#: stored ``lp`` and ``log_q``); ``"markov"`` chains (judged by R-hat and ESS), or
#: independent runs whose draws are exchangeable within each (SMC's particles), judged
#: alike.
DrawKind = Literal["independent", "markov"]
_SAMPLE = ("chain", "draw")


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
    options : tuple of str
        The run-configuration fields passed to ``fit`` as keyword arguments.
    draws : {"independent", "markov"}
        What its draws are (see :data:`DrawKind`).
    stores : mapping
        Group -> variable -> dims that its posterior files hold beyond the common ones.
    summary : str
        One line for ``--help``.
    requires : tuple of str
        Optional packages (import names) its fit needs beyond the core dependencies.
    """

    name: str
    fit: Callable[..., MethodFit] | str
    options: tuple[str, ...]
    draws: DrawKind
    stores: Mapping[str, Mapping[str, tuple[str, ...]]]
    summary: str
    requires: tuple[str, ...] = ()

    def fitter(self) -> Callable[..., MethodFit]:
        """Return the fit function, importing its module if the row names it by path.

        Examples
        --------
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
        >>> METHODS["advi"].missing()
        []
        """
        return [name for name in self.requires if importlib.util.find_spec(name) is None]


#: Every method, by name. New methods go at the end: a method's seed stream is keyed by
#: its name (:func:`study.config.random_stream`), so the order changes no result.
METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method(
            name="advi",
            fit="inference.methods.advi:fit",
            options=("learning_rate", "max_steps", "window", "tolerance", "draws"),
            draws="independent",
            stores={
                "vi_history": {"loss": ("iteration",)},
                "sample_stats": {"lp": _SAMPLE, "log_q": _SAMPLE},
            },
            summary="mean-field ADVI (the paper's variational inference)",
        ),
        Method(
            name="nuts",
            fit="inference.methods.nuts:fit",
            options=("draws", "tune", "chains", "target_accept", "nuts_init"),
            draws="markov",
            stores={
                "sample_stats": dict.fromkeys(
                    (
                        "diverging",
                        "tree_depth",
                        "reached_max_treedepth",
                        "step_size",
                        "acceptance_rate",
                        "n_steps",
                    ),
                    _SAMPLE,
                )
            },
            summary="NUTS (the reference: exact up to Monte Carlo error)",
        ),
        Method(
            name="laplace",
            fit="inference.methods.laplace:fit",
            options=("draws",),
            draws="independent",
            stores={"sample_stats": {"lp": _SAMPLE, "log_q": _SAMPLE}},
            summary="Laplace approximation (a Gaussian at a posterior mode, from a prior draw)",
        ),
        Method(
            name="ensemble",
            fit="inference.methods.laplace:fit_ensemble",
            options=("draws", "chains"),
            draws="independent",
            stores={"sample_stats": {"lp": _SAMPLE, "log_q": _SAMPLE}},
            summary="deep ensemble: --chains Laplace approximations at modes from prior draws, "
            "mixed",
        ),
        Method(
            name="fullrank_advi",
            fit="inference.methods.fullrank_advi:fit",
            options=(
                "learning_rate",
                "fullrank_learning_rate",
                "max_steps",
                "window",
                "tolerance",
                "draws",
            ),
            draws="independent",
            stores={
                "vi_history": {"loss": ("iteration",)},
                "sample_stats": {"lp": _SAMPLE, "log_q": _SAMPLE},
            },
            summary="full-rank ADVI (a normal with a dense covariance, PyMC's pm.fit, "
            "from the mean-field fit)",
        ),
        Method(
            name="pathfinder",
            fit="inference.methods.pathfinder:fit",
            options=("draws", "chains"),
            draws="independent",
            stores={
                "sample_stats": {"lp": _SAMPLE},
                "pathfinder": {
                    "lp": ("path", "pool_draw"),
                    "log_q": ("path", "pool_draw"),
                    "elbo": ("path",),
                    "iterations": ("path",),
                },
            },
            summary="multi-path Pathfinder (BlackJAX): --chains paths from prior draws, "
            "PSIS-resampled",
            requires=("blackjax",),
        ),
        Method(
            name="smc",
            fit="inference.methods.smc:fit",
            options=("draws", "chains"),
            draws="markov",
            stores={
                "smc": {
                    "beta": ("step",),
                    "accept_rate": ("step",),
                    "step_size": ("step",),
                    "step_chain": ("step",),
                    "log_marginal_likelihood": ("chain",),
                    "stages": ("chain",),
                }
            },
            summary="adaptive tempered SMC with a tuned HMC kernel (BlackJAX): --chains runs "
            "of --draws particles",
            requires=("blackjax",),
        ),
        Method(
            name="svgd",
            fit="inference.methods.svgd:fit",
            options=("draws", "svgd_steps", "learning_rate"),
            draws="independent",
            stores={"svgd": {"shift": ("window_end",)}},
            summary="Stein variational gradient descent (PyMC's pm.SVGD): --draws particles "
            "from prior draws",
        ),
    )
}


def method_of(attrs: Mapping) -> Method | None:
    """Return the method a file's root attrs name, or None if it is none of these.

    Examples
    --------
    >>> method_of({"method": "nuts"}).draws
    'markov'
    >>> method_of({"method": "gibbs"}) is None
    True
    """
    name = attrs.get("method")
    return METHODS.get(name) if isinstance(name, str) else None
