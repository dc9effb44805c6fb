"""The command line's questions of a posterior file: ``predict`` and ``next``.

Their handlers are in :mod:`study.cli.commands`; the defaults of ``next`` are the report's
(:mod:`analysis.response.summary`), so the two give the same list.
"""

from __future__ import annotations

from pathlib import Path

from analysis.predictive.acquisition import ACQUISITIONS, NEXT_CANDIDATES, NEXT_K
from study.cli.options import positive_float, positive_int, seed_int, sobol_count

__all__ = ["add_next", "add_predict"]


def add_predict(commands) -> None:
    """Add ``predict``: scenarios of a CSV under one or more posterior files."""
    predict = commands.add_parser(
        "predict",
        help="predict new fault scenarios (a CSV in physical units) under posterior files",
        description="Predict each scenario of a CSV under each posterior file: mean, sd and "
        "5/50/95 % quantiles of P(propagate) over the draws, the class at 0.5, predictive "
        "entropy and the mutual information between prediction and parameters (BALD), both "
        "in bits, and whether it extrapolates: outside the file's training box, or farther "
        "from every training simulation than the design's own reach. With a "
        "'label' column, each file's scores are printed too.",
    )
    predict.add_argument(
        "inputs",
        type=Path,
        nargs="+",
        metavar="FILE",
        help="one or more posterior files, then the scenario CSV: a header naming the "
        "features (a 'label' column is optional; other columns are copied through)",
    )
    predict.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("predictions.csv"),
        help="CSV to write, one row per scenario and file (default: predictions.csv)",
    )


def add_next(commands) -> None:
    """Add ``next``: the candidates most worth simulating next."""
    nxt = commands.add_parser(
        "next",
        help="rank candidate scenarios by how much simulating them would teach the network",
        description="Score candidates under a posterior file and write the k most worth "
        "simulating next: by BALD (the mutual information between the outcome and the "
        "parameters: where the draws disagree), predictive entropy, or predictive sd.",
    )
    nxt.add_argument("posterior", type=Path, help="a posterior file")
    source = nxt.add_mutually_exclusive_group()
    source.add_argument(
        "--candidates", type=Path, help="CSV of candidate scenarios, a header naming the features"
    )
    source.add_argument(
        "--sobol",
        type=sobol_count,
        metavar="N",
        default=NEXT_CANDIDATES,
        help=f"N scrambled Sobol points over the training box (default: {NEXT_CANDIDATES}, as "
        "the report's list; balanced when N is a power of two)",
    )
    nxt.add_argument(
        "--seed", type=seed_int, default=0, help="seed of the Sobol points (default: 0)"
    )
    nxt.add_argument(
        "-k", type=positive_int, default=NEXT_K, help=f"how many to keep (default: {NEXT_K})"
    )
    nxt.add_argument(
        "--by",
        choices=list(ACQUISITIONS),
        default="bald",
        help="acquisition function (default: bald)",
    )
    nxt.add_argument(
        "--within",
        type=positive_float,
        metavar="D",
        help="keep only candidates at most D from a training simulation (each feature in "
        "units of its training sd; neighbouring training simulations lie about 0.85 apart in "
        "the paper's design): stay near the combinations the design sampled",
    )
    nxt.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("next.csv"),
        help="CSV to write (default: next.csv)",
    )
