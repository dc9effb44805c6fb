"""Computations on posterior files: pure functions returning xarray and pandas results.

>>> from analysis import analyse_run, compare_runs  # what a user calls
"""

from analysis.alignment import align_hidden_units
from analysis.compare import Comparison, ComparisonError, compare_runs
from analysis.diagnostics import Diagnostics, diagnose, prediction_ess
from analysis.headline import conclusion, headline
from analysis.importance import importance_summary, permutation_importance
from analysis.metrics import classification_metrics, predictive_moments
from analysis.run_analysis import RunAnalysis, analyse_run
from analysis.sweep import analyse_sweep

__all__ = [
    "Comparison",
    "ComparisonError",
    "Diagnostics",
    "RunAnalysis",
    "align_hidden_units",
    "analyse_run",
    "analyse_sweep",
    "classification_metrics",
    "compare_runs",
    "conclusion",
    "diagnose",
    "headline",
    "importance_summary",
    "permutation_importance",
    "prediction_ess",
    "predictive_moments",
]
