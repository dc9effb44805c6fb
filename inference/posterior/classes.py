"""The two classes a file's label separates: their names and how the data wrote them.

The ``observed_data`` group's attrs (files written before them carry none: the paper's):

``label``
    The data's label column.
``negative_class``, ``positive_class``
    The names reports print: ``P(positive)``, "observed share of positive". The paper's
    ``arrest`` and ``propagate``.
``negative_value``, ``positive_value``
    The label's values as the data wrote them, stored as 0 and 1 in ``y``.

Each is untrusted text: the contract refuses one that is not a short line of text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import xarray as xr

from inference.posterior.attrs import PosteriorFileError

__all__ = ["MAX_NAME_LENGTH", "PAPER_CLASSES", "Classes", "check_classes", "file_classes"]

#: The longest class name, label or value a file may hold.
MAX_NAME_LENGTH = 60


@dataclass(frozen=True)
class Classes:
    """What ``y`` = 0 and ``y`` = 1 mean.

    Attributes
    ----------
    label : str
        The data's label column.
    negative, positive : str
        The names of class 0 and class 1 (the event), as reports print them.
    negative_value, positive_value : str
        The label's values as the data wrote them.

    Examples
    --------
    >>> classes = Classes("diagnosis", "benign", "malignant", "benign", "malignant")
    >>> classes.probability, classes.names
    ('P(malignant)', ('benign', 'malignant'))
    """

    label: str = "label"
    negative: str = "arrest"
    positive: str = "propagate"
    negative_value: str = "0"
    positive_value: str = "1"

    @property
    def names(self) -> tuple[str, str]:
        """The names of class 0 and class 1."""
        return self.negative, self.positive

    @property
    def probability(self) -> str:
        """What the network predicts: ``P(positive)``."""
        return f"P({self.positive})"

    def attrs(self) -> dict[str, str]:
        """Return the ``observed_data`` attrs that store them."""
        return {_ATTRS[key]: value for key, value in asdict(self).items()}


#: The paper's: 1 = the rupture propagated through the barrier.
PAPER_CLASSES = Classes()

_ATTRS = {
    "label": "label",
    "negative": "negative_class",
    "positive": "positive_class",
    "negative_value": "negative_value",
    "positive_value": "positive_value",
}


def plain_text(text: object) -> bool:
    """Whether ``text`` is a short line of printable text (a name a report may print)."""
    return (
        isinstance(text, str)
        and 0 < len(text) <= MAX_NAME_LENGTH
        and text.isprintable()
        and text == text.strip()
    )


def file_classes(tree: xr.DataTree) -> Classes:
    """Return what a file's ``y`` = 0 and 1 mean (the paper's classes where it does not say).

    Examples
    --------
    >>> from inference.testing import tiny_posterior_file
    >>> file_classes(tiny_posterior_file()).names
    ('arrest', 'propagate')
    """
    attrs = tree["observed_data"].attrs
    if not any(name in attrs for name in _ATTRS.values()):
        return PAPER_CLASSES
    return Classes(**{key: str(attrs.get(name, "")) for key, name in _ATTRS.items()})


def check_classes(tree: xr.DataTree) -> None:
    """Check a file's class attrs, where stored: all five, each a short line of text.

    Raises
    ------
    inference.posterior.attrs.PosteriorFileError
        Naming the first attr missing or not plain text.
    """
    attrs = tree["observed_data"].attrs
    if not any(name in attrs for name in _ATTRS.values()):
        return
    for name in _ATTRS.values():
        if not plain_text(attrs.get(name)):
            shown = "missing" if name not in attrs else f"{attrs[name]!r:.40}"
            raise PosteriorFileError(
                f"observed_data attr {name!r} is {shown} (expected a line of printable text "
                f"of 1 to {MAX_NAME_LENGTH} characters)"
            )
    classes = file_classes(tree)
    if classes.negative == classes.positive or classes.negative_value == classes.positive_value:
        raise PosteriorFileError(
            "observed_data names its two classes alike (expected two distinct classes)"
        )
