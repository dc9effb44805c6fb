"""Predict new scenarios and choose the next simulations: known answers, files, bad input."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.predictive.scenarios import (
    next_simulations,
    sobol_candidates,
    training_box,
    training_values,
)
from analysis.predictive.uncertainty import summarise_draws
from inference.posterior import storage
from inference.testing import tiny_posterior_file
from study import predict_next
from study.cli.parser import main
from tests.planted import X_MEAN, X_STD, disagree_beyond, physical, planted_file

FEATURES = [f"x{i}" for i in range(8)]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Two posterior files with planted training statistics, and their test rows as a CSV."""
    folder = tmp_path_factory.mktemp("scenarios")
    trees = {}
    for seed, name in enumerate(("a.nc", "b.nc")):
        tree = tiny_posterior_file("nuts", seed=0, draws=30 + 5 * seed)
        tree = planted_file({n: tree["posterior"][n].to_numpy() for n in tree["posterior"]})
        storage.save(tree, folder / name)
        trees[name] = tree
    tree = trees["a.nc"]
    frame = pd.DataFrame(
        physical(tree, tree["predictions_constant_data"]["X"].to_numpy()), columns=FEATURES
    )
    frame.insert(0, "name", [f"fault {i}" for i in range(len(frame))])
    frame["label"] = tree["predictions_constant_data"]["y"].to_numpy()
    frame = frame[["name", *FEATURES[::-1], "label"]]  # any column order
    frame.to_csv(folder / "test.csv", index=False)
    return folder, trees


def test_predict_reproduces_the_stored_predictions(files, capsys, monkeypatch):
    folder, trees = files
    monkeypatch.setattr(predict_next, "_CHUNK_VALUES", 7 * 35)  # 7 rows a chunk: 5 chunks
    out = folder / "pred.csv"
    args = ["predict", folder / "a.nc", folder / "b.nc", folder / "test.csv", "-o", out]
    assert main([str(a) for a in args]) == 0
    table = pd.read_csv(out)
    n = trees["a.nc"]["predictions"]["p"].sizes["test"]
    assert len(table) == 2 * n
    assert table["scenario"].tolist() == list(np.repeat(np.arange(n), 2))
    assert table["name"].iloc[-1] == f"fault {n - 1}"
    for name, tree in trees.items():
        mine = table[table["file"] == name].reset_index(drop=True)
        stored = summarise_draws(tree["predictions"]["p"]).to_dataframe().reset_index(drop=True)
        for column in ("mean", "sd", "q05", "q50", "q95", "entropy", "mutual_information"):
            np.testing.assert_allclose(mine[column], stored[column], rtol=0, atol=1e-12)
        assert (mine["propagates"] == (stored["mean"] > 0.5)).all()
        X, X_test = tree["constant_data"]["X"], tree["predictions_constant_data"]["X"]
        beyond = (X_test < X.min("obs")) | (X_test > X.max("obs"))  # in standardised units
        gaps = np.linalg.norm(X_test.to_numpy()[:, None] - X.to_numpy()[None], axis=-1)
        within = np.sort(np.linalg.norm(X.to_numpy()[:, None] - X.to_numpy()[None], axis=-1))
        far = gaps.min(axis=1) > np.quantile(within[:, 1], 0.99)
        assert mine["far_from_design"].tolist() == far.tolist()
        expected = beyond.any("feature").to_numpy() | far
        assert mine["extrapolation"].tolist() == expected.tolist()
    printed = capsys.readouterr().out
    assert re.search(
        r"^a\.nc: \d+ scenario\(s\) extrapolate \(outside the training box, or "
        r"farther from every simulation than [\d.]+ training sd\); accuracy",
        printed,
        re.M,
    )


