"""The posterior file.

Its schema and contract, its attrs, its HDF5 structure, reading, assembling and saving.
"""
