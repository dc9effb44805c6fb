"""The reports of analysed posterior files: one run's, the comparison of two, a leaderboard.

Each file is analysed once (:func:`analysis.file_analysis.analyse_run`); the analysis
feeds its report and any comparison it takes part in.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path

import xarray as xr

from analysis.comparison.conclusion import headline
from analysis.comparison.leaderboard import Leaderboard, leaderboard
from analysis.comparison.two_files import Comparison, ComparisonError, compare_runs
from analysis.file_analysis import FileAnalysis, analyse_run
from common.atomic import atomic_write
from common.progress import heartbeat
from reports import render_comparison, render_run, write_html
from reports.leaderboard import leaderboard_json, render_leaderboard

__all__ = ["write_comparison", "write_leaderboard", "write_report"]

logger = logging.getLogger(__name__)


def write_report(
    tree: xr.DataTree, html_path: Path, *, title: str, n_repeats: int = 10
) -> FileAnalysis:
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
    FileAnalysis
        The analyses the report shows.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from inference.testing import tiny_posterior_file
    >>> html = Path(tempfile.mkdtemp()) / "nuts.html"
    >>> analysis = write_report(tiny_posterior_file(), html, title="NUTS", n_repeats=2)
    >>> html.read_text().count("<section")
    9
    """
    start = time.perf_counter()
    with heartbeat(logger, f"report {html_path.name}") as status:
        analysis = analyse_run(tree, n_repeats=n_repeats)
        status.set(computing=None, drawing="figures and page")
        path = write_html(render_run(analysis, title=title), html_path)
    logger.info("wrote %s (%.1f s)", path, time.perf_counter() - start)
    return analysis


def write_comparison(
    analyses: tuple[FileAnalysis, FileAnalysis],
    *,
    html_path: Path,
    json_path: Path | None = None,
) -> Comparison:
    """Compare two analysed posterior files; write the HTML report and, optionally, JSON.

    Parameters
    ----------
    analyses : tuple of FileAnalysis
        The two files' analyses, A then B (:func:`analysis.file_analysis.analyse_run`).
    html_path : pathlib.Path
        Where the comparison report goes.
    json_path : pathlib.Path, optional
        Where the headline numbers go, as JSON.

    Returns
    -------
    Comparison

    Raises
    ------
    analysis.comparison.two_files.ComparisonError
        The files hold different test sets or networks.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from inference.testing import tiny_posterior_file
    >>> runs = tuple(analyse_run(tiny_posterior_file(m), n_repeats=2) for m in ("advi", "nuts"))
    >>> out = Path(tempfile.mkdtemp())
    >>> comparison = write_comparison(runs, html_path=out / "c.html", json_path=out / "c.json")
    >>> import json
    >>> json.loads((out / "c.json").read_text())["labels"]
    ['advi', 'nuts']
    """
    start = time.perf_counter()
    with heartbeat(logger, f"comparison {html_path.name}") as status:
        comparison = compare_runs(*analyses)
        status.set(computing=None, drawing="figures and page")
        title = f"{comparison.labels[0].upper()} versus {comparison.labels[1].upper()}"
        write_html(render_comparison(comparison, analyses, title=title), html_path)
    if json_path is not None:
        text = json.dumps(headline(comparison), indent=2, sort_keys=True)
        atomic_write(json_path, text + "\n")
    logger.info("wrote %s (%.1f s)", html_path, time.perf_counter() - start)
    return comparison


def write_leaderboard(
    analyses: Sequence[FileAnalysis],
    *,
    reference: FileAnalysis,
    html_path: Path,
    json_path: Path | None = None,
    baselines: bool = True,
) -> Leaderboard:
    """Score analysed files against a reference; write the leaderboard page and, optionally, JSON.

    With ``baselines``, the non-Bayesian baselines
    (:func:`analysis.comparison.baselines.fit_baselines`)
    are trained on the reference's training rows and added to the table.

    Raises
    ------
    analysis.comparison.two_files.ComparisonError
        A file's test set or network differs from the reference's, or no file but the
        reference is given (nothing to score).
    """
    if not analyses:
        raise ComparisonError(
            "nothing to score against the reference: give at least one posterior file besides it"
        )
    start = time.perf_counter()
    from analysis.comparison.baselines import (
        fit_baselines,  # scikit-learn's models: only when asked for
    )

    with heartbeat(logger, f"leaderboard {html_path.name}") as status:
        status.set(computing="baselines" if baselines else None)
        extra = fit_baselines(reference.tree) if baselines else None
        board = leaderboard(analyses, reference=reference, baselines=extra)
        status.set(computing=None, drawing="the page")
        page = render_leaderboard(board, title=f"Leaderboard against {board.reference}")
        write_html(page, html_path)
    if json_path is not None:
        text = json.dumps(leaderboard_json(board), indent=2, sort_keys=True)
        atomic_write(json_path, text + "\n")
    logger.info("wrote %s (%.1f s)", html_path, time.perf_counter() - start)
    return board