def test_predict_flags_extrapolation_in_physical_units(files, tmp_path):
    folder, trees = files
    box = training_box(trees["a.nc"])
    inside = training_values(trees["a.nc"]).iloc[0]  # a training simulation: not far
    rows = pd.DataFrame([inside, inside, inside], columns=FEATURES).reset_index(drop=True)
    rows.loc[1, "x3"] = box.loc["x3", "max"] * 1.01 + 1  # just above the training range
    rows.loc[2, ["x0", "x7"]] = box.loc[["x0", "x7"], "min"].to_numpy() - 1
    rows.to_csv(tmp_path / "new.csv", index=False)
    assert (
        main(
            [
                "predict",
                str(folder / "a.nc"),
                str(tmp_path / "new.csv"),
                "-o",
                str(tmp_path / "p.csv"),
            ]
        )
        == 0
    )
    table = pd.read_csv(tmp_path / "p.csv", keep_default_na=False)
    assert table["extrapolation"].tolist() == [False, True, True]
    assert table["outside"].tolist() == ["", "x3", "x0;x7"]


def test_a_bad_row_in_a_late_chunk_writes_nothing(files, tmp_path, monkeypatch, capsys):
    folder, _ = files
    monkeypatch.setattr(predict_next, "_CHUNK_VALUES", 30 * 10)
    frame = pd.read_csv(folder / "test.csv")
    frame["x5"] = frame["x5"].astype(object)
    frame.loc[27, "x5"] = "12,5"  # a decimal comma: one cell too many on line 29
    text = frame.to_csv(index=False)
    (tmp_path / "bad.csv").write_text(text.replace('"12,5"', "12,5"))
    out = tmp_path / "pred.csv"
    assert main(["predict", str(folder / "a.nc"), str(tmp_path / "bad.csv"), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.csv: line 29 has 11 values (expected 10" in err[0]
    assert list(tmp_path.iterdir()) == [tmp_path / "bad.csv"]  # no output, no temporary file


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("x0,x1\n1,2\n", ["the header, is missing column(s) 'x2'"]),
        (",".join(FEATURES) + "\n", ["no data rows"]),
        (",".join(FEATURES) + ",label\n" + "1," * 8 + "2\n", ["line 2, column 'label'", "'2'"]),
        (",".join(FEATURES) + "\n" + "1," * 7 + "inf\n", ["line 2, column 'x7'", "not finite"]),
        (
            ",".join(FEATURES) + "\n" + "1," * 7 + "1\n" + "1," * 3 + "1e308," + "1," * 3 + "1\n",
            ["data row 2, column 'x3': 1e+308", "training sd from a.nc's", "expected values"],
        ),
    ],
)
def test_bad_scenarios_are_one_line(files, tmp_path, capsys, text, fragments):
    folder, _ = files
    (tmp_path / "s.csv").write_text(text)
    code = main(
        ["predict", str(folder / "a.nc"), str(tmp_path / "s.csv"), "-o", str(tmp_path / "p.csv")]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert all(f in err[0] for f in fragments), err[0]
    assert not (tmp_path / "p.csv").exists()


def test_bald_ranks_the_region_where_draws_disagree_first():
    spread = np.random.default_rng(0).normal(0, 3, size=40)
    tree = disagree_beyond(feature=0, edge=1.0, spread=spread)
    pool = sobol_candidates(training_box(tree), 256, seed=1)
    z0 = (pool["x0"] - X_MEAN[0]) / X_STD[0]
    assert 5 < (z0 > 1).sum() < 100  # the region is a minority of the pool
    best = next_simulations(tree, pool, by="bald", k=5)
    assert ((best["x0"] - X_MEAN[0]) / X_STD[0] > 1).all()
    assert (best["mutual_information"] > 0.1).all()
    outside_region = next_simulations(tree, pool[z0 <= 1], k=1)
    assert outside_region["mutual_information"].iloc[0] == pytest.approx(0, abs=1e-12)
    # entropy cannot tell: every candidate outside the region is a coin flip to every draw
    by_entropy = next_simulations(tree, pool, by="entropy", k=5)
    np.testing.assert_allclose(by_entropy["entropy"], 1.0, rtol=0, atol=1e-12)
    assert ((by_entropy["x0"] - X_MEAN[0]) / X_STD[0] <= 1).all()


def test_next_streams_candidates_to_the_same_answer(files, tmp_path, monkeypatch, capsys):
    folder, trees = files
    tree = trees["a.nc"]
    pool = sobol_candidates(training_box(tree), 200, seed=3)
    pool.to_csv(tmp_path / "candidates.csv", index=False)
    at_once = next_simulations(tree, pool, by="sd", k=7)
    monkeypatch.setattr(predict_next, "_CHUNK_VALUES", 30 * 16)
    out = tmp_path / "next.csv"
    args = ["next", str(folder / "a.nc"), "--candidates", str(tmp_path / "candidates.csv")]
    assert main([*args, "-k", "7", "--by", "sd", "-o", str(out)]) == 0
    streamed = pd.read_csv(out, index_col="candidate")
    assert streamed.index.tolist() == at_once.index.tolist()
    np.testing.assert_allclose(streamed["sd"], at_once["sd"], rtol=0, atol=1e-12)
    assert "the 7 best by sd" in capsys.readouterr().out


def test_next_sobol_is_seeded(files, tmp_path):
    folder, _ = files
    runs = []
    for name, seed in (("one", 5), ("two", 5), ("three", 6)):
        out = tmp_path / f"{name}.csv"
        args = ["next", str(folder / "a.nc"), "--sobol", "64", "--seed", str(seed)]
        assert main([*args, "-k", "3", "-o", str(out)]) == 0
        runs.append(pd.read_csv(out))
    pd.testing.assert_frame_equal(runs[0], runs[1])
    assert not runs[0]["x0"].equals(runs[2]["x0"])
    assert Path(tmp_path / "one.csv").read_text().startswith("candidate,x0,")


def test_next_within_keeps_candidates_near_the_design(files, tmp_path):
    folder, trees = files
    out = tmp_path / "near.csv"
    args = ["next", str(folder / "a.nc"), "--sobol", "256", "--within", "1.5", "-k", "5"]
    assert main([*args, "-o", str(out)]) == 0
    near = pd.read_csv(out)
    assert 0 < len(near) <= 5 and (near["nearest_training"] <= 1.5).all()
    everywhere = next_simulations(
        trees["a.nc"], sobol_candidates(training_box(trees["a.nc"]), 256, seed=0), k=256
    )
    assert (everywhere["nearest_training"] > 1.5).any()  # the option removed something


def test_candidates_keep_a_label_as_text(files, tmp_path):
    folder, trees = files
    pool = sobol_candidates(training_box(trees["a.nc"]), 8, seed=0)
    pool["label"] = ["?", "", "1", "0", "?", "?", "", ""]  # not simulated yet
    pool.to_csv(tmp_path / "c.csv", index=False)
    args = ["next", str(folder / "a.nc"), "--candidates", str(tmp_path / "c.csv"), "-k", "8"]
    assert main([*args, "-o", str(tmp_path / "n.csv")]) == 0
    ranked = pd.read_csv(tmp_path / "n.csv", index_col="candidate", keep_default_na=False)
    assert ranked.sort_index()["label"].astype(str).tolist() == [
        "?",
        "",
        "1",
        "0",
        "?",
        "?",
        "",
        "",
    ]


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("name,name", "names column 'name' 2 times"),
        ("name,mean", "names column 'mean', which the output writes itself"),
        ("file,x", "names column 'file', which the output writes itself"),
    ],
)
def test_columns_that_clash_with_the_output_are_refused(files, tmp_path, capsys, header, fragment):
    folder, _ = files
    text = ",".join([*FEATURES, header]) + "\n" + ",".join(["1"] * 8 + ["a", "b"]) + "\n"
    (tmp_path / "s.csv").write_text(text)
    args = ["predict", str(folder / "a.nc"), str(tmp_path / "s.csv"), "-o", str(tmp_path / "p.csv")]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "line 1, the header" in err[0] and fragment in err[0], err
    assert not (tmp_path / "p.csv").exists()


