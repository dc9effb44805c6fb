"""The network's parameters and likelihoods by name: what a file reader needs to know of it.

The graph itself is in :mod:`inference.model.network`, which imports PyMC; this module
imports nothing heavy, so that reading and checking a posterior file does not either.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["LIKELIHOOD_NAMES", "PARAMS", "PARAM_DIMS", "Likelihood"]

#: Names of the network's parameters, in forward order.
PARAMS = ("w0", "b0", "w1", "b1")
#: Dims of each parameter (without the sample dims).
PARAM_DIMS = {"w0": ("feature", "hidden"), "b0": ("hidden",), "w1": ("hidden",), "b1": ()}

#: The likelihoods the network can be built with (:data:`inference.model.network.LIKELIHOODS`).
Likelihood = Literal["bernoulli", "normal"]
LIKELIHOOD_NAMES: tuple[str, ...] = get_args(Likelihood)
