"""The run configuration: every option of ``python -m study run``, defaults in one place."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

Method = Literal["advi", "nuts"]
METHODS: tuple[Method, ...] = ("advi", "nuts")


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    """Options of one study run; stored whole (as JSON) in every posterior file.

    Attributes
    ----------
    seed : int
        Master seed: the upsampling, prior draws and each fit get seeds spawned from it.
    hidden, prior_sigma, likelihood
        The network: hidden units, prior standard deviation, ``"bernoulli"`` or ``"normal"``.
    draws : int
        Posterior draws: per chain for NUTS, from the approximation for ADVI.
    tune, chains, target_accept, nuts_init
        NUTS settings; ``nuts_init`` is PyMC's initialisation and mass-matrix adaptation
        (used by the ``"pymc"`` and ``"numba"`` backends).
    backend : str
        How the model is compiled and sampled: a key of
        :data:`inference.backends.BACKENDS`, or ``"auto"`` for the fastest one installed.
    learning_rate, max_steps, window, tolerance
        ADVI settings: Adam's step size and the loss-convergence rule.
    prior_draws : int
        Draws from the prior stored beside the posterior.
    """

    seed: int = 2019
    hidden: int = 12
    prior_sigma: float = 1.0
    likelihood: Literal["bernoulli", "normal"] = "bernoulli"
    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    target_accept: float = 0.8
    nuts_init: str = "jitter+adapt_diag"
    backend: str = "auto"
    learning_rate: float = 0.01
    max_steps: int = 100_000
    window: int = 1000
    tolerance: float = 1e-3
    prior_draws: int = 1000

    def seeds(self) -> dict[str, int]:
        """Independent seeds for each random step, derived from :attr:`seed`.

        The upsampling seed does not depend on the method, so ADVI and NUTS runs
        with one seed fit the very same training rows.
        """
        children = np.random.SeedSequence(self.seed).spawn(4)
        names = ("upsample", "prior", "advi", "nuts")
        return {n: int(c.generate_state(1)[0]) for n, c in zip(names, children, strict=True)}

    def as_dict(self) -> dict:
        """Return the configuration as a JSON-ready dict."""
        return asdict(self)
