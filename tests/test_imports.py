"""What each entry point imports: reading a file needs no fitting code, ``--help`` no
fitting, learning or plotting library. Checked in a fresh interpreter each."""

import subprocess
import sys

import pytest

_PROBE = """
import sys
{code}
print("imported:", *sorted(m for m in {heavy!r} if m in sys.modules))
"""

_READ = "from inference import load, validate\nload, validate"
_HELP = "from study.cli.parser import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass"
_FITTING = ("pymc", "pytensor", "jax")
_HEAVY = (*_FITTING, "numba", "sklearn", "matplotlib", "distributed")


def _imported(code: str, heavy: tuple[str, ...]) -> list[str]:
    probe = _PROBE.format(code=code, heavy=heavy)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    last = done.stdout.splitlines()[-1].split()  # --help prints first
    assert last[0] == "imported:"
    return last[1:]


def test_reading_and_validating_a_file_imports_no_fitting_code():
    assert _imported(_READ, _FITTING) == []


@pytest.mark.parametrize("argv", [["--help"], ["run", "--draws", "0"], ["next", "--help"]])
def test_help_and_argument_errors_import_no_heavy_library(argv):
    assert _imported(_HELP.format(argv=argv), _HEAVY) == []


def test_the_probe_sees_a_heavy_import():
    # the check above can fail: a fit module does import PyMC
    assert _imported("import inference.methods.advi", _FITTING) == ["pymc", "pytensor"]
