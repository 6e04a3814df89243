"""The CLI's sign-in file: private, atomic, refused in one line when unusable."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from toneshootout.cli.errors import CliError, printable
from toneshootout.cli.tone3000.config import (
    DEFAULT_BASE_URL,
    cache_dir,
    check_base_url,
    login_path,
)
from toneshootout.cli.tone3000.store import (
    FileTokenStore,
    Login,
    read_login,
    remove_login,
    write_login,
)
from toneshootout.settings import Tone3000Settings
from toneshootout.tone3000.oauth import TokenSet

WHEN = datetime(2026, 9, 1, 13, 0, tzinfo=UTC)
LOGIN = Login(
    base_url="https://www.tone3000.com",
    client_id="t3k_pub_x",
    tokens=TokenSet("t3k_at_one", "t3k_rt_one", WHEN),
    username="tester",
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_login_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "tone3000.json"
    write_login(path, LOGIN)
    assert read_login(path) == LOGIN
    assert (_mode(path), _mode(path.parent)) == (0o600, 0o700)


def test_no_file_is_no_login(tmp_path: Path) -> None:
    assert read_login(tmp_path / "absent.json") is None
    assert remove_login(tmp_path / "absent.json") is False


def test_a_login_never_shows_its_tokens() -> None:
    assert "t3k_" not in repr(LOGIN)
    assert "t3k_" not in str(LOGIN)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b"[]",
        b'{"version": 2}',
        b'{"version": 1, "base_url": "x"}',
        json.dumps(
            {
                "version": 1,
                "base_url": "https://www.tone3000.com",
                "client_id": "c",
                "access_token": "",
                "refresh_token": "r",
                "expires_at": WHEN.isoformat(),
            }
        ).encode(),
        json.dumps(
            {
                "version": 1,
                "base_url": "https://www.tone3000.com",
                "client_id": "c",
                "access_token": "a",
                "refresh_token": "r",
                "expires_at": "2026-09-01T13:00:00",  # no time zone: ambiguous
            }
        ).encode(),
        b"{" + b" " * 70_000 + b"}",
    ],
)
def test_an_unusable_file_is_one_readable_refusal(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "tone3000.json"
    path.write_bytes(content)
    with pytest.raises(CliError, match="toneshootout logout --tone3000"):
        read_login(path)


async def test_the_file_store_saves_rotated_tokens_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "tone3000.json"
    write_login(path, LOGIN)
    store = FileTokenStore(path, LOGIN)
    assert await store.load() == LOGIN.tokens
    rotated = TokenSet("t3k_at_two", "t3k_rt_two", WHEN)
    await store.save(rotated)
    saved = read_login(path)
    assert saved is not None
    assert saved.tokens == rotated
    assert (saved.username, saved.client_id) == ("tester", "t3k_pub_x")
    assert _mode(path) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["tone3000.json"]  # no temporary left
    await store.forget()
    assert not path.exists()
    assert await store.load() is None


async def test_the_file_store_sees_another_process_rotate(tmp_path: Path) -> None:
    path = tmp_path / "tone3000.json"
    write_login(path, LOGIN)
    store = FileTokenStore(path, LOGIN)
    other = Login(LOGIN.base_url, LOGIN.client_id, TokenSet("t3k_at_b", "t3k_rt_b", WHEN))
    write_login(path, other)  # another CLI process refreshed first
    assert await store.load() == other.tokens


async def test_the_file_store_ignores_a_sign_in_for_another_tone3000(tmp_path: Path) -> None:
    path = tmp_path / "tone3000.json"
    write_login(path, LOGIN)
    store = FileTokenStore(path, LOGIN)
    elsewhere = Login("http://127.0.0.1:8030", "t3k_pub_fake", LOGIN.tokens)
    write_login(path, elsewhere)  # `login --base-url` ran meanwhile
    assert await store.load() is None


def test_xdg_folders_are_used_when_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "c"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "k"))
    assert login_path() == tmp_path / "c" / "toneshootout" / "tone3000.json"
    assert cache_dir() == tmp_path / "k" / "toneshootout" / "tone3000"


def test_xdg_folders_fall_back_to_home_when_unset_or_relative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # invalid by the XDG spec
    assert login_path() == tmp_path / ".config" / "toneshootout" / "tone3000.json"
    assert cache_dir() == tmp_path / ".cache" / "toneshootout" / "tone3000"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.tone3000.com/", "https://www.tone3000.com"),
        ("http://127.0.0.1:8030", "http://127.0.0.1:8030"),
        ("http://localhost:8030", "http://localhost:8030"),
        ("http://[::1]:8030", "http://[::1]:8030"),
    ],
)
def test_base_urls_accepted(url: str, expected: str) -> None:
    assert check_base_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://www.tone3000.com",
        "http://10.0.0.5:8030",
        "www.tone3000.com",
        "https://",
        "https://www.tone3000.com/api",
        "https://www.tone3000.com?x=1",
    ],
)
def test_base_urls_refused(url: str) -> None:
    with pytest.raises(CliError, match="TONE3000 base URL"):
        check_base_url(url)


def test_the_cli_default_is_the_services_default() -> None:
    assert Tone3000Settings().base_url == DEFAULT_BASE_URL


def test_printable_keeps_text_and_drops_control_characters() -> None:
    assert printable("Plexi [Ch 1] — Gain 7 ✓") == "Plexi [Ch 1] — Gain 7 ✓"
    assert printable("a\x1b[31mb\x00c\u200bd\u202ee\nf\tg") == "a[31mbcde f g"
