"""Run ``python -m study`` in the test process, or in a subprocess where a real one matters.

:func:`study` calls the command line's own ``main`` with the arguments, in ``cwd``, with
``env`` added to the environment, and captures what it prints: the same exit code,
stdout and stderr as a subprocess gives, without paying the imports again for every call.
:func:`study_process` runs a real process: one smoke test per command, and the tests of
signals, full disks and what a fresh interpreter imports.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys

from study.cli.parser import main

#: The packages whose loggers ``main`` points at stderr.
_PACKAGES = ("study", "inference", "analysis", "reports")


@contextlib.contextmanager
def _environment(cwd, env: dict | None):
    saved_env = {key: os.environ.get(key) for key in env or {}}
    saved_cwd = os.getcwd()
    loggers = [logging.getLogger(name) for name in _PACKAGES]
    saved_logs = [(logger, logger.handlers[:], logger.level) for logger in loggers]
    for logger in loggers:  # main adds its handler on the redirected stderr
        logger.handlers.clear()
    os.environ.update({key: str(value) for key, value in (env or {}).items()})
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        for logger, handlers, level in saved_logs:
            logger.handlers[:] = handlers
            logger.setLevel(level)


def study(*args, cwd, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the command line in this process; return what a subprocess would."""
    argv = [str(a) for a in args]
    out, err = io.StringIO(), io.StringIO()
    with _environment(cwd, env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit:  # argparse: --help, or a bad option
            code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def study_process(*args, cwd, env: dict | None = None, timeout: float = 600):
    """Run ``python -m study`` as a real process."""
    return subprocess.run(
        [sys.executable, "-m", "study", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **{k: str(v) for k, v in (env or {}).items()}},
        timeout=timeout,
    )
