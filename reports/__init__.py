"""Self-contained HTML reports of one run, of a comparison and of a sweep.

>>> from reports import render_run, write_html  # what a user calls
"""

from reports.comparison import render_comparison
from reports.html import write_html
from reports.run import render_run
from reports.sweep import render_sweep

__all__ = ["render_comparison", "render_run", "render_sweep", "write_html"]
