"""The fault proxy as a process of its own, steered from this one through its mode file (as the
fault harness uses it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.s3_server import REPO_ROOT, S3Server, parse_mode, s3_settings, write_mode
from toneshootout.server.storage.base import StorageUnavailable, read_bytes
from toneshootout.server.storage.s3 import S3Storage


def test_a_proxy_process_follows_its_mode_file(
    s3_server: S3Server, s3_bucket: str, tmp_path: Path
) -> None:
    mode_file = tmp_path / "mode"
    command = [sys.executable, "-m", "tests.s3_server", "proxy"]
    command += ["--upstream", s3_server.url, "--mode-file", str(mode_file)]
    proxy = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proxy.stdout is not None
        url = proxy.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        storage = S3Storage(s3_settings(s3_bucket, url), staging=tmp_path / "staging")
        storage.put_stream("owner/a", iter([b"through the proxy"]))
        write_mode(mode_file, "down")
        with pytest.raises(StorageUnavailable):
            storage.stat("owner/a")
        mode_file.write_text("up\n")  # a shell's `echo up > file` does as well
        assert read_bytes(storage, "owner/a") == b"through the proxy"
    finally:
        proxy.terminate()
        assert proxy.wait(timeout=10) == 0


@pytest.mark.parametrize(
    ("line", "mode"),
    [
        ("up", ("up", 0.0)),
        ("", ("up", 0.0)),
        ("down\n", ("down", 0.0)),
        ("slow 2.5", ("slow", 2.5)),
    ],
)
def test_mode_lines(line: str, mode: tuple[str, float]) -> None:
    assert parse_mode(line) == mode


@pytest.mark.parametrize("line", ["sideways", "slow", "slow -1", "slow x", "down 3"])
def test_bad_mode_lines_are_refused(line: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="proxy mode is"):
        write_mode(tmp_path / "mode", line)
