"""What the fit modules share: the stopping rule, PyMC's VI loop, optimised starts, Gaussian draws.

Helpers of :mod:`inference.methods`, not part of the public interface.
"""
