"""Predictive summaries and classification metrics of the test set."""

from __future__ import annotations

import numpy as np
import xarray as xr
from sklearn.metrics import accuracy_score, f1_score

SAMPLE_DIMS = ("chain", "draw")


def predictive_moments(tree: xr.DataTree) -> xr.Dataset:
    """Mean and standard deviation of the predicted probability per test simulation.

    Parameters
    ----------
    tree : xarray.DataTree
        A posterior file.

    Returns
    -------
    xarray.Dataset
        ``mean`` and ``std`` with dim ``test``.
    """
    p = tree["predictions"]["p"]
    return xr.Dataset({"mean": p.mean(SAMPLE_DIMS), "std": p.std(SAMPLE_DIMS)})


def classification_metrics(tree: xr.DataTree, *, threshold: float = 0.5) -> dict[str, float]:
    """Accuracy, weighted F1 and mean predictive std on the test set.

    Parameters
    ----------
    tree : xarray.DataTree
        A posterior file.
    threshold : float
        A test simulation is classed as propagating when its mean probability
        exceeds this value.

    Returns
    -------
    dict
        ``accuracy``, ``f1_weighted``, ``mean_std``.
    """
    moments = predictive_moments(tree)
    y_true = tree["predictions_constant_data"]["y"].to_numpy()
    y_pred = (moments["mean"].to_numpy() > threshold).astype(np.int64)
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "f1_weighted": float(f1_score(y_true, y_pred, average="weighted")),
        "mean_std": float(moments["std"].mean()),
    }
