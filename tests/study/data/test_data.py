import functools
import http.server
import shutil
import threading
from pathlib import Path

import pandas as pd
import pytest

from study.data.dataset import FEATURES, LABEL, DataError
from study.data.download import (
    ENV_VAR,
    PAPER_FILES,
    download_paper_files,
    locate_data_dir,
    verify_paper_files,
)
from study.data.reader import load_csv_dataset, load_dataset


@pytest.fixture
def served(tmp_path):
    """Serve a directory over HTTP on loopback; yields (directory, base_url)."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/data/"
    server.shutdown()
    server.server_close()


def _copy_paper_files(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name in PAPER_FILES:
        shutil.copy(source / name, target / name)


def _tamper(path: Path) -> None:
    text = path.read_text()
    path.write_text(text.replace("1", "2", 1))


def test_locate_order(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env"))
    assert locate_data_dir(tmp_path / "explicit") == (tmp_path / "explicit", "--data-dir")
    assert locate_data_dir() == (tmp_path / "env", ENV_VAR)
    monkeypatch.delenv(ENV_VAR)
    directory, how = locate_data_dir()
    assert how == "cache" and "rupture-bnn" in str(directory)


def test_paper_files_load_as_the_papers_split(real_data_dir):
    data = load_dataset(data_dir=real_data_dir)
    assert list(data.train.columns) == [*FEATURES, LABEL]
    assert (len(data.train), len(data.test)) == (1600, 400)
    assert (data.train[LABEL].sum(), data.test[LABEL].sum()) == (559, 128)
    assert data.sha256 == PAPER_FILES


def test_tampered_file_is_refused_naming_file_and_hashes(real_data_dir, tmp_path):
    _copy_paper_files(real_data_dir, tmp_path)
    _tamper(tmp_path / "rupturemodel_validate.txt")
    with pytest.raises(DataError) as err:
        verify_paper_files(tmp_path)
    message = str(err.value)
    assert "rupturemodel_validate.txt" in message
    assert PAPER_FILES["rupturemodel_validate.txt"] in message
    assert "got " in message and "\n" not in message


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(DataError, match=r"rupturemodel_train\.txt not found"):
        load_dataset(data_dir=tmp_path)


def test_download_from_loopback_verifies_and_caches(real_data_dir, served, tmp_path):
    root, url = served
    _copy_paper_files(real_data_dir, root / "data")
    cache = tmp_path / "cache"
    assert download_paper_files(cache, base_url=url) == PAPER_FILES
    shutil.rmtree(root / "data")  # a second call must not need the server
    assert download_paper_files(cache, base_url=url) == PAPER_FILES


def test_download_of_tampered_copy_is_refused_and_not_kept(real_data_dir, served, tmp_path):
    root, url = served
    _copy_paper_files(real_data_dir, root / "data")
    _tamper(root / "data" / "rupturemodel_test.txt")
    cache = tmp_path / "cache"
    with pytest.raises(DataError) as err:
        download_paper_files(cache, base_url=url)
    message = str(err.value)
    assert "rupturemodel_test.txt" in message
    assert PAPER_FILES["rupturemodel_test.txt"] in message
    assert not (cache / "rupturemodel_test.txt").exists()


def test_download_failure_is_a_data_error(served, tmp_path):
    _, url = served  # serves an empty directory: 404
    with pytest.raises(DataError, match="could not download"):
        download_paper_files(tmp_path / "cache", base_url=url)


def _write_csv(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False)
    return path


def test_users_csv_files_are_read_with_extra_columns_ignored(synthetic, tmp_path):
    train = _write_csv(tmp_path / "train.csv", synthetic.train.assign(note="x"))
    test = _write_csv(tmp_path / "test.csv", synthetic.test.iloc[:, ::-1])  # any column order
    data = load_dataset(train_csv=train, test_csv=test)
    pd.testing.assert_frame_equal(data.train.reset_index(drop=True), synthetic.train)
    pd.testing.assert_frame_equal(data.test.reset_index(drop=True), synthetic.test)
    assert data.train.index.tolist() == list(range(2, len(synthetic.train) + 2))  # CSV lines
    assert set(data.sha256) == {"train.csv", "test.csv"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="label"), "no label column"),
        (lambda f: f.assign(label=2), "every training simulation has label 2"),
        (lambda f: f.assign(dc="a lot"), "is not a number"),
    ],
)
def test_bad_csv_is_refused(synthetic, tmp_path, change, message):
    train = _write_csv(tmp_path / "train.csv", change(synthetic.train))
    test = _write_csv(tmp_path / "test.csv", synthetic.test)
    with pytest.raises(DataError, match=message):
        load_csv_dataset(train, test)


def test_a_test_csv_needs_a_training_csv(tmp_path):
    with pytest.raises(DataError, match="--test-csv needs --train-csv"):
        load_dataset(test_csv=tmp_path / "test.csv")


def test_a_header_without_all_eight_takes_its_own_features(synthetic, tmp_path):
    """Seven of the paper's eight: a campaign of seven; a test file must name all seven."""
    train = _write_csv(tmp_path / "train.csv", synthetic.train.drop(columns="mud"))
    test = _write_csv(tmp_path / "test.csv", synthetic.test.drop(columns="mud"))
    data = load_csv_dataset(train, test)
    assert data.features == tuple(f for f in FEATURES if f != "mud")
    short = _write_csv(tmp_path / "short.csv", synthetic.test.drop(columns=["mud", "dc"]))
    with pytest.raises(DataError, match=r"missing column.*'dc'"):
        load_csv_dataset(train, short)
