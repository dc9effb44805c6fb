"""Faults: interruptions leave nothing partial, a diverging ADVI stops clearly, NUTS
divergences are warned about."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from types import SimpleNamespace

import numpy as np
import pytest

from analysis.diagnostics.chains import sampler_table
from analysis.file_analysis import analyse_run
from inference.backends.runtime import Runtime
from inference.methods.advi import ADVIError, fit_advi
from inference.methods.shared.convergence import LossConvergence
from inference.model.network import build_model
from inference.posterior import storage
from reports import render_run
from study.cli.interrupt import EXIT_CODES, Interrupted, SignalGuard
from study.data.preprocess import prepare

SIGNALS = [signal.SIGINT, signal.SIGTERM]
CSV = ["--train-csv", "train.csv", "--test-csv", "test.csv", "--out", "out"]

#: Phase -> (run options, the stderr line that starts the phase, files it must leave).
PHASES = {
    "ADVI": (["--method", "advi"], "fitting advi", []),
    "NUTS": (["--method", "nuts"], "fitting nuts", []),
    "report": (
        ["--method", "advi", "--max-steps", "2000", "--draws", "200"],
        "INFO study.pipeline: wrote",
        ["advi.nc"],
    ),
}


def _message(signum: int) -> str:
    return f"interrupted by {signal.Signals(signum).name}; no partial files left"


def _send(proc: subprocess.Popen, signum: int) -> None:
    """SIGINT as Ctrl-C sends it (to the process group), SIGTERM as ``kill`` does."""
    if signum == signal.SIGINT:
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)


def _interrupt_at(command: list, marker: str, signum: int, *, cwd) -> tuple[int, list[str]]:
    """Run ``command``, send ``signum`` as soon as stderr shows ``marker``; return code, lines."""
    proc = subprocess.Popen(
        command, cwd=cwd, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    lines = []
    try:
        for line in proc.stderr:
            lines.append(line.rstrip("\n"))
            if marker in line:
                _send(proc, signum)
                break
        assert any(marker in line for line in lines), "\n".join(lines)
        lines += [line.rstrip("\n") for line in proc.stderr]
        return proc.wait(timeout=300), lines
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.stderr.close()


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
@pytest.mark.parametrize("phase", list(PHASES))
def test_interrupted_run_leaves_no_partial_file(phase, signum, real_data_dir, tmp_path):
    options, marker, kept = PHASES[phase]
    out = tmp_path / "out"
    command = [sys.executable, "-m", "study", "run", "--data-dir", str(real_data_dir)]
    code, lines = _interrupt_at(
        [*command, "--out", str(out), *options], marker, signum, cwd=tmp_path
    )
    text = "\n".join(lines)
    assert code == EXIT_CODES[signum], text
    assert lines[-1] == _message(signum) and "Traceback" not in text
    started = next(i for i, line in enumerate(lines) if marker in line)
    assert not any("wrote" in line for line in lines[started + 1 :])  # stopped in the phase
    found = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert found == kept  # no .nc or .html of the interrupted phase, no temporary file
    for name in kept:
        storage.load(out / name)  # what was kept is complete


#: A process whose main thread does not leave a write when interrupted: stuck flushing
#: the temporary file to disk, as on a hung network filesystem.
_STUCK = """
import os, signal, sys, time
from pathlib import Path
from common.atomic import atomic_write
from study.cli.interrupt import Interrupted, SignalGuard

def fsync(fd):
    if sys.argv[2] == "blocked":  # like a thread inside compiled code: signals never reach it
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        print("writing", flush=True)
        while True:
            time.sleep(0.05)
    except Interrupted:  # like a library that swallows the interruption and carries on
        print("swallowed", flush=True)
        while True:
            time.sleep(0.05)

os.fsync = fsync
with SignalGuard(grace=float(sys.argv[3]), wind_down=float(sys.argv[3])):
    atomic_write(Path(sys.argv[1]) / "result.nc", "half a file")
"""


def _stuck(tmp_path, how: str, grace: float) -> subprocess.Popen:
    (tmp_path / "out").mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_STUCK), str(tmp_path / "out"), how, str(grace)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline() == "writing\n"
    assert [p.name for p in (tmp_path / "out").iterdir()] != []  # the partial file exists
    return proc


@pytest.mark.parametrize("how", ["swallowed", "blocked"])
def test_watchdog_ends_a_process_that_does_not_stop(how, tmp_path):
    proc = _stuck(tmp_path, how, grace=0.5)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 143
    assert stderr.strip().splitlines() == [_message(signal.SIGTERM)]
    assert list((tmp_path / "out").iterdir()) == []


def test_second_signal_ends_the_process_at_once(tmp_path):
    proc = _stuck(tmp_path, "swallowed", grace=3600)
    proc.send_signal(signal.SIGINT)
    assert proc.stdout.readline() == "swallowed\n"  # the first one was taken
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)  # not the hour of grace
    assert proc.returncode == 130
    assert stderr.strip().splitlines() == [_message(signal.SIGINT)]
    assert list((tmp_path / "out").iterdir()) == []


_CALLER = """
import os, signal, sys, time
from study.cli.interrupt import Interrupted, SignalGuard

