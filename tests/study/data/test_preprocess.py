import numpy as np
import pytest

from study.data.dataset import FEATURES
from study.data.preprocess import balance_weights, prepare, upsample_counts


def test_upsampling_balances_and_is_seeded():
    y = np.array([0] * 30 + [1] * 12)
    counts = upsample_counts(y, random_state=3)
    assert counts[y == 0].tolist() == [1] * 30
    assert counts[y == 1].sum() == 30
    assert np.array_equal(counts, upsample_counts(y, random_state=3))
    assert not np.array_equal(counts, upsample_counts(y, random_state=4))


def test_balanced_labels_are_left_alone():
    assert upsample_counts(np.array([0, 1, 1, 0]), random_state=0).tolist() == [1, 1, 1, 1]


@pytest.mark.parametrize("balance", ["weight", "upsample", "none"])
def test_prepare_standardises_with_weighted_training_statistics(synthetic, balance):
    data = prepare(synthetic, balance=balance, random_state=0)
    assert (data.weight > 0).all()
    assert np.average(data.X, axis=0, weights=data.weight) == pytest.approx(np.zeros(8), abs=1e-12)
    var = np.average(data.X**2, axis=0, weights=data.weight)
    assert var == pytest.approx(np.ones(8))
    raw_test = synthetic.test[list(FEATURES)].to_numpy()
    assert data.X_test * data.x_std + data.x_mean == pytest.approx(raw_test)
    n_major = (synthetic.train["label"] == 0).sum()
    if balance == "none":
        assert data.weight.tolist() == [1.0] * len(synthetic.train)
        return
    assert data.weight.sum() == pytest.approx(2 * n_major)
    assert np.average(data.y, weights=data.weight) == pytest.approx(0.5)


def test_weighting_is_the_expectation_of_the_upsampling(synthetic):
    """Averaged over many upsampling draws, each row's count is its weight."""
    y = synthetic.train["label"].to_numpy()
    weight = balance_weights(y, balance="weight")
    counts = np.mean([upsample_counts(y, random_state=s) for s in range(400)], axis=0)
    assert len(weight) == len(y)  # every row kept, none drawn away
    assert counts == pytest.approx(weight, rel=0.15)
    assert balance_weights(y, balance="weight").tolist() == weight.tolist()  # no seed


def test_upsampling_needs_a_seed():
    with pytest.raises(ValueError, match="random_state"):
        balance_weights(np.array([0, 0, 1]), balance="upsample")


@pytest.mark.parametrize("balance", ["weight", "upsample"])
def test_rows_padded_with_weight_0_leave_the_log_density_and_its_gradient_alone(synthetic, balance):
    from inference.model.network import build_model

    data = prepare(synthetic, balance=balance, random_state=0)
    X, y, weight = data.padded(97)
    assert X.shape == (97, 8) and not weight[len(data.y) :].any()
    model = build_model(data.X, data.y, weight=data.weight, features=data.features, hidden=3)
    padded = build_model(X, y, weight=weight, features=data.features, hidden=3)
    terms = [(model.compile_logp(), padded.compile_logp())]
    terms += [(model.compile_dlogp(), padded.compile_dlogp())]
    rng = np.random.default_rng(0)
    for _ in range(3):
        point = {
            k: rng.normal(scale=2.0, size=np.shape(v)) for k, v in model.initial_point().items()
        }
        for own, with_padding in terms:
            assert with_padding(point) == pytest.approx(own(point), rel=1e-12)
    with pytest.raises(ValueError, match="cannot pad"):
        data.padded(len(data.y) - 1)
