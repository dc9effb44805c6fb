"""The acquisition functions that rank candidate simulations, and ``study next``'s defaults.

Light on purpose (no scikit-learn, no PyMC): the command line's options read it.
"""

from __future__ import annotations

__all__ = ["ACQUISITIONS", "NEXT_CANDIDATES", "NEXT_K"]

#: Acquisition -> the column of :func:`analysis.predictive.uncertainty.summarise_draws`
#: it ranks by (largest first).
ACQUISITIONS = {"bald": "mutual_information", "entropy": "entropy", "sd": "sd"}

#: Sobol candidates (seed 0) and how many of them a report lists, as ``study next``'s defaults.
NEXT_CANDIDATES = 1024
NEXT_K = 20
