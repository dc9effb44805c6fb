"""The compiled backends.

Which sampler and compile mode, the runtime, JAX and the model's compiled log density.
"""
