"""Computations on posterior files: pure functions returning xarray and pandas results.

>>> from analysis import analyse_run, compare_runs  # what a user calls
"""

from common.lazy import lazy_exports

#: Each public name -> the module that defines it, imported on first use.
_WHERE = {
    "align_hidden_units": "inference.posterior.alignment",
    "analyse_run": "analysis.file_analysis",
    "analyse_sweep": "analysis.learning_curves",
    "classification_metrics": "analysis.predictive.metrics",
    "compare_runs": "analysis.comparison.two_files",
    "Comparison": "analysis.comparison.two_files",
    "ComparisonError": "analysis.comparison.two_files",
    "conclusion": "analysis.comparison.conclusion",
    "diagnose": "analysis.diagnostics.by_draw_kind",
    "Diagnostics": "analysis.diagnostics.by_draw_kind",
    "headline": "analysis.comparison.conclusion",
    "importance_summary": "analysis.parameters.importance",
    "permutation_importance": "analysis.parameters.importance",
    "prediction_ess": "analysis.diagnostics.by_draw_kind",
    "predictive_moments": "analysis.predictive.metrics",
    "FileAnalysis": "analysis.file_analysis",
}

__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
