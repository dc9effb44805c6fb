"""A small, valid posterior file built without fitting: for examples and quick tests.

Like ArviZ's example data, it is made to be analysed, not believed: the draws scatter
around one prior draw, and the statistics a method stores are filled with plausible
constants. Its predictions are the network's own (:func:`inference.model.forward.predict_proba`).
"""

from __future__ import annotations

import functools

import numpy as np
import xarray as xr

from inference.methods.result import MethodFit
from inference.model.forward import predict_proba
from inference.model.network import PARAMS, build_model, sample_prior
from inference.posterior.assemble import assemble

__all__ = ["FEATURES", "tiny_posterior_file"]

#: Generic input names: the inference layer knows no dataset (the study names its features).
FEATURES = tuple(f"x{i}" for i in range(8))


def _rows(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(n, len(FEATURES)))
    return X, (X[:, 2] + X[:, 4] > 0.55).astype(np.int64)  # a planted rule


def _stats(method: str, shape: tuple[int, int], rng: np.random.Generator):
    sample = ("chain", "draw")
    coords = {"chain": np.arange(shape[0]), "draw": np.arange(shape[1])}
    if method == "advi":
        stats = {"lp": rng.normal(-50, 2, shape), "log_q": rng.normal(20, 2, shape)}
        loss = 100 * np.exp(-np.arange(300) / 50) + 40
        history = xr.Dataset({"loss": ("iteration", loss)}, attrs={"converged": 1})
        data = xr.Dataset({k: (sample, v) for k, v in stats.items()}, coords=coords)
        return data, {"vi_history": history}
    stats = {
        "diverging": np.zeros(shape, bool),
        "tree_depth": np.full(shape, 3),
        "reached_max_treedepth": np.zeros(shape, bool),
        "step_size": np.full(shape, 0.3),
        "acceptance_rate": rng.uniform(0.6, 1.0, shape),
        "n_steps": np.full(shape, 7),
    }
    return xr.Dataset({k: (sample, v) for k, v in stats.items()}, coords=coords), {}


def tiny_posterior_file(
    method: str = "nuts", *, chains: int = 2, draws: int = 30, hidden: int = 3, seed: int = 0
) -> xr.DataTree:
    """Build a small posterior file of ``method``'s kind that passes the contract.

    Parameters
    ----------
    method : {"nuts", "advi"}
        Whose groups and statistics the file carries (ADVI's: one chain).
    chains, draws, hidden : int
        Sizes of the posterior.
    seed : int
        Seeds the data and the draws.

    Examples
    --------
    >>> from inference import validate
    >>> tree = tiny_posterior_file("nuts", chains=2, draws=30)
    >>> validate(tree)
    >>> tree["predictions"]["p"].sizes
    Frozen({'chain': 2, 'draw': 30, 'test': 30})
    """
    return _build(method, chains, draws, hidden, seed).copy(deep=True)


@functools.cache
def _build(method: str, chains: int, draws: int, hidden: int, seed: int) -> xr.DataTree:
    rng = np.random.default_rng(seed)
    chains = 1 if method == "advi" else chains
    (X, y), (X_test, y_test) = _rows(rng, 60), _rows(rng, 30)
    model = build_model(X, y, features=FEATURES, hidden=hidden)
    prior = sample_prior(model, draws=draws, random_seed=seed)
    centre = prior.isel(chain=0, draw=0, drop=True)
    posterior = xr.Dataset(
        {
            n: centre[n].expand_dims(draw=draws, chain=chains).transpose("chain", "draw", ...)
            + 0.1 * rng.standard_normal((chains, draws, *centre[n].shape))
            for n in PARAMS
        }
    ).assign_coords(chain=np.arange(chains), draw=np.arange(draws))
    stats, groups = _stats(method, (chains, draws), rng)
    return assemble(
        method=method,
        fit=MethodFit(posterior=posterior, sample_stats=stats, groups=groups),
        prior=prior,
        p_test=predict_proba(model, posterior, X_test),
        train={
            "X": X,
            "y": y,
            "weight": np.ones(len(y)),
            "x_mean": np.zeros(8),
            "x_std": np.ones(8),
        },
        test={"X": X_test, "y": y_test},
        features=FEATURES,
        config={"method": method, "hidden": hidden, "prior_sigma": 1.0, "likelihood": "bernoulli"},
        seed=seed,
        data_sha256={"synthetic": "0" * 64},
        fit_seconds=1.0,
    )
