"""What every inference method's fit returns: its draws and the groups it stores."""

from __future__ import annotations

from dataclasses import dataclass, field

import xarray as xr

__all__ = ["MethodFit"]


@dataclass(frozen=True)
class MethodFit:
    """One method's fit, ready to be put in a posterior file.

    Attributes
    ----------
    posterior : xarray.Dataset
        The model's free variables, dims ``(chain, draw, ...)``.
    sample_stats : xarray.Dataset
        Per-draw statistics ``(chain, draw)``; its attr ``gradient_evaluations`` counts
        the log-density gradients the fit took.
    groups : dict of str to xarray.Dataset
        The method's further groups of the posterior file (e.g. ADVI's ``vi_history``).
    libraries : tuple of str
        The distributions that computed the draws, the inference library first (the
        ``inference_library`` attr of the file's posterior group); all are listed, with
        their versions, in the file's ``library_versions``.
    backend : str
        How the draws were computed: the backend or compile mode that ran them.
    tuning_steps : int, optional
        Warm-up steps per chain that were not kept (MCMC); None where there are none.
    """

    posterior: xr.Dataset
    sample_stats: xr.Dataset
    groups: dict[str, xr.Dataset] = field(default_factory=dict)
    libraries: tuple[str, ...] = ("pymc", "pytensor")
    backend: str = "c"
    tuning_steps: int | None = None

    @classmethod
    def without_stats(
        cls,
        posterior: xr.Dataset,
        *,
        gradient_evaluations: int,
        groups: dict | None = None,
        **provenance,
    ) -> MethodFit:
        """Return the fit of a method whose draws have no per-draw statistics (particles).

        ``provenance``: ``libraries``, ``backend`` and ``tuning_steps``, as of the class.

        Examples
        --------
        >>> posterior = xr.Dataset({"mu": (("chain", "draw"), [[0.1, 0.2]])})
        >>> MethodFit.without_stats(posterior, gradient_evaluations=8).sample_stats.attrs
        {'gradient_evaluations': 8}
        """
        stats = xr.Dataset(
            coords={"chain": posterior["chain"], "draw": posterior["draw"]},
            attrs={"gradient_evaluations": gradient_evaluations},
        )
        return cls(posterior=posterior, sample_stats=stats, groups=groups or {}, **provenance)
