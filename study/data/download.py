"""Where the paper's data files are, and getting them: located, downloaded, verified.

They are looked for, in this order, in ``--data-dir``, in ``$STUDY_DATA_DIR``, and in a
per-user cache that is filled by downloading them from a public repository at a pinned
commit and checking their sha256.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import pooch
import requests

from common.user_cache import user_cache
from study.data.dataset import DataError, read_bytes

__all__ = [
    "BASE_URL",
    "ENV_VAR",
    "PAPER_FILES",
    "download_paper_files",
    "locate_data_dir",
    "verified",
    "verify_paper_files",
]

logger = logging.getLogger(__name__)

COMMIT = "876f31d1fe9ae824289ef3deb63e01eecbbcfd47"
BASE_URL = (
    f"https://raw.githubusercontent.com/msahamed/machine_learning_earthquake_rupture/{COMMIT}/data/"
)
#: The paper's files and their sha256, in the order train, validate, test.
PAPER_FILES = {
    "rupturemodel_train.txt": "ad9e8d98e7dc513df268b2ae2ad097b84d527323f5cc329e3400919a01657d06",
    "rupturemodel_validate.txt": "d14ad1b12856e596a85ef63ac1d72369454dc6a05e0893833a8edf6bfb71d0cd",
    "rupturemodel_test.txt": "5bdc7d6e666b096a0c54accb85e9bf2659204ce1e1cb56c1f13516be1c15a844",
}
ENV_VAR = "STUDY_DATA_DIR"


def locate_data_dir(data_dir: str | os.PathLike | None = None) -> tuple[Path, str]:
    """Find the directory that holds (or will hold) the paper's files.

    Parameters
    ----------
    data_dir : path-like, optional
        An explicit directory (the ``--data-dir`` option); wins over everything.

    Returns
    -------
    directory : pathlib.Path
        The directory to read from.
    how : {"--data-dir", "STUDY_DATA_DIR", "cache"}
        Which rule found it.
    """
    if data_dir is not None:
        return Path(data_dir), "--data-dir"
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]), ENV_VAR
    return user_cache(), "cache"


def verify_paper_files(directory: Path) -> dict[str, str]:
    """Check that ``directory`` holds the paper's three files with their sha256.

    Returns
    -------
    dict of str to str
        File name to sha256.

    Raises
    ------
    DataError
        A file is missing, or its hash is not the published one.
    """
    return {name: verified(directory, name)[1] for name in PAPER_FILES}


def verified(directory: Path, name: str) -> tuple[bytes, str]:
    """Read one of the paper's files once and check its sha256; return its bytes and hash."""
    path = directory / name
    if not path.is_file():
        raise DataError(f"data file {path} not found (expected the paper's {name} there)")
    data = read_bytes(path)
    actual = hashlib.sha256(data).hexdigest()
    if actual != PAPER_FILES[name]:
        raise DataError(
            f"sha256 mismatch for {path}: expected {PAPER_FILES[name]}, got {actual}; "
            "refusing a file that is not the published one"
        )
    return data, actual


def download_paper_files(directory: Path, *, base_url: str = BASE_URL) -> dict[str, str]:
    """Download the paper's files into ``directory`` unless already there, verifying each.

    Parameters
    ----------
    directory : pathlib.Path
        The cache directory; created if needed.
    base_url : str
        URL prefix the file names are appended to (a test serves them from loopback).

    Returns
    -------
    dict of str to str
        File name to sha256.

    Raises
    ------
    DataError
        A download failed or a file's hash is not the published one; nothing
        unverified is left in ``directory``.
    """
    for name, expected in PAPER_FILES.items():
        try:
            pooch.retrieve(
                base_url + name,
                known_hash=f"sha256:{expected}",
                fname=name,
                path=directory,
                progressbar=False,
            )
        except ValueError as err:  # pooch's hash mismatch names file, expected and actual
            raise DataError(f"{name}: {err}") from None
        except (OSError, requests.RequestException) as err:
            raise DataError(f"could not download {base_url + name}: {err}") from None
    return verify_paper_files(directory)
