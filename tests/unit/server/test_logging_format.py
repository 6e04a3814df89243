"""Configuring logging again applies the new settings' format (the first call's used to stick,
so whichever test configured text first left every later JSON reader with nothing)."""

from __future__ import annotations

import json
import logging

import pytest

from toneshootout.server.logging import configure_logging
from toneshootout.settings import Settings


def test_configuring_again_applies_the_latest_format(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(Settings(environment="test", log_format="text"))
    configure_logging(Settings(environment="test", log_format="json"))
    capsys.readouterr()
    logging.getLogger("toneshootout.test").warning("format check")
    lines = [line for line in capsys.readouterr().err.splitlines() if "format check" in line]
    assert len(lines) == 1
    assert json.loads(lines[0])["event"] == "format check"
