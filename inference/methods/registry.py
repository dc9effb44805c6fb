"""The inference methods: one table, read by everything that offers or checks a method.

Each method is one module with a ``fit`` function and one :class:`Method` row here.
The command line's ``--method`` choices, the pipeline, the sweep, the posterior-file
contract, the diagnostics and the report all read this table; the row says, as data,
what the method stores, how its draws are judged and what its report shows of its
library's own record (:mod:`inference.methods.declarations`). To add a method: write
its module (a ``fit(model, *, runtime, random_seed, progressbar, **options) ->
MethodFit``), add its row (or, outside this package, :func:`register_method`), and test
it. The table imports no fitting code: a row names its fit by path.
"""

from __future__ import annotations

from collections.abc import Mapping

from inference.methods.declarations import (
    Chains,
    Column,
    Fact,
    Lines,
    Movement,
    Panel,
    Psis,
    Reported,
    SamplerWarning,
    Table,
)
from inference.methods.method import DrawKind, Method
from inference.methods.options import (
    ADVIOptions,
    Draws,
    EnsembleOptions,
    FullRankADVIOptions,
    NUTSOptions,
    SVGDOptions,
)

__all__ = ["METHODS", "DrawKind", "Method", "method_of", "register_method"]

_SAMPLE = ("chain", "draw")

#: Every method, by name. New methods go at the end: a method's seed stream is keyed by
#: its name (:func:`common.seeds.random_stream`), so the order changes no result.
METHODS: dict[str, Method] = {}

_NUTS_SAMPLER = Table(
    group="sample_stats",
    rows="chain",
    columns=(
        Column("divergences", "diverging", "sum"),
        Column("mean tree depth", "tree_depth", "mean"),
        Column("at max tree depth", "reached_max_treedepth", "mean"),
        Column("step size", "step_size", "mean"),
        Column("mean acceptance", "acceptance_rate", "mean"),
        Column("mean leapfrog steps", "n_steps", "mean"),
    ),
)
_NUTS_WARNINGS = (
    SamplerWarning(
        "divergences",
        "total_above",
        0,
        "{value:.0f} divergent transitions: parts of the posterior may be missed",
    ),
    SamplerWarning(
        "at max tree depth",
        "mean_above",
        0.1,
        "{value:.0%} of draws hit the maximum tree depth: the sampler moves slowly",
    ),
    SamplerWarning(
        "step size",
        "chains_below_median_share",
        0.25,
        "the step size of chain(s) {chains} collapsed (below a quarter of the median)",
    ),
)
_SMC_SAMPLER = Table(
    group="smc",
    rows="chain",
    per="step_chain",
    columns=(
        Column("stages", "stages"),
        Column("final acceptance", "accept_rate", "last"),
        Column("log marginal likelihood", "log_marginal_likelihood"),
    ),
)
#: An SMC stage accepting fewer of its kernel's moves than this leaves copies of particles.
SMC_ACCEPT_MIN = 0.1
_SMC_WARNINGS = (
    SamplerWarning(
        "final acceptance",
        "chains_below",
        SMC_ACCEPT_MIN,
        f"the last SMC stage of chain(s) {{chains}} accepted under {SMC_ACCEPT_MIN:.0%} of "
        "its moves: many particles are copies",
    ),
)
_SMC_TEMPERING = Lines(
    group="smc",
    along="step",
    per="step_chain",
    xlabel="stage",
    panels=(
        Panel("beta", "β (likelihood exponent)", log=True),
        Panel("accept_rate", "acceptance rate", limits=(0, 1)),
    ),
    caption="SMC's tempering, as BlackJAX's adaptive tempered SMC went: the likelihood "
    "exponent β of each stage (0: the prior, 1: the posterior) and the share of its HMC "
    "moves accepted, one line per chain (an independent run).",
)
_LAPLACE_FACTS = (
    Fact("sample_stats", "floored_directions", "Hessian directions floored"),
    Fact("sample_stats", "mode_lp", "log density at the best mode"),
    Fact("sample_stats", "members", "members"),
)


def register_method(method: Method) -> Method:
    """Add a method to the table: ``--method``, the pipeline, the file checks and reports.

    A method outside this package (a toy, a plug-in) is one module that defines its fit
    and calls this once on import. Its options class may reuse the shared ones of
    :mod:`inference.methods.options`; options of its own reach the run configuration
    when it is registered before :mod:`study.config` is first imported.

    Raises
    ------
    ValueError
        A method of that name is already registered.

    Examples
    --------
    >>> "advi" in METHODS and METHODS["advi"].draws
    'independent'
    """
    if method.name in METHODS:
        raise ValueError(f"method {method.name!r} is already registered")
    METHODS[method.name] = method
    return method