with SignalGuard(grace=0.2, wind_down=0.2) as guard:
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(60)
    except Interrupted as interrupted:
        code = guard.finish(interrupted)
time.sleep(1)  # a program that called main() and goes on: the watchdog must not end it
print("still running after exit code", code)
"""


def test_an_interruption_lost_in_a_gc_callback_is_raised_again(capsys):
    """Raised inside a garbage-collector callback, it reaches Python's unraisable hook."""
    lost = SimpleNamespace(exc_value=Interrupted(signal.SIGTERM), exc_type=Interrupted)
    with SignalGuard() as guard:
        try:
            sys.unraisablehook(lost)
            time.sleep(5)
            code = None
        except Interrupted as interrupted:
            code = guard.finish(interrupted)
    assert code == 143
    assert capsys.readouterr().err == "interrupted by SIGTERM; no partial files left\n"


def test_watchdog_stands_down_once_the_main_thread_has_finished():
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_CALLER)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "still running after exit code 143\n"
    assert done.stderr.strip().splitlines() == [_message(signal.SIGTERM)]


# ---- ADVI whose loss diverges --------------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_loss_rule_refuses_a_non_finite_loss(bad):
    rule = LossConvergence(window=10)
    assert rule.check(np.ones(5), 4) is None
    with pytest.raises(FloatingPointError):
        rule.check(np.array([*np.ones(5), bad, 1.0]), 6)


@pytest.fixture(scope="module")
def small_model(synthetic):
    data = prepare(synthetic, random_state=0)
    return build_model(data.X, data.y, weight=data.weight, features=data.features, hidden=2)


@pytest.mark.parametrize("mode", ["numba", "jax"])
def test_advi_with_a_huge_learning_rate_stops_with_advice(small_model, mode):
    with pytest.raises(
        ADVIError,
        match=r"infinite at learning rate 1e\+06; try a smaller learning rate, e\.g\. 100000",
    ):
        runtime = Runtime.resolve(advi_backend=mode)
        fit_advi(
            small_model,
            runtime=runtime,
            learning_rate=1e6,
            max_steps=3000,
            window=100,
            random_seed=1,
        )


def test_advi_interrupted_inside_pm_fit_is_not_taken_for_a_result(small_model, monkeypatch):
    """pm.fit catches KeyboardInterrupt and returns the fit so far; fit_advi must not."""

    def interrupt(self, loss, i):
        if len(loss) >= 50:
            raise KeyboardInterrupt

    monkeypatch.setattr(LossConvergence, "check", interrupt)
    with pytest.raises(KeyboardInterrupt, match="ADVI interrupted after"):
        fit_advi(
            small_model,
            runtime=Runtime.resolve(advi_backend="numba"),
            max_steps=1000,
            random_seed=0,
        )


def test_run_with_a_huge_learning_rate_is_one_line_and_writes_nothing(synthetic, tmp_path):
    synthetic.train.to_csv(tmp_path / "train.csv", index=False)
    synthetic.test.to_csv(tmp_path / "test.csv", index=False)
    done = subprocess.run(
        [sys.executable, "-m", "study", "run", "--method", "advi", "--learning-rate", "1e6", *CSV],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ADVI diverged") and "--learning-rate" in last
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


# ---- NUTS divergences ----------------------------------------------------------------


def _with_divergences(tree, where: list[tuple[int, int]]):
    stats = tree["sample_stats"].to_dataset()
    diverging = np.zeros(stats["diverging"].shape, dtype=bool)
    for chain, draw in where:
        diverging[chain, draw] = True
    tree = tree.copy(deep=True)
    tree["sample_stats"] = stats.assign(diverging=(stats["diverging"].dims, diverging))
    return tree


def _header(tree) -> str:
    html = render_run(analyse_run(tree, n_repeats=1), title="nuts.nc")
    return html.split("<section", 1)[0]


def test_divergences_are_counted_and_warned_about_at_the_top(nuts_file):
    tree = _with_divergences(storage.load(nuts_file), [(0, 3), (0, 7), (1, 5)])
    assert sampler_table(tree)["divergences"].tolist() == [2, 1]
    header = _header(tree)  # not fatal: the report is written
    assert "3 divergent transitions" in header and 'class="verdict warning"' in header
    calm = _with_divergences(tree, [])
    assert "divergent" not in _header(calm)
