"""Render API tests: jobs stay where the test puts them, on a local folder and on an S3 bucket.

Kicks go to a recording queue instead of the app's embedded workers, and the embedded sweeper
is told to leave queued rows alone for the length of a test, so a test drives every state change
itself (a worker's claim and finish go through `job_repository`, as a worker's do).
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.integration.server.conftest import STORAGE_BACKENDS
from tests.integration.server.render.helpers import RecordingQueue, install
from toneshootout.settings import Settings


@pytest.fixture(params=STORAGE_BACKENDS)
def storage_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    render = settings.render.model_copy(update={"requeue_after_seconds": 3600.0})
    return settings.model_copy(update={"render": render})


@pytest.fixture(autouse=True)
def queue(app: FastAPI) -> RecordingQueue:
    recording = RecordingQueue()
    install(app, queue=recording)
    return recording
