"""Stein variational gradient descent: a set of particles moved by PyMC's ``pm.SVGD``.

The method ``"svgd"`` of :data:`inference.methods.registry.METHODS`. ``--draws`` particles start
at prior draws (seeded: PyMC's own start jitters the initial point with NumPy's global
random state) and move for ``--svgd-steps`` steps of Adam at ``--learning-rate`` along
the kernelised Stein direction, PyMC's RBF kernel with the median-heuristic bandwidth.
The particles are the draws, one chain. SVGD has no objective to stop on and its particles
no density (so no PSIS k-hat): the file keeps, in group ``svgd``, how far the particles
moved in each window of steps (``shift``: mean absolute change per parameter), which
says whether they had settled when the fit stopped.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import xarray as xr

from inference.backends.choice import compiled_by
from inference.backends.runtime import Runtime
from inference.methods.result import MethodFit
from inference.methods.shared.gaussian import prior_points, unravel_draws
from inference.methods.shared.vi_loop import model_order
from inference.model.variables import require_untransformed

__all__ = ["fit_svgd"]


class _Movement:
    """A ``pm.fit`` callback recording the particles' mean absolute shift every window."""

    def __init__(self, window: int):
        self.window, self.shifts, self.steps, self._last = window, [], 0, None

    def __call__(self, approx, loss, i) -> None:
        self.steps = i + 1
        if (i + 1) % self.window:
            return
        particles = approx.groups[0].params_dict["histogram"].get_value()
        if self._last is not None:
            self.shifts.append(float(np.mean(np.abs(particles - self._last))))
        self._last = particles.copy()


def fit_svgd(
    model: pm.Model,
    *,
    runtime: Runtime | None = None,
    random_seed: int | None = None,
    progressbar: bool = False,
    draws: int = 100,
    svgd_steps: int = 2000,
    learning_rate: float = 0.01,
    window: int = 100,
) -> MethodFit:
    """Move ``draws`` prior draws (the particles) by SVGD; return them and how far they moved.

    Parameters
    ----------
    model : pymc.Model
        A model whose free variables are untransformed.
    runtime : Runtime, optional
        Its ADVI compile mode runs ``pm.fit``'s step (``"c"`` or ``"numba"``; JAX has no
        SVGD of its own, so ``"jax"`` runs on numba). Default: the fastest installed.
    random_seed : int, optional
        Seeds the starting particles and the fit.
    progressbar : bool
    draws, svgd_steps : int
        Particles (the draws kept) and Adam steps.
    learning_rate : float
        Adam's step size.
    window : int
        Steps between two records of the particles' shift.

    Returns
    -------
    MethodFit
        The particles, dims ``(chain, draw, ...)``, one chain; ``sample_stats``: attr
        ``gradient_evaluations`` (steps × particles); group ``svgd``: ``shift`` per
        window (dim ``window_end``, the step it ends at), attrs ``kernel``,
        ``particles``, ``steps``.

    Examples
    --------
    >>> import pymc as pm
    >>> with pm.Model() as model:
    ...     mu = pm.Normal("mu", 0.0, 10.0)
    ...     _ = pm.Normal("y", mu, 1.0, observed=[2.9, 3.1, 3.0])
    >>> from inference.backends.runtime import Runtime
    >>> fit = fit_svgd(model, runtime=Runtime.resolve(advi_backend="c"), draws=50,
    ...                svgd_steps=1000, learning_rate=0.05, random_seed=1)
    >>> posterior = fit.posterior
    >>> posterior["mu"].sizes
    Frozen({'chain': 1, 'draw': 50})
    >>> bool(abs(float(posterior["mu"].mean()) - 3.0) < 0.2)
    True
    """
    require_untransformed(model, who="fit_svgd")
    runtime = runtime or Runtime.resolve()
    mode = "numba" if runtime.advi_mode == "jax" else runtime.advi_mode
    particles, steps = draws, svgd_steps
    rng = np.random.default_rng(random_seed)
    start = prior_points(model, particles, rng=rng)
    movement = _Movement(window)
    with model:
        inference = pm.SVGD(n_particles=particles, random_seed=int(rng.integers(2**31)))
        group = inference.approx.groups[0]
        index = model_order(model, group)
        histogram = np.empty_like(start)
        histogram[:, index] = start  # the group's own order
        group.params_dict["histogram"].set_value(histogram)
        inference.fit(
            steps,
            obj_optimizer=pm.adam(learning_rate=learning_rate),
            callbacks=[movement],
            progressbar=progressbar,
            backend=mode,
        )
    if movement.steps < steps:  # pm.fit catches KeyboardInterrupt and returns: not a result
        raise KeyboardInterrupt(f"SVGD interrupted after {movement.steps} steps")
    final = group.params_dict["histogram"].get_value()[:, index]
    ends = window * np.arange(2, len(movement.shifts) + 2)
    record = xr.Dataset(
        {"shift": ("window_end", np.asarray(movement.shifts, dtype=float))},
        coords={"window_end": ends},
        attrs={
            "kernel": "RBF, median-heuristic bandwidth (PyMC)",
            "particles": particles,
            "steps": steps,
        },
    )
    return MethodFit.without_stats(
        unravel_draws(model, final[None]),
        gradient_evaluations=steps * particles,
        groups={"svgd": record},
        libraries=compiled_by(mode),
        backend=mode,
    )
