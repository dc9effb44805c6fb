"""A model's free variables as the fits handle them: untransformed, with named dims.

Any PyMC model, not only the network: the fits of :mod:`inference.methods` and NumPyro's
NUTS (:mod:`inference.backends.numpyro_nuts`) check and name a model's variables here.
"""

from __future__ import annotations

import numpy as np
import pymc as pm

__all__ = ["require_untransformed", "value_dims"]


def require_untransformed(model: pm.Model, *, who: str) -> None:
    """Refuse a model with transformed free variables: raveling here takes values as draws.

    Examples
    --------
    >>> import pymc as pm
    >>> with pm.Model() as model:
    ...     sd = pm.HalfNormal("sd")
    >>> require_untransformed(model, who="fit_x")
    Traceback (most recent call last):
    ...
    ValueError: fit_x handles models whose free variables are untransformed
    """
    if any(model.rvs_to_transforms[rv] is not None for rv in model.free_RVs):
        raise ValueError(f"{who} handles models whose free variables are untransformed")


def value_dims(model: pm.Model) -> dict[str, tuple[str, ...]]:
    """Each value variable's dims: the model's, else ArviZ's default ``NAME_dim_K``."""
    point = model.initial_point()
    return {
        v.name: model.named_vars_to_dims.get(v.name)
        or tuple(f"{v.name}_dim_{i}" for i in range(np.ndim(point[v.name])))
        for v in model.value_vars
    }
