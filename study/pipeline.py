"""The study's main job: data -> preprocessing -> network -> fit -> posterior file."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import xarray as xr

from analysis.compare import Comparison, check_comparable, compare_runs, headline
from analysis.metrics import classification_metrics
from analysis.run_analysis import RunAnalysis, analyse_run
from inference import posterior_file
from inference.advi import fit_advi
from inference.backends import BACKENDS, resolve
from inference.jax_devices import start_jax
from inference.model import build_model, sample_prior
from inference.nuts import fit_nuts, parallel_chains
from inference.predict import predict_proba
from reports.html import render_comparison, render_run, write_html
from study.config import Method, RunConfig
from study.data import Dataset
from study.preprocess import Prepared, prepare

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
    analysis : RunAnalysis
        The analyses shown in the report.
    metrics : dict
        Test accuracy, weighted F1 and mean predictive std at threshold 0.5.
    seconds : float
        Wall time of the whole run of this method.
    """

    method: str
    path: Path
    report: Path
    analysis: RunAnalysis
    metrics: dict[str, float]
    seconds: float


def fit_method(
    method: Method,
    model,
    config: RunConfig,
    *,
    progressbar: bool = False,
    cores: int | None = None,
):
    """Fit ``model`` by one method with the configuration's settings and backend.

    ``cores`` is passed to :func:`inference.nuts.fit_nuts` (chains run in parallel by
    PyMC's sampler; default: as many as there are usable CPUs).

    Returns
    -------
    posterior : xarray.Dataset
        The free variables, dims ``(chain, draw, ...)``.
    extra : dict of str to xarray.Dataset
        The method's further groups of the posterior file (``sample_stats``, and for
        ADVI ``vi_history`` and ``vi_parameters``).
    """
    seed = config.seeds()[method]
    backend_name = resolve(config.backend)
    backend = BACKENDS[backend_name]
    if backend.mode == "jax":  # JAX keeps the devices it starts with: enough for NUTS
        start_jax(parallel_chains(config.chains, cores))
    if method == "advi":
        fit = fit_advi(
            model,
            learning_rate=config.learning_rate,
            max_steps=config.max_steps,
            window=config.window,
            tolerance=config.tolerance,
            draws=config.draws,
            mode=backend.mode,
            random_seed=seed,
            progressbar=progressbar,
        )
        history = xr.Dataset(
            {"loss": ("iteration", fit.loss)},
            attrs={
                "converged": int(fit.converged),
                "objective": "negative ELBO",
                "gradient_evaluations": len(fit.loss),  # one Monte Carlo sample per step
            },
        )
        return fit.posterior, {
            "vi_history": history,
            "vi_parameters": fit.parameters,
            "sample_stats": fit.draw_stats,
        }
    tree = fit_nuts(
        model,
        draws=config.draws,
        tune=config.tune,
        chains=config.chains,
        cores=cores,
        target_accept=config.target_accept,
        init=config.nuts_init,
        backend=backend_name,
        random_seed=seed,
        progressbar=progressbar,
    )
    return tree["posterior"].to_dataset(), {"sample_stats": tree["sample_stats"].to_dataset()}


def fit_to_file(
    method: Method,
    dataset: Dataset,
    config: RunConfig,
    *,
    out: Path,
    progressbar: bool = False,
) -> RunResult:
    """Fit the network by one method and write ``out/<method>.nc``.

    Parameters
    ----------
    method : {"advi", "nuts"}
    dataset : Dataset
        The simulations, as read.
    config : RunConfig
    out : pathlib.Path
        Output directory.
    progressbar : bool
        Show the fit's progress on the terminal.

    Returns
    -------
    RunResult
    """
    start = time.perf_counter()
    tree = fit_posterior(method, dataset, config, progressbar=progressbar)
    path = posterior_file.save(tree, out / f"{method}.nc")
    logger.info("wrote %s (fit %.1f s)", path, tree.attrs["fit_seconds"])
    report = path.with_suffix(".html")
    analysis = write_report(tree, report, title=f"{method.upper()}: {path.name}")
    seconds = time.perf_counter() - start
    return RunResult(method, path, report, analysis, classification_metrics(tree), seconds)


