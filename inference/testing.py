"""A small, valid posterior file built without fitting: for examples and quick tests.

Like ArviZ's example data, it is made to be analysed, not believed: the draws scatter
around one prior draw, and the statistics a method stores are filled with plausible
constants. Its predictions are the network's own (:func:`inference.model.forward.predict_proba`).
"""

from __future__ import annotations

import functools
from dataclasses import fields

import numpy as np
import xarray as xr

from inference.methods.registry import METHODS
from inference.methods.result import MethodFit
from inference.model.forward import predict_proba
from inference.model.network import PARAMS, build_model, sample_prior
from inference.posterior.assemble import assemble
from inference.posterior.pointwise import pointwise_groups

__all__ = ["FEATURES", "tiny_posterior_file"]

#: Generic input names: the inference layer knows no dataset (the study names its features).
FEATURES = tuple(f"x{i}" for i in range(8))


def _rows(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(n, len(FEATURES)))
    return X, (X[:, 2] + X[:, 4] > 0.55).astype(np.int64)  # a planted rule


#: Sizes of the dims a method's own groups use (the sample dims come from the call).
_SIZES = {"iteration": 300, "window_end": 5}
#: Stages of each SMC-like run: a ``step`` dim holds ``_STAGES`` per chain.
_STAGES = 3


def _values(name: str, shape: tuple[int, ...], rng: np.random.Generator, chains: int):
    """Plausible values of a stored statistic, by its name (the rest: standard normal)."""
    if name in ("diverging", "reached_max_treedepth"):
        return np.zeros(shape, bool)
    constants = {"tree_depth": 3, "step_size": 0.3, "n_steps": 7, "stages": _STAGES}
    if name in constants:
        return np.full(shape, constants[name])
    if name in ("acceptance_rate", "accept_rate"):
        return rng.uniform(0.6, 1.0, shape)
    if name == "lp":
        return rng.normal(-50, 2, shape)
    if name == "log_q":
        return rng.normal(20, 2, shape)
    if name == "loss":
        return 100 * np.exp(-np.arange(shape[0]) / 50) + 40
    if name == "shift":
        return 0.5 * 0.5 ** np.arange(shape[0])
    if name == "beta":
        return np.tile(np.linspace(0.1, 1.0, _STAGES), chains)
    if name == "step_chain":
        return np.repeat(np.arange(chains), _STAGES)
    return rng.standard_normal(shape)


def _groups(method: str, chains: int, draws: int, rng: np.random.Generator):
    """``sample_stats`` and the method's own groups, as its row declares them."""
    sizes = _SIZES | {
        "chain": chains,
        "draw": draws,
        "path": chains,
        "pool_draw": draws,
        "step": _STAGES * chains,
    }
    groups = {}
    for group, variables in METHODS[method].stores.items():
        data = {
            name: (dims, _values(name, tuple(sizes[d] for d in dims), rng, chains))
            for name, dims in variables.items()
        }
        dims = {d for dims, _ in data.values() for d in dims}
        groups[group] = xr.Dataset(data, coords={d: np.arange(sizes[d]) for d in dims})
    if "vi_history" in groups:
        groups["vi_history"].attrs["converged"] = 1
    coords = {"chain": np.arange(chains), "draw": np.arange(draws)}
    stats = groups.pop("sample_stats", xr.Dataset()).assign_coords(coords)
    return stats, groups


def tiny_posterior_file(
    method: str = "nuts", *, chains: int = 2, draws: int = 30, hidden: int = 3, seed: int = 0
) -> xr.DataTree:
    """Build a small posterior file of ``method``'s kind that passes the contract.

    Parameters
    ----------
    method : str
        A method of the method table: the file carries the groups and statistics its
        row declares, filled with plausible values; one chain for a method of
        independent draws without a ``chains`` option (ADVI's).
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
    >>> validate(tiny_posterior_file("smc", chains=3))
    """
    return _build(method, chains, draws, hidden, seed).copy(deep=True)


@functools.cache
def _build(method: str, chains: int, draws: int, hidden: int, seed: int) -> xr.DataTree:
    rng = np.random.default_rng(seed)
    row = METHODS[method]
    takes_chains = "chains" in {f.name for f in fields(row.options)}
    chains = chains if row.draws == "markov" or takes_chains else 1
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
    stats, groups = _groups(method, chains, draws, rng)
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
        pointwise=pointwise_groups(model, posterior, likelihood="bernoulli", random_seed=seed),
    )
