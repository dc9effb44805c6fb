"""Where to cut a mean probability into two classes, and the tables at each cut."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd
import xarray as xr

from analysis.predictive.evaluator import Evaluator, training_predictions
from analysis.predictive.metrics import classification_tables, f1_optimal_threshold
from inference.posterior.classes import file_classes

__all__ = ["Threshold", "classification_thresholds"]


@dataclass(frozen=True)
class Threshold:
    """Classification at one threshold: why it was chosen and its tables."""

    name: str
    value: float
    note: str
    confusion: pd.DataFrame
    report: pd.DataFrame


def classification_thresholds(
    tree: xr.DataTree, predictive: xr.Dataset, *, network: Evaluator | None = None
) -> list[Threshold]:
    """Classify the test set at 0.5, at the training F1 optimum and at the test optimum.

    Parameters
    ----------
    tree : xarray.DataTree
        A posterior file.
    predictive : xarray.Dataset
        Its predictive moments (:func:`analysis.predictive.metrics.predictive_moments`).
    network : callable, optional
        From :func:`analysis.predictive.evaluator.evaluator`, to skip compiling again.

    Returns
    -------
    list of Threshold
        The natural cut, the cut that maximises weighted F1 on the training rows (no test
        data used) and the one tuned on the test set, as the paper did (optimistic).

    Examples
    --------
    >>> from analysis.predictive.metrics import predictive_moments
    >>> from inference.testing import tiny_posterior_file
    >>> tree = tiny_posterior_file()
    >>> [t.name for t in classification_thresholds(tree, predictive_moments(tree))]
    ['0.5', 'F1-optimal on training data', 'tuned on the test set (optimistic)']
    """
    y, p_mean = predictive["y"].to_numpy(), predictive["mean"].to_numpy()
    train_p = training_predictions(tree, network=network).mean(("chain", "draw")).to_numpy()
    train_y = tree["observed_data"]["y"].to_numpy()
    weight = tree["constant_data"]["weight"].to_numpy()
    names = file_classes(tree).names
    choices = [
        ("0.5", 0.5, "the natural cut for a probability"),
        (
            "F1-optimal on training data",
            f1_optimal_threshold(train_y, train_p, weight=weight),
            f"maximises weighted F1 on {_training_rows(tree)}: no test data used",
        ),
        (
            "tuned on the test set (optimistic)",
            f1_optimal_threshold(y, p_mean),
            "maximises weighted F1 on the test set itself, as the paper did; shown only "
            "to compare with the paper: it leaks the test labels and flatters the result",
        ),
    ]
    return [
        Threshold(
            name, value, note, *classification_tables(y, p_mean, threshold=value, classes=names)
        )
        for name, value, note in choices
    ]


def _training_rows(tree: xr.DataTree) -> str:
    """Name the training rows as the file's fit counted them (its ``balance``)."""
    config = json.loads(tree.attrs.get("config", "{}"))
    balance = config.get("balance", "upsample")  # files from before the option were upsampled
    if not isinstance(balance, str):  # untrusted: a file's config is data
        balance = None
    return {
        "weight": "the training rows, the smaller class weighted as in the fit",
        "upsample": "the upsampled training rows (each counted as often as it was drawn)",
    }.get(balance, "the training rows")