def test_files_of_the_same_name_are_told_apart(files, tmp_path):
    folder, _ = files
    (tmp_path / "other").mkdir()
    copy = tmp_path / "other" / "a.nc"
    copy.write_bytes((folder / "a.nc").read_bytes())
    out = tmp_path / "p.csv"
    args = ["predict", str(folder / "a.nc"), str(copy), str(folder / "test.csv"), "-o", str(out)]
    assert main(args) == 0
    table = pd.read_csv(out)
    assert sorted(table["file"].unique()) == sorted([str(folder / "a.nc"), str(copy)])
    same = table.groupby("scenario")["mean"].nunique()
    assert (same == 1).all()  # one posterior twice: the same predictions
    assert main([*args[:2], args[1], *args[3:]]) == 2  # the very same file twice


@pytest.mark.parametrize(
    ("option", "value"), [("--seed", "-1"), ("--sobol", "0"), ("--within", "nan")]
)
def test_next_options_out_of_range_are_one_line(files, tmp_path, capsys, option, value):
    folder, _ = files
    with pytest.raises(SystemExit) as stop:
        main(["next", str(folder / "a.nc"), option, value, "-o", str(tmp_path / "n.csv")])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and option in err[0], err


def _diagonal_design(tmp_path) -> Path:
    """A file whose 60 training simulations lie on the box's diagonal: all features alike."""
    tree = tiny_posterior_file("nuts", chains=2)
    X = tree["constant_data"]["X"]
    t = np.linspace(-1.5, 1.5, X.sizes["obs"])
    tree["constant_data"]["X"] = X.copy(data=np.repeat(t[:, None], X.sizes["feature"], axis=1))
    return storage.save(tree, tmp_path / "diagonal.nc")


