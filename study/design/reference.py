"""A design's full-data reference: one fit on the whole pool, at ``run``'s defaults, kept in OUT.

Every round is measured against it (``mean_abs_diff_full``, the simulations to come
near its accuracy and log loss, the boundary under the picks). Without ``--reference``,
the design fits its Markov method (NUTS if it runs NUTS, else the first Markov method of
``--methods``, else NUTS) once, with :class:`~study.config.RunConfig`'s defaults, and
stores it as ``OUT/reference-<method>.nc``; a rerun reuses it when it was fitted on the
same pool and test set with the same options, and refuses it otherwise.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import xarray as xr

from inference.methods.registry import METHODS
from inference.posterior import storage
from study.config import RunConfig
from study.data.dataset import Dataset
from study.design.settings import DesignError

__all__ = ["REFERENCE_DEFAULT", "full_data_reference", "reference_method"]

logger = logging.getLogger(__name__)

#: The reference method when the design runs no Markov method.
REFERENCE_DEFAULT = "nuts"


def reference_method(methods: Sequence[str]) -> str:
    """Choose the method of the full-data reference: the design's Markov method, or NUTS.

    Examples
    --------
    >>> reference_method(["advi", "nuts"]), reference_method(["advi"])
    ('nuts', 'nuts')
    """
    if "nuts" in methods:
        return "nuts"
    markov = (m for m in methods if METHODS[m].draws == "markov")
    return next(markov, REFERENCE_DEFAULT)


def full_data_reference(method: str, pool: Dataset, *, out: Path) -> xr.DataTree:
    """Fit ``method`` on the whole pool at ``run``'s defaults, once; reuse it after.

    Raises
    ------
    study.design.settings.DesignError
        ``OUT`` holds a reference fitted on other data or with other options.
    """
    from study.pipeline import fit_posterior, resolve_runtime

    config, runtime = resolve_runtime(RunConfig())
    path = out / f"reference-{method}.nc"
    expected = config.applying_to(method) | {"method": method}
    if path.is_file():
        tree = storage.load(path)
        stored = json.loads(tree.attrs["config"])
        differ = sorted(k for k, v in expected.items() if stored.get(k) != v)
        if json.loads(tree.attrs["data_sha256"]) != pool.sha256:
            differ.append("data")
        if differ:
            raise DesignError(
                f"{path} was fitted with other settings ({', '.join(differ)} differ); "
                "choose another --out or remove it"
            )
        logger.info("full-data reference: %s (fitted before)", path)
        return tree
    logger.info(
        "fitting the full-data reference: %s on all %d simulations", method, len(pool.train)
    )
    tree = fit_posterior(method, pool, config, runtime=runtime)
    storage.save(tree, path)
    return storage.load(path)
