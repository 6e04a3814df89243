"""Reusable load and fault harnesses, runnable from tests and as scripts."""
