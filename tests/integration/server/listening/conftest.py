"""Listening API tests: renders stay where the test puts them (see the render tests' conftest)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.integration.server.render.helpers import RecordingQueue, install
from toneshootout.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    render = settings.render.model_copy(update={"requeue_after_seconds": 3600.0})
    return settings.model_copy(update={"render": render})


@pytest.fixture(autouse=True)
def queue(app: FastAPI) -> RecordingQueue:
    recording = RecordingQueue()
    install(app, queue=recording)
    return recording
