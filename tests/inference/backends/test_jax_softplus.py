"""The JAX softplus: PyTensor's values and gradients, and a finite gradient where exp overflows."""

import jax
import numpy as np
import pytest
from pytensor.link.jax.dispatch.scalar import jax_funcify_Softplus  # enables JAX's float64
from scipy.special import expit

from inference.backends.jax_softplus import _softplus


def _grad(function, x):
    return jax.vmap(jax.grad(function))(x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_where_pytensors_gradient_is_finite_ours_is_the_same_to_the_bit(dtype):
    pytensors = jax_funcify_Softplus(None)
    x = np.linspace(-60, 60, 2401).astype(dtype)
    np.testing.assert_array_equal(_softplus(x), pytensors(x))
    np.testing.assert_array_equal(_grad(_softplus, x), _grad(pytensors, x))


@pytest.mark.parametrize(("dtype", "beyond"), [(np.float32, 89.0), (np.float64, 710.0)])
def test_beyond_exps_overflow_the_gradient_is_the_sigmoid_not_nan(dtype, beyond):
    x = np.array([-2 * beyond, -beyond, beyond, 2 * beyond], dtype=dtype)
    assert np.isnan(_grad(jax_funcify_Softplus(None), x)).all()  # PyTensor's own translation
    wide = x.astype(np.float64)
    np.testing.assert_allclose(_grad(_softplus, x), expit(wide), atol=1e-30)
    np.testing.assert_allclose(_softplus(x), np.logaddexp(0, wide), rtol=1e-6, atol=1e-30)
