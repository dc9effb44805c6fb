"""The acquisitions on fixed scores: exact maximin, top-k, seeded power sampling."""

import numpy as np
import pytest
import xarray as xr

from study.design.acquisition import ACQUISITIONS, acquire, maximin_picks


def _scores(bald, entropy=None):
    entropy = bald if entropy is None else entropy
    return xr.Dataset({"mutual_information": ("row", bald), "entropy": ("row", entropy)})


def test_spread_picks_each_time_the_point_farthest_from_all_before_it():
    rng = np.random.default_rng(3)
    pool, acquired = rng.normal(size=(200, 3)), rng.normal(size=(7, 3))
    picks = maximin_picks(pool, acquired, k=12)
    assert len(set(picks.tolist())) == 12
    chosen = [*acquired]
    for pick in picks:  # brute force: each pick is farthest from its nearest chosen row (a
        # chosen row is 0 from itself)
        nearest = np.array([min(np.linalg.norm(p - c) for c in chosen) for p in pool])
        assert np.isclose(nearest[pick], nearest.max())
        chosen.append(pool[pick])


def test_bald_and_entropy_take_the_top_k_and_random_k_distinct_rows():
    bald = np.array([0.1, 0.7, 0.3, 0.9, 0.0])
    pool = np.zeros((5, 2))
    rng = np.random.default_rng(0)
    top = acquire("bald", scores=_scores(bald), pool=pool, acquired=pool[:0], k=2, rng=rng)
    assert top.tolist() == [3, 1]
    picked = acquire("random", scores=None, pool=pool, acquired=pool[:0], k=4, rng=rng)
    assert len(set(picked.tolist())) == 4


def test_powerbald_is_seeded_and_tends_to_top_k_as_beta_grows():
    bald = np.linspace(0.01, 1.0, 50)
    pool = np.zeros((50, 1))

    def draw(seed, beta):
        rng = np.random.default_rng(seed)
        return acquire(
            "powerbald", scores=_scores(bald), pool=pool, acquired=pool[:0], k=5, rng=rng, beta=beta
        ).tolist()

    assert draw(1, 1.0) == draw(1, 1.0) and draw(1, 1.0) != draw(2, 1.0)
    assert sorted(draw(1, 200.0)) == list(range(45, 50))
    counts = np.bincount(np.concatenate([draw(s, 1.0) for s in range(400)]), minlength=50)
    assert counts[25:].sum() > 2 * counts[:25].sum()  # more often where BALD is higher


def test_an_unknown_acquisition_is_refused():
    with pytest.raises(ValueError, match="one of random"):
        acquire(
            "greedy",
            scores=None,
            pool=np.zeros((2, 1)),
            acquired=np.zeros((0, 1)),
            k=1,
            rng=np.random.default_rng(0),
        )
    assert list(ACQUISITIONS) == ["random", "spread", "bald", "entropy", "powerbald"]
