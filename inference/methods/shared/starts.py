"""Starting points for NUTS chains: an ensemble of optimised solutions.

The network's posterior has many modes (relabelled hidden units, and genuinely different
solutions); chains started near zero with a little jitter can spend their warm-up
climbing out of the prior or settle where their step size collapses. :func:`map_starts`
gives each chain its own start: a prior draw, optimised to the nearest posterior mode by
PyMC's ``find_MAP`` (L-BFGS-B), after current practice for Bayesian-network references
(Sommer et al. 2024; many chains started from an ensemble of optimised solutions).
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pymc as pm

from inference.backends.arithmetic import exact_arithmetic
from inference.model.network import sample_prior

__all__ = ["map_starts"]

logger = logging.getLogger(__name__)


def map_starts(
    model: pm.Model, *, chains: int, random_seed: int | np.random.Generator | None
) -> list[dict[str, np.ndarray]]:
    """One optimised starting point per chain, each from its own prior draw.

    Parameters
    ----------
    model : pymc.Model
        The network from :func:`inference.model.network.build_model`, or any model whose free
        variables are untransformed.
    chains : int
        Starting points wanted.
    random_seed : int or numpy.random.Generator, optional
        Seeds the prior draws.

    Returns
    -------
    list of dict
        Per chain, each free variable's value at a local posterior mode.

    Examples
    --------
    >>> import numpy as np
    >>> from inference.model.network import PARAMS, build_model
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 2))
    >>> model = build_model(X, (X[:, 0] > 0).astype(int), features=["a", "b"], hidden=3)
    >>> starts = map_starts(model, chains=2, random_seed=1)
    >>> len(starts), starts[0]["w0"].shape
    (2, (2, 3))
    >>> logp = model.compile_logp()  # priors and likelihood
    >>> prior = sample_prior(model, draws=1, random_seed=5)
    >>> at_prior = logp({n: prior[n].to_numpy()[0, 0] for n in PARAMS})
    >>> bool(logp(starts[0]) > at_prior)  # optimised: the posterior density rose
    True
    """
    names = [rv.name for rv in model.free_RVs]
    draws = sample_prior(model, draws=chains, random_seed=random_seed, var_names=names)
    starts = []
    for k in range(chains):
        initial = {n: draws[n].isel(chain=0, draw=k).to_numpy() for n in names}
        # IEEE arithmetic (see inference.backends.runtime.exact_arithmetic): L-BFGS-B would
        # carry fastmath's cache-dependent last bits into other optima
        with warnings.catch_warnings(), exact_arithmetic():
            warnings.simplefilter("ignore", FutureWarning)
            point = pm.find_MAP(
                initvals=initial, jitter=False, progressbar=False, model=model, method="L-BFGS-B"
            )
        starts.append({n: np.asarray(point[n], dtype=float) for n in names})
    logger.info("optimised %d starting points from prior draws", chains)
    return starts
