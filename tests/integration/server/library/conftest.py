"""The library suite runs on a local folder and on an S3 bucket (see the parent conftest)."""

from __future__ import annotations

import pytest

from tests.integration.server.conftest import STORAGE_BACKENDS


@pytest.fixture(params=STORAGE_BACKENDS)
def storage_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)
