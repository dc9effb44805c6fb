"""One colour per method, the same in every figure of every page.

Okabe & Ito's colour-blind-safe palette, assigned in the order of the method table, so
that ADVI is orange and NUTS black wherever they appear. A run labelled ``"nuts (A)"``
(two files of one method) takes its method's colour and ``"nuts (B)"`` another; a name
outside the table takes a palette colour picked from its name.
"""

from __future__ import annotations

from inference.methods.registry import METHODS

__all__ = ["CLASS_COLOURS", "method_colour"]

#: Arrest (0) blue, propagation (1) red, in every figure.
CLASS_COLOURS = {0: "#1f77b4", 1: "#d62728"}
#: Okabe & Ito's palette (2008) without its blue and vermilion, kept apart from the
#: class colours, its yellow darkened to read on white; then grey and brown.
_PALETTE = ("#E69F00", "#000000", "#56B4E9", "#009E73", "#CC79A7", "#B8A600", "#7F7F7F", "#8C564B")
_FIRST = ("advi", "nuts")  # the paper's method and the reference
_BY_METHOD = dict(
    zip(
        (*_FIRST, *(m for m in METHODS if m not in _FIRST)),
        (_PALETTE * 2)[: len(METHODS)],
        strict=True,
    )
)


def method_colour(label: str) -> str:
    """Return the colour of a run's method, from its label.

    Examples
    --------
    >>> method_colour("advi"), method_colour("nuts (A)")
    ('#E69F00', '#000000')
    >>> method_colour("advi") == method_colour("advi (A)") != method_colour("advi (B)")
    True
    """
    name, _, run = label.partition(" (")
    colour = _BY_METHOD.get(name) or _PALETTE[sum(map(ord, name)) % len(_PALETTE)]
    if run == "B)":  # two files of one method: B takes the palette's colour four on
        colour = _PALETTE[(_PALETTE.index(colour) + 4) % len(_PALETTE)]
    return colour
