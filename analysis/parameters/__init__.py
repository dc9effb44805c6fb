"""The network's parameters.

Hidden units aligned across chains, weight summaries, input importance.
"""
