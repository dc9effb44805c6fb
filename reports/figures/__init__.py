"""Every figure of the reports (matplotlib), drawn from the results of :mod:`analysis`."""
