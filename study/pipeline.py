"""The study's main job: data -> preprocessing -> network -> fit -> posterior file -> report.

The method is looked up once in the method table (:data:`inference.methods.registry.METHODS`),
the backends are resolved once (:func:`resolve_runtime`), and each file is analysed once:
its :class:`~analysis.file_analysis.FileAnalysis` feeds its report and any comparison.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import xarray as xr

from analysis.file_analysis import FileAnalysis
from analysis.predictive.metrics import ClassificationMetrics
from common.progress import heartbeat
from inference.backends.runtime import Runtime
from inference.methods.nuts import ENSEMBLE
from inference.methods.registry import METHODS
from inference.model.forward import predict_proba
from inference.model.network import build_model, sample_prior
from inference.model.parameters import PARAM_DIMS
from inference.posterior import storage
from inference.posterior.assemble import assemble
from inference.posterior.contract import MAX_DATA_BYTES, over_cap
from inference.posterior.pointwise import pointwise_groups
from study.config import ConfigError, RunConfig
from study.data.dataset import Dataset
from study.data.preprocess import prepare
from study.reporting import write_report

__all__ = [
    "RunResult",
    "check_file_size",
    "fit_posterior",
    "fit_to_file",
    "resolve_runtime",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    """What one method's run produced.

    Attributes
    ----------
    method : str
    path : pathlib.Path
        The posterior file written.
    report : pathlib.Path
        The HTML report written beside it.
    analysis : FileAnalysis
        The analyses shown in the report (holding the file's tree).
    seconds : float
        Wall time of the whole run of this method.
    """

    method: str
    path: Path
    report: Path
    analysis: FileAnalysis
    seconds: float

    @property
    def metrics(self) -> ClassificationMetrics:
        """Test accuracy, weighted F1 and mean predictive std at threshold 0.5."""
        return self.analysis.metrics


def resolve_runtime(config: RunConfig, *, cores: int | None = None) -> tuple[RunConfig, Runtime]:
    """Resolve the configuration's backends once; return it with their names, and the runtime.

    Parameters
    ----------
    config : RunConfig
        ``backend`` and ``advi_backend`` may be ``"auto"``.
    cores : int, optional
        CPUs a fit may use (default: all usable; a sweep's task: 1).

    Raises
    ------
    inference.backends.choice.BackendError
        A backend is unknown or not installed.
    study.config.ConfigError
        The NUTS initialisation needs what the backend cannot do.

    Examples
    --------
    >>> config, runtime = resolve_runtime(RunConfig(backend="pymc", advi_backend="c"), cores=1)
    >>> config.backend, runtime.cores
    ('pymc', 1)
    """
    runtime = Runtime.resolve(backend=config.backend, advi_backend=config.advi_backend, cores=cores)
    if runtime.backend.sampler == "nutpie" and config.nuts_init.startswith(ENSEMBLE):
        raise ConfigError(
            f"nuts_init: {config.nuts_init!r} starts each chain from its own point, which "
            "nutpie does not take; choose another --nuts-init (e.g. jitter+adapt_diag) or "
            "another --backend"
        )
    resolved = dataclasses.replace(
        config, backend=runtime.backend.name, advi_backend=runtime.advi_mode
    )
    return resolved, runtime


def check_file_size(method: str, dataset: Dataset, config: RunConfig) -> None:
    """Refuse, before fitting, a run whose posterior file would hold too much.

    Estimates the file's arrays from the options and the data: draws of every
    parameter, test prediction and sample stat, each training row's log-likelihood and
    predictive label (5 bytes a row and draw, counted as 8), the prior draws, the
    training and test inputs, and ADVI's loss history.

    Raises
    ------
    study.config.ConfigError
        The arrays would hold more than :data:`inference.posterior.contract.MAX_DATA_BYTES`.

    Examples
    --------
    >>> from study.data.dataset import synthetic_dataset
    >>> check_file_size("nuts", synthetic_dataset(60, 30), RunConfig())
    >>> check_file_size("nuts", synthetic_dataset(60, 30), RunConfig(draws=900_000))
    Traceback (most recent call last):
    ...
    study.config.ConfigError: nuts: ... more than the 536,870,912 ... (fewer --draws or --chains)
    """
    sizes = {"feature": len(dataset.features), "hidden": config.hidden}
    params = sum(math.prod(sizes[d] for d in dims) for dims in PARAM_DIMS.values())
    rows = len(dataset.train) + len(dataset.test)
    values = (
        METHODS[method].stored_values(
            config.options_of(method),
            per_draw=params
            + len(dataset.test)
            + (len(dataset.train) if config.pointwise == "store" else 0),
        )
        + config.prior_draws * params
        + rows * (len(dataset.features) + 2)
        + 3 * config.prior_draws
        + 2 * rows  # coordinates
    )
    if 8 * values > MAX_DATA_BYTES:
        raise ConfigError(
            f"{method}: its posterior file would hold about {over_cap(8 * values)} "
            "(fewer --draws or --chains)"
        )


def fit_posterior(
    method: str,
    dataset: Dataset,
    config: RunConfig,
    *,
    runtime: Runtime,
    progressbar: bool = False,
    pad_to: int | None = None,
) -> xr.DataTree:
    """Preprocess, build the network, fit it by one method and assemble its posterior file.

    Parameters
    ----------
    method : str
        A key of :data:`inference.methods.registry.METHODS`.
    dataset : Dataset
        The simulations, as read.
    config : RunConfig
        With backends resolved (:func:`resolve_runtime`): it is stored in the file.
    runtime : Runtime
        The resolved backends and cores; JAX is started here if a fit needs it.
    progressbar : bool
        Show the fit's progress on the terminal.
    pad_to : int, optional
        Fit on the training rows padded to this many with rows of weight 0
        (:meth:`~study.data.preprocess.Prepared.padded`): the same posterior, and the same
        compiled log density for every subset up to that size. The file holds the
        training rows alone.

    Returns
    -------
    xarray.DataTree
        The posterior file, not yet written (it is checked when written).
    """
    check_file_size(method, dataset, config)
    seeds = config.seeds()
    data = prepare(dataset, balance=config.balance, random_state=seeds["upsample"])
    network = dict(
        features=data.features,
        hidden=config.hidden,
        prior_sigma=config.prior_sigma,
        likelihood=config.likelihood,
    )
    model = build_model(data.X, data.y, weight=data.weight, **network)
    fitted = model
    if pad_to is not None:
        X, y, weight = data.padded(pad_to)
        fitted = build_model(X, y, weight=weight, **network)
    prior = sample_prior(model, draws=config.prior_draws, random_seed=seeds["prior"])
    runtime.start(chains=config.chains)  # JAX keeps the devices it starts with
    logger.info("fitting %s on %d distinct training rows", method, len(data.y))
    fit_start = time.perf_counter()
    with heartbeat(logger, method):  # a line every 30 s in a log (common.progress)
        fit = METHODS[method].fitter()(
            fitted,
            runtime=runtime,
            random_seed=seeds[method],
            progressbar=progressbar,
            **config.options_of(method),
        )
    fit_seconds = time.perf_counter() - fit_start
    return assemble(
        method=method,
        fit=fit,
        prior=prior,
        p_test=predict_proba(model, fit.posterior, data.X_test),
        train={
            "X": data.X,
            "y": data.y,
            "weight": data.weight,
            "x_mean": data.x_mean,
            "x_std": data.x_std,
        },
        test={"X": data.X_test, "y": data.y_test},
        features=data.features,
        config={"method": method, "data_source": dataset.source, **config.applying_to(method)},
        seed=config.seed,
        data_sha256=dataset.sha256,
        fit_seconds=fit_seconds,
        units=dataset.units,
        classes=dataset.classes,
        lines=None if data.lines is None else (data.lines, data.lines_test),
        pointwise=pointwise_groups(
            model,
            fit.posterior,
            likelihood=config.likelihood,
            random_seed=seeds["posterior_predictive"],
        )
        if config.pointwise == "store"
        else None,
    )


def fit_to_file(
    method: str,
    dataset: Dataset,
    config: RunConfig,
    *,
    out: Path,
    runtime: Runtime | None = None,
    progressbar: bool = False,
) -> RunResult:
    """Fit the network by one method; write ``out/<method>.nc`` and its report.

    Parameters
    ----------
    method : str
        A key of :data:`inference.methods.registry.METHODS`.
    dataset : Dataset
        The simulations, as read.
    config : RunConfig
    out : pathlib.Path
        Output directory.
    runtime : Runtime, optional
        From :func:`resolve_runtime`, with ``config`` as it returned it; without it,
        the backends are resolved here.
    progressbar : bool
        Show the fit's progress on the terminal.

    Returns
    -------
    RunResult

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from study.data.dataset import synthetic_dataset
    >>> config = RunConfig(hidden=3, draws=50, max_steps=500, window=100, prior_draws=20)
    >>> result = fit_to_file("advi", synthetic_dataset(), config, out=Path(tempfile.mkdtemp()))
    >>> result.path.name, result.report.name
    ('advi.nc', 'advi.html')
    >>> result.metrics.accuracy > 0.6
    True
    """
    if runtime is None:
        config, runtime = resolve_runtime(config)
    start = time.perf_counter()
    tree = fit_posterior(method, dataset, config, runtime=runtime, progressbar=progressbar)
    path = storage.save(tree, out / f"{method}.nc")
    logger.info("wrote %s (fit %.1f s)", path, tree.attrs["fit_seconds"])
    report = path.with_suffix(".html")
    analysis = write_report(tree, report, title=f"{method.upper()}: {path.name}")
    return RunResult(method, path, report, analysis, time.perf_counter() - start)
