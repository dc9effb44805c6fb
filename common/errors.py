"""The one base class of every error a user can cause and read as one line."""

from __future__ import annotations

__all__ = ["StudyError"]


class StudyError(Exception):
    """An error in what the user gave (an option, a data file, a posterior file, a disk).

    Every error the command line reports as one line, with exit code 2 and no traceback,
    derives from it, so the command line catches this one type. Each subclass also
    derives from the built-in type it refines (``ValueError``, ``OSError``).

    Examples
    --------
    >>> from study.config import ConfigError
    >>> issubclass(ConfigError, StudyError) and issubclass(ConfigError, ValueError)
    True
    """
