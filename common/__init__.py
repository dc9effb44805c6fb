"""What every package shares and nothing else provides.

The base error of what a user can cause, atomic writing of outputs, lazy exports.
"""
