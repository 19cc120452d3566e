"""Composition root: settings, Redis (embedded or external), logging and the ``infomigra`` CLI."""

__version__ = "0.1.0"
