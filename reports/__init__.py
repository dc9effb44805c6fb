"""Self-contained HTML reports of one run, of a comparison and of a sweep.

>>> from reports import render_run, write_html  # what a user calls
"""

from common.lazy import lazy_exports

#: Each public name -> the module that defines it, imported on first use.
_WHERE = {
    "render_comparison": "reports.comparison",
    "render_design": "reports.design",
    "render_run": "reports.run",
    "render_sweep": "reports.sweep",
    "write_html": "reports.html",
}

__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
