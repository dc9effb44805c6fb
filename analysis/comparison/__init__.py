"""Posteriors compared.

Two files, intervals from the reference's chains, the leaderboard and the baselines.
"""
