"""The study: its run configuration, the data, the pipelines, the sweep and the CLI.

>>> from study import RunConfig, fit_to_file, load_dataset  # what a user calls
"""

from study.config import RunConfig
from study.data import load_dataset
from study.dataset import Dataset
from study.pipeline import fit_posterior, fit_to_file, resolve_runtime
from study.preprocess import prepare
from study.reporting import write_comparison, write_report

__all__ = [
    "Dataset",
    "RunConfig",
    "fit_posterior",
    "fit_to_file",
    "load_dataset",
    "prepare",
    "resolve_runtime",
    "write_comparison",
    "write_report",
]