for _row in (
    Method(
        name="advi",
        fit="inference.methods.advi:fit_advi",
        options=ADVIOptions,
        judged_by=Psis(),
        stores={
            "vi_history": {"loss": ("iteration",)},
            "sample_stats": {"lp": _SAMPLE, "log_q": _SAMPLE},
        },
        summary="mean-field ADVI (the paper's variational inference)",
        backend_option="advi_backend",
    ),
    Method(
        name="nuts",
        fit="inference.methods.nuts:fit_nuts",
        options=NUTSOptions,
        judged_by=Chains(sampler=_NUTS_SAMPLER, warnings=_NUTS_WARNINGS),
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
        backend_option="backend",
    ),
    Method(
        name="laplace",
        fit="inference.methods.laplace:fit_laplace",
        options=Draws,
        judged_by=Psis(),
        stores={"sample_stats": {"lp": _SAMPLE, "log_q": _SAMPLE}},
        summary="Laplace approximation (a Gaussian at a posterior mode, from a prior draw)",
        reported=Reported(facts=_LAPLACE_FACTS),
    ),
    Method(
        name="ensemble",
        fit="inference.methods.laplace:fit_ensemble",
        options=EnsembleOptions,
        judged_by=Psis(),
        stores={"sample_stats": {"lp": _SAMPLE, "log_q": _SAMPLE}},
        summary="deep ensemble: --chains Laplace approximations at modes from prior draws, mixed",
        reported=Reported(facts=_LAPLACE_FACTS),
    ),
    Method(
        name="fullrank_advi",
        fit="inference.methods.fullrank_advi:fit_fullrank_advi",
        options=FullRankADVIOptions,
        judged_by=Psis(),
        stores={
            "vi_history": {"loss": ("iteration",)},
            "sample_stats": {"lp": _SAMPLE, "log_q": _SAMPLE},
        },
        summary="full-rank ADVI (a normal with a dense covariance, PyMC's pm.fit, "
        "from the mean-field fit)",
        backend_option="advi_backend",
        reported=Reported(
            facts=(Fact("vi_history", "meanfield_steps", "mean-field steps before full rank"),)
        ),
    ),
    Method(
        name="pathfinder",
        fit="inference.methods.pathfinder:fit_pathfinder",
        options=EnsembleOptions,
        judged_by=Psis(group="pathfinder"),  # the pool the draws were resampled from
        stores={
            "sample_stats": {"lp": _SAMPLE},
            "pathfinder": {
                "lp": ("path", "pool_draw"),
                "log_q": ("path", "pool_draw"),
                "elbo": ("path",),
                "iterations": ("path",),
            },
        },
        summary="multi-path Pathfinder (BlackJAX): --chains paths from prior draws, PSIS-resampled",
        reported=Reported(
            facts=(
                Fact("pathfinder", "pareto_k", "BlackJAX's PSIS k-hat of the pool"),
                Fact("pathfinder", "distinct_draws", "distinct draws kept by resampling"),
            ),
            tables=(
                Table(
                    group="pathfinder",
                    rows="path",
                    columns=(Column("elbo", "elbo"), Column("iterations", "iterations")),
                    digits=1,
                ),
            ),
        ),
        requires=("blackjax",),
    ),
    Method(
        name="smc",
        fit="inference.methods.smc:fit_smc",
        options=EnsembleOptions,
        judged_by=Chains(sampler=_SMC_SAMPLER, warnings=_SMC_WARNINGS),
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
        reported=Reported(figures=(_SMC_TEMPERING,)),
        requires=("blackjax",),
    ),
    Method(
        name="svgd",
        fit="inference.methods.svgd:fit_svgd",
        options=SVGDOptions,
        judged_by=Movement(
            group="svgd", variable="shift", subject="SVGD's particles", more="--svgd-steps"
        ),
        stores={"svgd": {"shift": ("window_end",)}},
        summary="Stein variational gradient descent (PyMC's pm.SVGD): --draws particles "
        "from prior draws",
        backend_option="advi_backend",
        reported=Reported(
            facts=(Fact("svgd", "particles", "particles"), Fact("svgd", "steps", "steps"))
        ),
    ),
):
    register_method(_row)


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
