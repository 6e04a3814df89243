"""The uvicorn factory the API benchmarks start: the real app, settings from the environment."""

from __future__ import annotations

from fastapi import FastAPI

from toneshootout.server.app import create_app
from toneshootout.settings import get_settings


def create() -> FastAPI:
    """Build the service exactly as deployed, configured by `TONESHOOTOUT_*` variables."""
    return create_app(get_settings())
