"""`toneshootout login --tone3000` / `logout --tone3000` against the fake over loopback HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.integration.tone3000_cli.conftest import Cli
from tests.integration.tone3000_fake.test_cli import STARTUP_SECONDS, _fake
from toneshootout.cli.tone3000 import session
from toneshootout.cli.tone3000.store import read_login, write_login
from toneshootout.tone3000_fake import FakeConfig


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_login_prints_the_code_polls_and_keeps_the_tokens_private(cli: Cli) -> None:
    result = cli.login()
    [grant] = cli.fake.state.oauth.devices.values()
    assert f"{cli.fake.base_url}/device?user_code={grant.user_code}" in result.out
    assert f"check that it shows the code {grant.user_code}" in result.out
    assert "Signed in to TONE3000 as shootout-tester" in result.out
    assert _mode(cli.login_file) == 0o600
    assert _mode(cli.login_file.parent) == 0o700
    saved = cli.login_json()
    assert saved["base_url"] == cli.fake.base_url
    assert saved["client_id"] == cli.fake.client_id
    assert saved["username"] == "shootout-tester"
    for token in (saved["access_token"], saved["refresh_token"]):
        assert isinstance(token, str)
        assert token.startswith("t3k_")
        assert token not in result.out + result.err  # never printed
    assert cli.fake.state.oauth.user_for(str(saved["access_token"])) is not None
    # Nothing else was left in the folder (no temporary file).
    assert [p.name for p in cli.login_file.parent.iterdir()] == ["tone3000.json"]


def test_login_files_are_private_whatever_the_umask(cli: Cli) -> None:
    cli.login_file.parent.mkdir(parents=True)
    cli.login_file.parent.chmod(0o755)  # a folder someone made earlier, open to all
    old = os.umask(0)
    try:
        cli.login()
    finally:
        os.umask(old)
    assert _mode(cli.login_file) == 0o600
    assert _mode(cli.login_file.parent) == 0o700


def test_logging_in_again_replaces_the_sign_in(cli: Cli) -> None:
    cli.login()
    first = cli.login_json()["access_token"]
    cli.login()
    assert cli.login_json()["access_token"] != first


def test_login_status_says_who_is_signed_in(cli: Cli) -> None:
    before = cli.run("login", "--tone3000", "--status")
    assert before.code == 1
    assert before.error_line == (
        "toneshootout: error: not signed in to TONE3000: run `toneshootout login --tone3000` first"
    )
    cli.login()
    after = cli.run("login", "--tone3000", "--status")
    assert after.code == 0
    assert f"Signed in to TONE3000 at {cli.fake.base_url} as shootout-tester." in after.out
    assert str(cli.login_json()["access_token"]) not in after.out


def test_logout_forgets_the_sign_in_and_the_downloads(cli: Cli) -> None:
    cli.login()
    (cli.cache_dir / "toneshootout" / "tone3000").mkdir(parents=True)
    result = cli.run("logout", "--tone3000")
    assert result.code == 0
    assert "Signed out of TONE3000" in result.out
    assert not cli.login_file.exists()
    assert not (cli.cache_dir / "toneshootout" / "tone3000").exists()
    again = cli.run("logout", "--tone3000")
    assert again.code == 0
    assert "nothing to forget" in again.out


@pytest.mark.parametrize("command", ["login", "logout"])
def test_the_service_must_be_named(cli: Cli, command: str) -> None:
    result = cli.run(command)
    assert result.code == 2
    assert f"`toneshootout {command} --tone3000`" in result.error_line


# -- sad paths: one line, non-zero exit, nothing saved ---------------------------------------


def _refused(cli: Cli, *args: str) -> str:
    result = cli.run("login", "--tone3000", *args)
    assert result.code != 0
    assert not cli.login_file.exists()
    return result.error_line


def test_login_without_a_client_id_says_how_to_give_one(cli: Cli) -> None:
    cli.monkeypatch.delenv("TONESHOOTOUT_TONE3000__CLIENT_ID")
    line = _refused(cli)
    assert "--client-id" in line
    assert "TONESHOOTOUT_TONE3000__CLIENT_ID" in line
    assert cli.fake.state.oauth.devices == {}


def test_login_with_an_unknown_client_id(cli: Cli) -> None:
    line = _refused(cli, "--client-id", "t3k_pub_nobody")
    assert "does not know this client id" in line


@pytest.mark.parametrize("fake_config", [FakeConfig()])  # nobody approves by themselves
def test_login_denied_on_tone3000(cli: Cli) -> None:
    async def deny_then_wait(seconds: float) -> None:
        for grant in cli.fake.state.oauth.devices.values():
            cli.fake.state.deny_device(grant.user_code)
        cli.fake.state.clock.advance(seconds)
        await asyncio.sleep(0)

    cli.monkeypatch.setattr(session, "sleep", deny_then_wait)
    assert _refused(cli) == "toneshootout: error: the sign-in was denied on TONE3000"


@pytest.mark.parametrize("fake_config", [FakeConfig(device_code_seconds=30)])
def test_login_code_expires_unapproved(cli: Cli) -> None:
    line = _refused(cli)
    assert "the code expired before it was approved" in line


def test_login_when_tone3000_is_unreachable(cli: Cli) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    line = _refused(cli, "--base-url", f"http://127.0.0.1:{port}")
    assert line == (
        f"toneshootout: error: cannot reach TONE3000 at http://127.0.0.1:{port} (ConnectError)"
    )


@pytest.mark.parametrize(
    ("base_url", "reason"),
    [
        ("http://tone3000.example", "must use https"),
        ("ftp://127.0.0.1", "must be an http(s) URL"),
        ("https://www.tone3000.com/api/v1", "origin only"),
    ],
)
def test_login_refuses_a_base_url_a_token_should_not_go_to(
    cli: Cli, base_url: str, reason: str
) -> None:
    assert reason in _refused(cli, "--base-url", base_url)


def test_login_as_its_own_process_against_the_fake_cli(tmp_path: Path) -> None:
    # The whole thing as a user runs it: two processes, real polling, approval on the "page".
    with _fake("--port", "0") as fake:
        env = os.environ | {
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "TONESHOOTOUT_TONE3000__CLIENT_ID": fake.client_id,
            "TONESHOOTOUT_TONE3000__BASE_URL": fake.base_url,
            "PYTHONUNBUFFERED": "1",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "toneshootout", "login", "--tone3000"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "?user_code=" in line:
                break
        user_code = lines[-1].strip().rsplit("=", 1)[1]
        approved = httpx.post(
            f"{fake.base_url}/_fake/device/approve", json={"user_code": user_code}, timeout=30
        )
        assert approved.json()["status"] == "approved"
        out, err = process.communicate(timeout=STARTUP_SECONDS)
    assert process.returncode == 0, err
    assert "Signed in to TONE3000 as shootout-tester" in out
    saved = json.loads((tmp_path / "config" / "toneshootout" / "tone3000.json").read_text())
    assert saved["access_token"] not in "".join(lines) + out + err
    assert _mode(tmp_path / "config" / "toneshootout" / "tone3000.json") == 0o600


def test_login_status_with_an_expired_access_token(cli: Cli) -> None:
    cli.login()
    login = read_login(cli.login_file)
    assert login is not None
    old = datetime(2020, 1, 1, tzinfo=UTC)
    write_login(cli.login_file, replace(login, tokens=replace(login.tokens, expires_at=old)))
    result = cli.run("login", "--tone3000", "--status")
    assert result.code == 0
    assert "The access token expired at 2020-01-01 00:00 UTC; the next command refreshes it." in (
        result.out
    )


def test_login_status_with_a_damaged_file(cli: Cli) -> None:
    cli.login_file.parent.mkdir(parents=True)
    cli.login_file.write_text("{")
    result = cli.run("login", "--tone3000", "--status")
    assert result.code == 2
    assert "run `toneshootout logout --tone3000`, then `toneshootout login --tone3000`" in (
        result.error_line
    )