def test_next_marks_a_candidate_inside_the_box_but_far_from_the_design(tmp_path, capsys):
    path = _diagonal_design(tmp_path)
    tree = storage.load(path)
    box, training = training_box(tree), training_values(tree)
    corner = box["max"].copy()
    corner.iloc[0] = box["min"].iloc[0]  # inside the box, far from the diagonal
    near = training.iloc[30] + 1e-6 * box["max"].sub(box["min"])  # beside a simulation
    pd.DataFrame([near, corner]).to_csv(tmp_path / "c.csv", index=False)
    args = [
        "next",
        str(path),
        "--candidates",
        str(tmp_path / "c.csv"),
        "-o",
        str(tmp_path / "n.csv"),
    ]
    assert main([*args, "-k", "2"]) == 0
    table = pd.read_csv(tmp_path / "n.csv", index_col="candidate", keep_default_na=False)
    assert table.loc[1, "outside"] == "" and table.loc[0, "outside"] == ""
    assert table.loc[1, "far_from_design"] and table.loc[1, "extrapolation"]
    assert not table.loc[0, "far_from_design"] and not table.loc[0, "extrapolation"]
    printed = capsys.readouterr().out
    assert "1 of them extrapolate" in printed and "--within" in printed
    assert main([*args, "--within", "0.5"]) == 0  # near the design only
    assert pd.read_csv(tmp_path / "n.csv")["candidate"].tolist() == [0]


def test_next_refuses_a_candidate_of_absurd_scale_in_one_line(tmp_path, capsys):
    path = _diagonal_design(tmp_path)
    pd.DataFrame([[1e308] * 8], columns=FEATURES).to_csv(tmp_path / "c.csv", index=False)
    out = tmp_path / "n.csv"
    code = main(["next", str(path), "--candidates", str(tmp_path / "c.csv"), "-o", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "data row 1, column 'x0'" in err[0], err
    assert not out.exists()
