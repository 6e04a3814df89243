"""The real command line meets a `TONESHOOTOUT_*` variable it cannot use: one line, nothing made."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _run(data_dir: Path, extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("TONESHOOTOUT_")}
    env |= {"TONESHOOTOUT_DATA_DIR": str(data_dir), **extra}
    command = [sys.executable, "-m", "toneshootout", *args]
    return subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("command", "variable", "value", "line"),
    [
        (
            ("db", "upgrade"),
            "TONESHOOTOUT_STORAGE__BACKND",
            "s3",
            "unknown setting TONESHOOTOUT_STORAGE__BACKND: did you mean "
            "TONESHOOTOUT_STORAGE__BACKEND?",
        ),
        (
            ("serve",),
            "TONESHOOTOUT_STORAGE__BACKEND",
            "s3",
            "invalid settings: TONESHOOTOUT_STORAGE__S3__BUCKET must be set when "
            "TONESHOOTOUT_STORAGE__BACKEND is s3",
        ),
        (
            ("serve",),
            "TONESHOOTOUT_DATA_DRI",
            "elsewhere",
            "unknown setting TONESHOOTOUT_DATA_DRI: did you mean TONESHOOTOUT_DATA_DIR?",
        ),
        (
            ("db", "upgrade"),
            "TONESHOOTOUT_DB__POOL_SIZE",
            "five",
            "invalid setting TONESHOOTOUT_DB__POOL_SIZE: Input should be a valid integer",
        ),
    ],
)
def test_a_bad_variable_stops_start_up_in_one_line_with_nothing_created(
    tmp_path: Path, command: tuple[str, ...], variable: str, value: str, line: str
) -> None:
    data_dir = tmp_path / "data"
    result = _run(data_dir, {variable: value}, *command)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"toneshootout: error: {line}")
    assert result.stdout == ""
    assert not data_dir.exists()  # no folder, no database file


def test_a_listed_non_setting_does_not_stop_start_up(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    result = _run(data_dir, {"TONESHOOTOUT_NATIVE_ARCH": "none"}, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert (data_dir / "toneshootout.db").is_file()