def fit_posterior(
    method: Method,
    dataset: Dataset,
    config: RunConfig,
    *,
    progressbar: bool = False,
    cores: int | None = None,
) -> xr.DataTree:
    """Preprocess, build the network, fit it by one method and assemble its posterior file.

    Parameters
    ----------
    method : {"advi", "nuts"}
    dataset : Dataset
        The simulations, as read.
    config : RunConfig
    progressbar : bool
        Show the fit's progress on the terminal.
    cores : int, optional
        NUTS chains run in parallel by PyMC's sampler (see :func:`fit_method`).

    Returns
    -------
    xarray.DataTree
        The posterior file, validated, not yet written.
    """
    config = dataclasses.replace(config, backend=resolve(config.backend))
    seeds = config.seeds()
    data: Prepared = prepare(dataset, random_state=seeds["upsample"])
    model = build_model(
        data.X,
        data.y,
        weight=data.weight,
        features=data.features,
        hidden=config.hidden,
        prior_sigma=config.prior_sigma,
        likelihood=config.likelihood,
    )
    prior = sample_prior(model, draws=config.prior_draws, random_seed=seeds["prior"])
    logger.info("fitting %s on %d distinct training rows", method, len(data.y))
    fit_start = time.perf_counter()
    posterior, extra = fit_method(method, model, config, progressbar=progressbar, cores=cores)
    fit_seconds = time.perf_counter() - fit_start
    return posterior_file.assemble(
        method=method,
        posterior=posterior,
        prior=prior,
        p_test=predict_proba(model, posterior, data.X_test),
        train={
            "X": data.X,
            "y": data.y,
            "weight": data.weight,
            "x_mean": data.x_mean,
            "x_std": data.x_std,
        },
        test={"X": data.X_test, "y": data.y_test},
        features=data.features,
        config={"method": method, "data_source": dataset.source, **config.as_dict()},
        seed=config.seed,
        data_sha256=dataset.sha256,
        fit_seconds=fit_seconds,
        extra_groups=extra,
    )


def write_report(tree: xr.DataTree, html_path: Path, *, title: str, n_repeats: int = 10) -> Path:
    """Analyse a posterior file and write its self-contained HTML report.

    Parameters
    ----------
    tree : xarray.DataTree
        A posterior file, as loaded.
    html_path : pathlib.Path
        Where the report goes (written atomically).
    title : str
        Page title.
    n_repeats : int
        Shuffles per feature for permutation importance.

    Returns
    -------
    RunAnalysis
        The analyses the report shows.
    """
    start = time.perf_counter()
    analysis = analyse_run(tree, n_repeats=n_repeats)
    path = write_html(render_run(analysis, title=title), html_path)
    logger.info("wrote %s (%.1f s)", path, time.perf_counter() - start)
    return analysis


def write_comparison(
    paths: tuple[Path, Path],
    *,
    html_path: Path,
    json_path: Path | None = None,
    analyses: tuple[RunAnalysis, RunAnalysis] | None = None,
    n_repeats: int = 10,
) -> Comparison:
    """Compare two posterior files; write the HTML report and, optionally, the JSON headline.

    Parameters
    ----------
    paths : tuple of pathlib.Path
        The two posterior files, A then B.
    html_path : pathlib.Path
        Where the comparison report goes.
    json_path : pathlib.Path, optional
        Where the headline numbers go, as JSON.
    analyses : tuple of RunAnalysis, optional
        The two files' analyses if already computed (e.g. by :func:`write_report`).
    n_repeats : int
        Shuffles per feature for permutation importance.

    Returns
    -------
    Comparison
    """
    start = time.perf_counter()
    trees = tuple(posterior_file.load(p) for p in paths)
    check_comparable(*trees)
    if analyses is None:
        analyses = tuple(analyse_run(t, n_repeats=n_repeats) for t in trees)
    comparison = compare_runs(
        *trees, n_repeats=n_repeats, importances=tuple(a.importance for a in analyses)
    )
    title = f"{comparison.labels[0].upper()} versus {comparison.labels[1].upper()}"
    write_html(render_comparison(comparison, analyses, title=title), html_path)
    if json_path is not None:
        text = json.dumps(headline(comparison), indent=2, sort_keys=True)
        posterior_file.atomic_write(json_path, lambda tmp: tmp.write_text(text + "\n"))
    logger.info("wrote %s (%.1f s)", html_path, time.perf_counter() - start)
    return comparison
