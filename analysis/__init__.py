"""Computations on a posterior file: pure functions over its DataTree."""
