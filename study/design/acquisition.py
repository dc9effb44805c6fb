"""How a design chooses its next batch of simulations from the pool not yet run.

Each acquisition takes the pool's scores under the current posterior (the per-draw
summary that ``predict`` writes: :func:`analysis.predictive.uncertainty.summarise_draws`),
the pool's and the acquired rows' standardised inputs, the batch size and a seeded
generator, and returns the positions (in the remaining pool) of the batch:

``random``
    Uniformly, without replacement: the baseline of no choice at all.
``spread``
    Greedy maximin: each pick the candidate farthest from every row acquired or picked
    so far (Euclidean, in inputs standardised by the whole pool): the no-model
    space-filling baseline.
``bald``, ``entropy``
    The top ``k`` by the mutual information between outcome and parameters (Houlsby et
    al. 2011), or by the predictive entropy.
``powerbald``
    ``k`` drawn without replacement with probability proportional to BALD^β (Kirsch et
    al. 2023): BALD's ranking, without its run of redundant neighbours.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

__all__ = ["ACQUISITIONS", "MODEL_FREE", "acquire", "maximin_picks"]


def _random(scores, pool, acquired, *, k, rng, beta):
    return rng.choice(len(pool), size=k, replace=False)


def maximin_picks(pool: np.ndarray, acquired: np.ndarray, *, k: int) -> np.ndarray:
    """Pick ``k`` rows of ``pool``, each the farthest from the acquired rows and earlier picks.

    Ties go to the first row. Distances are Euclidean over the columns as given.

    Examples
    --------
    >>> pool = np.array([[0.0], [1.0], [5.0], [9.0]])
    >>> maximin_picks(pool, np.array([[0.0]]), k=2).tolist()
    [3, 2]
    """
    nearest = np.full(len(pool), np.inf)
    for row in acquired:
        nearest = np.minimum(nearest, np.linalg.norm(pool - row, axis=1))
    picks = []
    for _ in range(k):
        nearest[picks] = -np.inf  # a pick is not picked again
        best = int(np.argmax(nearest))
        picks.append(best)
        nearest = np.minimum(nearest, np.linalg.norm(pool - pool[best], axis=1))
    return np.array(picks, dtype=np.int64)


def _spread(scores, pool, acquired, *, k, rng, beta):
    return maximin_picks(pool, acquired, k=k)


def _top(name: str):
    def top(scores, pool, acquired, *, k, rng, beta):
        return np.argsort(-scores[name].to_numpy(), kind="stable")[:k]

    return top


def _powerbald(scores, pool, acquired, *, k, rng, beta):
    weight = np.power(np.maximum(scores["mutual_information"].to_numpy(), 0.0), beta)
    if weight.sum() <= 0 or np.count_nonzero(weight) < k:
        weight = weight + np.finfo(float).tiny  # no information anywhere: uniformly
    return rng.choice(len(pool), size=k, replace=False, p=weight / weight.sum())


Acquisition = Callable[..., np.ndarray]

#: Name to acquisition, in the order reports show them.
ACQUISITIONS: dict[str, Acquisition] = {
    "random": _random,
    "spread": _spread,
    "bald": _top("mutual_information"),
    "entropy": _top("entropy"),
    "powerbald": _powerbald,
}
#: The acquisitions that read no posterior.
MODEL_FREE = ("random", "spread")


def acquire(
    name: str,
    *,
    scores: xr.Dataset | None,
    pool: np.ndarray,
    acquired: np.ndarray,
    k: int,
    rng: np.random.Generator,
    beta: float = 1.0,
) -> np.ndarray:
    """Choose ``k`` rows of the remaining ``pool`` by the acquisition ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`ACQUISITIONS`.
    scores : xarray.Dataset or None
        The pool's per-draw summary along its one dim (``mutual_information`` in bits,
        ``entropy``); None for the :data:`MODEL_FREE` ones.
    pool, acquired : numpy.ndarray
        Standardised inputs ``(row, feature)`` of the remaining pool and of the rows
        acquired so far.
    k : int
        How many to choose, at most ``len(pool)``.
    rng : numpy.random.Generator
        Seeds ``random`` and ``powerbald``.
    beta : float
        ``powerbald``'s exponent.

    Returns
    -------
    numpy.ndarray
        ``k`` distinct positions in ``pool``, in the order chosen.

    Examples
    --------
    >>> scores = xr.Dataset({"mutual_information": ("row", [0.1, 0.9, 0.5]),
    ...                      "entropy": ("row", [1.0, 0.9, 0.2])})
    >>> rng = np.random.default_rng(0)
    >>> pool = np.zeros((3, 2))
    >>> acquire("bald", scores=scores, pool=pool, acquired=pool[:0], k=2, rng=rng).tolist()
    [1, 2]
    >>> acquire("entropy", scores=scores, pool=pool, acquired=pool[:0], k=1, rng=rng).tolist()
    [0]
    """
    if name not in ACQUISITIONS:
        raise ValueError(f"acquisition must be one of {', '.join(ACQUISITIONS)}, got {name!r}")
    k = min(k, len(pool))
    picks = ACQUISITIONS[name](scores, pool, acquired, k=k, rng=rng, beta=beta)
    return np.asarray(picks, dtype=np.int64)
