"""Tone Shootout: fair, level-matched comparisons of neural amp captures and cabinet IRs."""

__version__ = "0.1.0"
