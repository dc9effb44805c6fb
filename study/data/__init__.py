"""The simulations.

Columns and datasets, the paper's files downloaded and read, preprocessing, scenario CSVs.
"""
