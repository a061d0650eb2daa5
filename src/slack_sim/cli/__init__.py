"""Stage 7, *cli*: the ``slack-sim`` command line."""

from .main import main

__all__ = ["main"]
