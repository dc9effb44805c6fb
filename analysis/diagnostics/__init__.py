"""Diagnostics of a posterior's draws.

Typed by the method's kind of draws: Markov chains and approximations.
"""
