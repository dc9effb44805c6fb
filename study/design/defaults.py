"""The design's own defaults for the sampler's sizes: read by the command line, so light."""

from __future__ import annotations

__all__ = ["SAMPLER_DEFAULTS"]

#: ``design``'s defaults for these run options (``run``'s: 8 chains, 500 + 500 steps), so that
#: the default experiment (2 methods, 5 acquisitions, 3 seeds, 50 to 400 simulations: 450
#: fits) ends within an hour on 2 cores: 30 min on the paper's data (README, "Sequential
#: design"). Every round states its Monte Carlo errors (``mc_error_p``,
#: ``mc_error_accuracy`` in ``design.csv``).
SAMPLER_DEFAULTS = {"chains": 4, "draws": 250, "tune": 250}
