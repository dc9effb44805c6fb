import json

import numpy as np
import pytest
import xarray as xr

from analysis.comparison.pairwise import INTERVALS, PAIRWISE
from analysis.comparison.two_files import (
    ComparisonError,
    align_to,
    check_comparable,
    compare_runs,
)
from analysis.file_analysis import analyse_run
from inference.posterior import storage
from study.reporting import write_comparison
from tests.cli import study


@pytest.fixture(scope="module")
def trees(advi_file, nuts_file):
    return storage.load(advi_file), storage.load(nuts_file)


@pytest.fixture(scope="module")
def analyses(trees):
    return tuple(analyse_run(t, n_repeats=2) for t in trees)


def test_a_file_compared_with_itself(analyses):
    advi, _ = analyses
    comparison = compare_runs(advi, advi)
    assert comparison.labels == ("advi (A)", "advi (B)")
    numbers = comparison.numbers
    assert float(numbers["class_agreement"]) == 1.0
    assert float(numbers["mean_abs_diff"]) == 0.0
    assert float(numbers["std_ratio"]) == pytest.approx(1.0)
    assert float(numbers["kendall_tau_importance"]) == pytest.approx(1.0)
    for number in PAIRWISE:  # a posterior against itself: each number's own "same" value
        assert float(numbers[number.name]) == pytest.approx(number.same), number.name
    params = comparison.parameters
    assert float(np.abs(params["w0_mean_diff"]).max()) == 0.0
    np.testing.assert_allclose(params["w0_sd_ratio"], 1.0)
    assert float(params["w1_wasserstein"].max()) == 0.0


def test_relabelled_copy_is_aligned_back(trees):
    advi, _ = trees
    post = advi["posterior"].to_dataset()
    shuffled = post.copy()
    for name in ("w0", "b0", "w1"):
        shuffled[name] = post[name].isel(hidden=[2, 0, 1]).assign_coords(hidden=post["hidden"])
    aligned = align_to(post, shuffled)
    xr.testing.assert_equal(aligned[["w0", "b0", "w1"]], post[["w0", "b0", "w1"]])


def test_headline_matches_an_independent_recomputation(trees, analyses, tmp_path):
    json_path = tmp_path / "c.json"
    write_comparison(analyses, html_path=tmp_path / "c.html", json_path=json_path)
    numbers = json.loads(json_path.read_text())
    advi = trees[0]
    y = advi["predictions_constant_data"]["y"].to_numpy()
    p = [t["predictions"]["p"].to_numpy() for t in trees]
    mean = [x.mean(axis=(0, 1)) for x in p]
    std = [x.std(axis=(0, 1)) for x in p]
    for label, m in zip(("advi", "nuts"), mean, strict=True):
        assert numbers["metrics"][label]["accuracy"] == pytest.approx(
            np.mean((m > 0.5) == (y == 1)), abs=1e-12
        )
    agreement = numbers["agreement"]
    assert agreement["class_agreement"] == pytest.approx(
        np.mean((mean[0] > 0.5) == (mean[1] > 0.5))
    )
    assert agreement["mean_abs_diff"] == pytest.approx(
        np.mean(np.abs(mean[0] - mean[1])), abs=1e-12
    )
    assert agreement["std_ratio"] == pytest.approx(std[0].mean() / std[1].mean(), rel=1e-9)
    assert numbers["cost"]["nuts"]["gradient_evaluations"] > 0
    assert numbers["cost"]["advi"]["gradient_evaluations"] == 600
    assert (tmp_path / "c.html").read_text().count('src="data:image/svg+xml;base64,') == 16


def test_different_test_sets_are_refused(trees):
    advi, nuts = trees
    other = nuts.copy()
    other["predictions_constant_data"] = (
        nuts["predictions_constant_data"].to_dataset().assign(y=lambda d: 1 - d["y"])
    )
    with pytest.raises(ComparisonError, match="different test sets"):
        check_comparable(advi, other)


def test_compare_command_refuses_mismatched_files(trees, advi_file, tmp_path):
    _, nuts = trees
    other = nuts.copy()
    other["predictions_constant_data"] = (
        nuts["predictions_constant_data"].to_dataset().assign(X=lambda d: d["X"] + 1)
    )
    other_path = storage.save(other, tmp_path / "other.nc")
    done = study("compare", advi_file, other_path, "-o", tmp_path / "c.html", cwd=tmp_path)
    assert done.returncode == 2
    assert "different test sets" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "c.html").exists()


