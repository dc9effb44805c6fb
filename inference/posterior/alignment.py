"""Align hidden units across chains, and the file group that stores the alignment.

Relabelling the hidden units of the network leaves its function unchanged, so
chains settle in different labellings of the same solution. Each chain is
matched to a reference chain by solving the assignment problem on the hidden
units' parameter vectors (incoming weights, bias, outgoing weight).

The permutation is found once, when a file is written, and stored in its group
:data:`GROUP` (:func:`alignment_group`), so that the report's aligned figures can be
reproduced from the file with xarray alone; files from before it are aligned when read.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from inference.posterior.attrs import PosteriorFileError

#: Variables that carry the ``hidden`` dim and are permuted together.
HIDDEN_VARS = ("w0", "b0", "w1")
#: The file group that holds each chain's permutation, ``permutation (chain, hidden)``.
GROUP = "hidden_alignment"


def unit_vectors(posterior: xr.Dataset) -> xr.DataArray:
    """Per chain, the mean parameter vector of each hidden unit.

    Returns
    -------
    xarray.DataArray
        Dims ``(chain, hidden, component)``: the unit's incoming weights (one per
        feature), its bias and its outgoing weight, averaged over draws.
    """
    means = posterior[list(HIDDEN_VARS)].mean("draw")
    parts = [
        means["w0"].rename(feature="component"),
        means["b0"].expand_dims(component=["b0"]),
        means["w1"].expand_dims(component=["w1"]),
    ]
    incoming = parts[0].assign_coords(component=[f"w0[{f}]" for f in parts[0]["component"].values])
    stacked = xr.concat([incoming, *parts[1:]], dim="component")
    return stacked.transpose("chain", "hidden", "component")


def match_units(reference: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Order ``units`` (hidden, component) to match ``reference`` by the assignment problem.

    Returns
    -------
    numpy.ndarray
        Entry ``h``: the unit of ``units`` closest, overall, to the reference's unit ``h``
        (least total squared distance, ``scipy.optimize.linear_sum_assignment``).
    """
    return linear_sum_assignment(cdist(reference, units, "sqeuclidean"))[1]


def hidden_permutation(posterior: xr.Dataset, *, reference_chain: int = 0) -> xr.DataArray:
    """Find, per chain, the relabelling of hidden units that best matches the reference chain.

    Parameters
    ----------
    posterior : xarray.Dataset
        Network parameters with dims ``(chain, draw, ...)``.
    reference_chain : int
        Position of the chain the others are matched to.

    Returns
    -------
    xarray.DataArray
        Integer dims ``(chain, hidden)``: entry ``[c, h]`` is the unit of chain ``c``
        that plays the role of the reference chain's unit ``h``.
    """
    vectors = unit_vectors(posterior).to_numpy()
    reference = vectors[reference_chain]
    perms = [match_units(reference, v) for v in vectors]
    return xr.DataArray(
        np.array(perms),
        dims=("chain", "hidden"),
        coords={"chain": posterior["chain"], "hidden": posterior["hidden"]},
        name="permutation",
    )


def apply_permutation(posterior: xr.Dataset, permutation: xr.DataArray) -> xr.Dataset:
    """Relabel each chain's hidden units by ``permutation`` (:func:`hidden_permutation`).

    Entry ``[c, h]`` of ``permutation`` is the unit of chain ``c`` that becomes unit ``h``;
    ``w0``, ``b0`` and ``w1`` are permuted together, the rest is kept.
    """
    indexer = permutation.drop_vars("hidden", errors="ignore")
    aligned = posterior.copy()
    for name in HIDDEN_VARS:
        aligned[name] = (
            posterior[name].isel(hidden=indexer).assign_coords(hidden=posterior["hidden"])
        ).transpose(*posterior[name].dims)
    return aligned


def alignment_group(posterior: xr.Dataset) -> xr.Dataset:
    """Return the file group :data:`GROUP`: each chain's permutation onto chain 0's units.

    Examples
    --------
    >>> from inference.testing import tiny_posterior_file
    >>> tree = tiny_posterior_file(chains=2)
    >>> group = alignment_group(tree["posterior"].to_dataset())
    >>> group["permutation"].dims, group.attrs["reference_chain"]
    (('chain', 'hidden'), 0)
    """
    permutation = hidden_permutation(posterior).astype(np.int16)
    return permutation.to_dataset().assign_attrs(
        reference_chain=0,
        description=(
            "permutation[c, h]: the hidden unit of chain c that plays chain 0's unit h; "
            "posterior[v].isel(hidden=permutation) aligns w0, b0 and w1"
        ),
    )


def align_hidden_units(
    posterior: xr.Dataset, *, reference_chain: int = 0
) -> tuple[xr.Dataset, xr.DataArray]:
    """Relabel each chain's hidden units to match the reference chain.

    Parameters
    ----------
    posterior : xarray.Dataset
        Network parameters with dims ``(chain, draw, ...)``.
    reference_chain : int
        Position of the chain the others are matched to.

    Returns
    -------
    aligned : xarray.Dataset
        The same draws with ``w0``, ``b0``, ``w1`` permuted along ``hidden`` per chain;
        every prediction of the network is unchanged.
    permutation : xarray.DataArray
        See :func:`hidden_permutation`.

    Examples
    --------
    >>> import xarray as xr
    >>> from inference.testing import tiny_posterior_file
    >>> one = tiny_posterior_file(chains=1)["posterior"].to_dataset()
    >>> relabelled = one.copy()
    >>> for name in ("w0", "b0", "w1"):
    ...     relabelled[name] = one[name].isel(hidden=[2, 0, 1]).assign_coords(hidden=one["hidden"])
    >>> both = xr.concat([one, relabelled.assign_coords(chain=[1])], dim="chain")
    >>> aligned, permutation = align_hidden_units(both)
    >>> permutation.sel(chain=1).values.tolist()
    [1, 2, 0]
    >>> bool((aligned["w0"].sel(chain=1) == aligned["w0"].sel(chain=0)).all())
    True
    """
    if isinstance(posterior, xr.DataTree):
        posterior = posterior.to_dataset()
    permutation = hidden_permutation(posterior, reference_chain=reference_chain)
    return apply_permutation(posterior, permutation), permutation


def check_alignment(tree: xr.DataTree) -> None:
    """Check a file's stored alignment, if any: its chains, each row a permutation.

    Raises
    ------
    inference.posterior.attrs.PosteriorFileError
        The group labels its chains otherwise than ``posterior``, or a row is not a
        permutation of the hidden units.
    """
    if GROUP not in tree.children:
        return
    stored = tree[GROUP]["permutation"]
    if "chain" in stored.coords and not np.array_equal(
        stored["chain"].to_numpy(), tree["posterior"]["chain"].to_numpy()
    ):
        raise PosteriorFileError(
            f"{GROUP} labels its chains otherwise than posterior (expected the same chain labels)"
        )
    permutation = stored.to_numpy()
    units = np.arange(permutation.shape[1])
    if permutation.dtype.kind not in "iu" or (np.sort(permutation, axis=1) != units).any():
        raise PosteriorFileError(
            f"{GROUP}/permutation has a row that is not a permutation of 0..{units[-1]} "
            "(expected each chain's order of its hidden units)"
        )
