"""The network's predictions: the evaluator of a file, metrics, per-input uncertainty, scenarios."""