def test_reference_intervals_are_recomputable_from_the_two_files(trees, analyses, tmp_path):
    """The JSON's intervals: a leave-one-chain-out jackknife over NUTS's chains, by hand."""
    json_path = tmp_path / "c.json"
    write_comparison(analyses, html_path=tmp_path / "c.html", json_path=json_path)
    intervals = json.loads(json_path.read_text())["reference_intervals"]
    assert intervals["reference"] == "nuts"
    numbers = intervals["numbers"]
    y = trees[0]["predictions_constant_data"]["y"].to_numpy() == 1
    p_advi = trees[0]["predictions"]["p"].to_numpy().mean(axis=(0, 1))
    p_nuts = trees[1]["predictions"]["p"].to_numpy()  # (chain, draw, test)
    chains = p_nuts.shape[0]

    def by_hand(keep):
        p = p_nuts[keep].mean(axis=(0, 1))
        return {
            "mean_abs_diff": np.mean(np.abs(p_advi - p)),
            "accuracy_difference": np.mean((p_advi > 0.5) == y) - np.mean((p > 0.5) == y),
        }

    for name in ("mean_abs_diff", "accuracy_difference"):
        full = by_hand(list(range(chains)))[name]
        left_out = np.array(
            [by_hand([c for c in range(chains) if c != k])[name] for k in range(chains)]
        )
        se = np.sqrt((chains - 1) / chains * np.sum((left_out - left_out.mean()) ** 2))
        assert numbers[name]["value"] == pytest.approx(full, abs=1e-12)
        assert numbers[name]["se"] == pytest.approx(se, abs=1e-12)
        assert numbers[name]["lower"] == pytest.approx(full - 1.959963984540054 * se, abs=1e-12)
    headline = json.loads(json_path.read_text())
    assert numbers["std_ratio"]["value"] == pytest.approx(headline["agreement"]["std_ratio"])
    assert numbers["kendall_tau_importance"]["value"] == pytest.approx(
        headline["kendall_tau_importance"]
    )
    assert numbers["mean_sd_ratio_w0"]["value"] == pytest.approx(
        headline["weights"]["mean_sd_ratio_w0"]
    )
    assert "intervals" in (tmp_path / "c.html").read_text()
    chains = headline["chains"]
    assert set(chains) == {"nuts"}  # ADVI has no chains to judge
    assert chains["nuts"]["chains"] == chains_of(trees[1])
    assert sum(chains["nuts"]["stacking_weights"]) == pytest.approx(1.0)


def chains_of(tree):
    return tree["posterior"].sizes["chain"]


def test_no_interval_without_chains(analyses):
    advi, _ = analyses
    comparison = compare_runs(advi, advi)
    assert comparison.intervals is None and comparison.reference is None


def test_the_table_of_pairwise_numbers_gives_the_documented_json_keys():
    """The README's keys, all read from the one table of pairwise numbers."""
    groups = {g: {n.name for n in PAIRWISE if n.group == g} for g in ("agreement", "weights", "")}
    assert groups["agreement"] == {
        "class_agreement",
        "mean_abs_diff",
        "std_ratio",
        "std_correlation",
    }
    assert groups["weights"] == {
        "mean_sd_ratio_w0",
        "mean_sd_ratio_w1",
        "mean_wasserstein_w0",
        "mean_wasserstein_w1",
    }
    assert groups[""] == {"kendall_tau_importance"}
    assert {n.name for n in INTERVALS} == {"accuracy_difference", "kendall_tau_importance"} | (
        groups["agreement"] - {"std_correlation"}
    ) | {"mean_sd_ratio_w0", "mean_sd_ratio_w1"}
    assert {n.column for n in PAIRWISE if n.column} == {
        "class_agreement",
        "mean_abs_diff",
        "std_ratio",
        "mean_wasserstein_w0",
        "mean_wasserstein_w1",
        "kendall_tau",
    }


def test_a_zero_width_interval_is_not_measurable_never_beyond(analyses):
    """Kendall's τ the same on every leave-one-chain-out: se 0, read as not measurable."""
    import dataclasses

    from analysis.comparison.conclusion import conclusion, headline, verdict_line
    from analysis.comparison.jackknife import exceeds_spread

    comparison = compare_runs(*analyses)
    planted = comparison.intervals.copy()
    planted.loc["kendall_tau_importance", ["value", "se", "lower", "upper"]] = [0.2, 0, 0.2, 0.2]
    nulls = planted["null"].to_dict()
    table = exceeds_spread(planted[["value", "se", "lower", "upper"]], nulls, chains=4)
    assert table.loc["kendall_tau_importance", "reading"] == "not measurable from 4 chains"
    assert not table.loc["kendall_tau_importance", "exceeds"]  # |0.2 - 1| > 0, yet not beyond
    planted_comparison = dataclasses.replace(comparison, intervals=table)
    numbers = headline(planted_comparison)["reference_intervals"]["numbers"]
    assert numbers["kendall_tau_importance"]["exceeds_reference_spread"] is None
    assert numbers["kendall_tau_importance"]["reading"] == "not measurable from 4 chains"
    line = next(s for s in conclusion(planted_comparison) if s.startswith("Intervals"))
    assert "(not measurable from 4 chains)" in line and "not measurable (the same on" in line
    beyond = line.split("Beyond the reference's own spread: ")[1].split(";")[0]
    assert "Kendall" not in beyond
    unmeasured = int((~table["measurable"]).sum())
    assert f"{unmeasured} not measurable from its chains" in verdict_line(planted_comparison)
