"""Self-contained HTML reports of posterior files (laid out from ``analysis`` results)."""
