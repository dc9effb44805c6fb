"""The study: its run configuration, the data, the pipelines, the sweep and the CLI.

>>> from study import RunConfig, fit_to_file, load_dataset  # what a user calls
"""

from common.lazy import lazy_exports

#: Each public name -> the module that defines it, imported on first use.
_WHERE = {
    "Dataset": "study.data.dataset",
    "fit_posterior": "study.pipeline",
    "fit_to_file": "study.pipeline",
    "load_dataset": "study.data.reader",
    "prepare": "study.data.preprocess",
    "resolve_runtime": "study.pipeline",
    "RunConfig": "study.config",
    "write_comparison": "study.reporting",
    "write_report": "study.reporting",
}

__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
