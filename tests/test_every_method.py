"""Common checks run over every registered method, on a tiny file built from its row.

Like scikit-learn's common estimator checks: a method added to the table is checked
here without a test of its own for these, and without a fit.
"""

import pytest
from markupsafe import escape

from analysis.file_analysis import analyse_run
from inference.methods.registry import METHODS
from inference.posterior import storage
from inference.testing import tiny_posterior_file
from reports.run import render_run


@pytest.fixture(params=list(METHODS))
def tiny(request):
    return request.param, tiny_posterior_file(request.param, chains=2, draws=30)


def test_a_tiny_file_of_every_method_round_trips_through_its_contract(tiny, tmp_path):
    method, tree = tiny
    path = storage.save(tree, tmp_path / f"{method}.nc")
    again = storage.load(path)
    assert again.attrs["method"] == method
    assert set(METHODS[method].stores) <= set(again.children)


def test_every_method_is_diagnosed_by_its_rule_and_reported(tiny):
    method, tree = tiny
    analysis = analyse_run(tree, n_repeats=1)
    markov = METHODS[method].draws == "markov"
    assert type(analysis.diagnostics).__name__ == (
        "ChainDiagnostics" if markov else "ApproximationDiagnostics"
    )
    page = render_run(analysis, title=method)
    assert page.startswith("<!DOCTYPE html>") and method in page
    for figure in METHODS[method].reported.figures:  # what its library reported, drawn
        assert str(escape(figure.caption)) in page
