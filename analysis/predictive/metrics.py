"""Predictive summaries, thresholds, classification tables and probabilistic scores."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import xarray as xr
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    brier_score_loss,
    classification_report,
    confusion_matrix,
    f1_score,
    log_loss,
    roc_auc_score,
)

SAMPLE_DIMS = ("chain", "draw")
CLASSES = ("arrest", "propagate")  # the paper's; a file names its own (file_classes)


def predictive_moments(tree: xr.DataTree, *, chains: list[int] | None = None) -> xr.Dataset:
    """Mean and standard deviation of the predicted probability per test simulation.

    Parameters
    ----------
    tree : xarray.DataTree
        A posterior file.
    chains : list of int, optional
        Positions of the chains to pool (default: all).

    Returns
    -------
    xarray.Dataset
        ``mean`` and ``std`` with dim ``test``, and the true label ``y``.
    """
    p = tree["predictions"]["p"]
    if chains is not None:
        p = p.isel(chain=chains)
    return xr.Dataset(
        {
            "mean": p.mean(SAMPLE_DIMS),
            "std": p.std(SAMPLE_DIMS),
            "y": tree["predictions_constant_data"]["y"],
        }
    )


def accuracy(
    p_mean: np.ndarray | xr.DataArray, y: np.ndarray | xr.DataArray, *, threshold: float = 0.5
) -> float | np.ndarray:
    """Share of test simulations classed correctly when propagating means ``p_mean > threshold``.

    Parameters
    ----------
    p_mean : array-like
        Mean predicted probabilities, the test simulations along the last axis (more
        leading axes, e.g. one row per chain, give one accuracy each).
    y : array-like
        The true labels (1: propagates), along the same last axis.
    threshold : float
        A simulation is classed as propagating when its mean probability exceeds it.

    Returns
    -------
    float or numpy.ndarray
        A float for one prediction, else one accuracy per leading index.

    Examples
    --------
    >>> accuracy(np.array([0.9, 0.2, 0.6, 0.5]), np.array([1, 0, 0, 1]))
    0.5
    >>> accuracy(np.array([[0.9, 0.2], [0.1, 0.8]]), np.array([1, 0])).tolist()
    [1.0, 0.0]
    """
    correct = (np.asarray(p_mean) > threshold) == (np.asarray(y) == 1)
    score = np.mean(correct, axis=-1)
    return float(score) if np.ndim(score) == 0 else score


@dataclass(frozen=True)
class ClassificationMetrics:
    """Test accuracy and weighted F1 at a threshold, and the mean predictive std."""

    accuracy: float
    f1_weighted: float
    mean_std: float

    def as_dict(self) -> dict[str, float]:
        """Return the metrics by name, JSON-ready."""
        return asdict(self)


@dataclass(frozen=True)
class ProbabilisticScores:
    """ROC AUC, log loss, Brier score and expected calibration error of mean predictions."""

    roc_auc: float
    log_loss: float
    brier: float
    ece: float

    def as_dict(self) -> dict[str, float]:
        """Return the scores by name, JSON-ready."""
        return asdict(self)


def classification_metrics(
    tree: xr.DataTree, *, threshold: float = 0.5, moments: xr.Dataset | None = None
) -> ClassificationMetrics:
    """Accuracy, weighted F1 and mean predictive std on the test set.

    Parameters
    ----------
    tree : xarray.DataTree
        A posterior file.
    threshold : float
        A test simulation is classed as propagating when its mean probability
        exceeds this value.
    moments : xarray.Dataset, optional
        :func:`predictive_moments` of ``tree``, if computed already.

    Returns
    -------
    ClassificationMetrics
    """
    moments = predictive_moments(tree) if moments is None else moments
    y_true = moments["y"].to_numpy()
    y_pred = (moments["mean"].to_numpy() > threshold).astype(np.int64)
    return ClassificationMetrics(
        accuracy=accuracy(moments["mean"], y_true, threshold=threshold),
        f1_weighted=float(f1_score(y_true, y_pred, average="weighted")),
        mean_std=float(moments["std"].mean()),
    )


def weighted_f1_curve(
    y: np.ndarray, p_mean: np.ndarray, thresholds: np.ndarray, *, weight: np.ndarray | None = None
) -> np.ndarray:
    """Weighted F1 of the classes ``p_mean > t`` for every threshold ``t`` at once.

    Equals :func:`sklearn.metrics.f1_score` with ``average="weighted"`` at each threshold
    (each class's F1 weighted by its support), from cumulative class weights over the
    sorted probabilities: one sort instead of one call per threshold.

    Examples
    --------
    >>> from sklearn.metrics import f1_score
    >>> y, p = np.array([0, 0, 1, 1, 1]), np.array([0.1, 0.6, 0.4, 0.8, 0.9])
    >>> curve = weighted_f1_curve(y, p, np.array([0.3, 0.5, 0.7]))
    >>> bool(np.isclose(curve[1], f1_score(y, (p > 0.5).astype(int), average="weighted")))
    True
    """
    y = np.asarray(y)
    w = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=float)
    order = np.argsort(p_mean, kind="stable")
    # weight of each class among the rows at or below each threshold (predicted 0)
    below = np.searchsorted(np.asarray(p_mean)[order], thresholds, side="right")
    cum1 = np.concatenate([[0.0], np.cumsum((w * (y == 1))[order])])
    cum0 = np.concatenate([[0.0], np.cumsum((w * (y == 0))[order])])
    total1, total0 = cum1[-1], cum0[-1]
    fn1, tn = cum1[below], cum0[below]  # true 1 predicted 0; true 0 predicted 0
    tp1, fp1 = total1 - fn1, total0 - tn
    f1_one = _f1(tp1, fp1, fn1)
    f1_zero = _f1(tn, fn1, fp1)  # class 0: its false positives are class 1's misses
    return (total1 * f1_one + total0 * f1_zero) / (total1 + total0)


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    """F1 = 2 TP / (2 TP + FP + FN); 0 where nothing is predicted or true (sklearn's)."""
    denominator = 2 * tp + fp + fn
    return np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)


def f1_optimal_threshold(
    y: np.ndarray, p_mean: np.ndarray, *, weight: np.ndarray | None = None, n_grid: int = 1000
) -> float:
    """Threshold on the mean probability that maximises weighted F1 on the given rows.

    Parameters
    ----------
    y : numpy.ndarray
        True 0/1 labels.
    p_mean : numpy.ndarray
        Mean predicted probabilities.
    weight : numpy.ndarray, optional
        Row weights (counts of duplicated rows).
    n_grid : int
        Thresholds tried, evenly spaced in (0, 1) (the paper swept 1000).

    Returns
    -------
    float
        The best threshold (the smallest one among ties).

    Examples
    --------
    >>> y, p = np.array([0, 0, 1, 1]), np.array([0.2, 0.3, 0.35, 0.9])
    >>> round(f1_optimal_threshold(y, p, n_grid=9), 3)
    0.3
    """
    grid = np.linspace(0, 1, n_grid + 2)[1:-1]
    return float(grid[int(np.argmax(weighted_f1_curve(y, p_mean, grid, weight=weight)))])


def classification_tables(
    y: np.ndarray, p_mean: np.ndarray, *, threshold: float, classes: tuple[str, str] = CLASSES
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Confusion matrix and classification report at a threshold (the paper's Tables 1-2).

    Returns
    -------
    confusion : pandas.DataFrame
        Rows true class, columns predicted class, named by ``classes`` (class 0, class 1;
        the paper's ``arrest``, ``propagate``).
    report : pandas.DataFrame
        Precision, recall, F1 and support per class, with macro and weighted averages
        and accuracy, as in :func:`sklearn.metrics.classification_report`.
    """
    y_pred = (p_mean > threshold).astype(np.int64)
    confusion = pd.DataFrame(
        confusion_matrix(y, y_pred, labels=[0, 1]),
        index=pd.Index(classes, name="true"),
        columns=pd.Index(classes, name="predicted"),
    )
    report = classification_report(
        y, y_pred, labels=[0, 1], target_names=list(classes), output_dict=True, zero_division=0
    )
    correct = report.pop("accuracy")  # the report's own, as sklearn prints it
    table = pd.DataFrame(report).T
    table.loc["accuracy"] = [np.nan, np.nan, correct, table.loc["weighted avg", "support"]]
    return confusion, table.astype({"support": "int64"})


def reliability(y: np.ndarray, p_mean: np.ndarray, *, n_bins: int = 10) -> xr.Dataset:
    """Reliability diagram data: observed frequency against mean prediction per bin.

    Returns
    -------
    xarray.Dataset
        Dim ``bin`` (non-empty equal-width bins): ``predicted``, ``observed``, ``count``.
    """
    observed, predicted = calibration_curve(y, p_mean, n_bins=n_bins, strategy="uniform")
    edges = np.linspace(0, 1, n_bins + 1)
    counts = np.histogram(p_mean, bins=edges)[0]
    return xr.Dataset(
        {
            "predicted": ("bin", predicted),
            "observed": ("bin", observed),
            "count": ("bin", counts[counts > 0]),
        },
        attrs={"n_bins": n_bins},
    )


def probabilistic_scores(
    y: np.ndarray, p_mean: np.ndarray, *, n_bins: int = 10
) -> ProbabilisticScores:
    """ROC AUC, log loss, Brier score and expected calibration error of mean predictions.

    The expected calibration error is the count-weighted mean absolute gap between
    observed frequency and mean prediction over ``n_bins`` equal-width bins. ROC AUC
    is NaN when only one class is present.
    """
    bins = reliability(y, p_mean, n_bins=n_bins)
    gaps = np.abs(bins["observed"] - bins["predicted"])
    both_classes = len(np.unique(y)) == 2
    return ProbabilisticScores(
        roc_auc=float(roc_auc_score(y, p_mean)) if both_classes else np.nan,
        log_loss=float(log_loss(y, p_mean, labels=[0, 1])),
        brier=float(brier_score_loss(y, p_mean)),
        ece=float((gaps * bins["count"]).sum() / bins["count"].sum()),
    )


def misclassification_table(
    predictive: xr.Dataset, *, threshold: float = 0.5, classes: tuple[str, str] = CLASSES
) -> pd.DataFrame:
    """Count and mean predictive std of correct and wrong test predictions per true class."""
    mean, std, y = (predictive[k].to_numpy() for k in ("mean", "std", "y"))
    correct = (mean > threshold) == (y == 1)
    rows = {}
    for label, name in enumerate(classes):
        for ok, word in ((True, "correct"), (False, "misclassified")):
            keep = (y == label) & (correct == ok)
            rows[(name, word)] = {
                "count": int(keep.sum()),
                "mean predictive std": float(std[keep].mean()) if keep.any() else np.nan,
            }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.names = ["true class", "prediction"]
    return table
