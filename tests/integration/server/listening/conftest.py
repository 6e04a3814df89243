"""Listening API tests: renders stay where the test puts them (the render tests' fixtures)."""

from tests.integration.server.render.conftest import queue, settings  # noqa: F401  (fixtures)
