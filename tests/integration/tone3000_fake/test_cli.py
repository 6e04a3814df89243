"""`toneshootout tone3000-fake` as its own process: the printed lines, then real loopback HTTP."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.unit.tone3000_fake.helpers import pkce

STARTUP_SECONDS = 60.0  # generous: a loaded CI machine imports slowly; nothing else waits
REDIRECT = "http://127.0.0.1:1/callback"  # never fetched: the test reads the 302 itself


@dataclass(frozen=True)
class Running:
    base_url: str
    client_id: str
    lines: list[str]


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "toneshootout", "tone3000-fake", *args]


@contextmanager
def _fake(*args: str) -> Iterator[Running]:
    process = subprocess.Popen(
        _command(*args),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout

    def pump() -> None:  # a thread, so a silent child cannot block the test past its timeout
        for line in stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    try:
        while not any(line.startswith("client_id: ") for line in seen):
            seen.append(lines.get(timeout=STARTUP_SECONDS).rstrip("\n"))
        fields = dict(line.split(": ", 1) for line in seen if ": " in line)
        yield Running(fields["base_url"], fields["client_id"], seen)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=STARTUP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_fake_cli_serves_a_full_pkce_flow_over_real_http() -> None:
    with _fake("--port", "0") as fake, httpx.Client(base_url=fake.base_url, timeout=30) as http:
        assert fake.base_url.startswith("http://127.0.0.1:")
        assert not fake.base_url.endswith(":0")
        assert fake.client_id.startswith("t3k_pub_")
        verifier, challenge = pkce()
        authorize = http.get(
            "/api/v1/oauth/authorize",
            params={
                "client_id": fake.client_id,
                "redirect_uri": REDIRECT,
                "response_type": "code",
                "state": "s-1",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "prompt": "select_tone",
                "format": "nam",
                "architecture": "2",
            },
        )
        assert authorize.status_code == 302
        callback = parse_qs(urlsplit(authorize.headers["location"]).query)
        assert callback["state"] == ["s-1"]
        tokens = http.post(
            "/api/v1/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": callback["code"][0],
                "code_verifier": verifier,
                "redirect_uri": REDIRECT,
                "client_id": fake.client_id,
            },
        ).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        tone_id = callback["tone_id"][0]
        assert http.get(f"/api/v1/tones/{tone_id}", headers=headers).status_code == 200
        models = http.get(
            "/api/v1/models", params={"tone_id": tone_id, "architecture": "2"}, headers=headers
        ).json()["data"]
        # Some downloads answer 302 to the other host name; httpx must not carry the token.
        for model in models:
            file = http.get(model["model_url"], headers=headers, follow_redirects=True)
            assert file.status_code == 200
            assert file.content.startswith(b'{"version":"0.7.0"')
        hits = http.get("/_fake/state").json()["storage_hits"]
        assert hits
        assert all(hit["host"].startswith("localhost:") for hit in hits)
        assert not any(hit["had_authorization"] for hit in hits)


def test_fake_cli_refuses_a_non_loopback_host() -> None:
    result = subprocess.run(
        _command("--host", "0.0.0.0"), capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "loopback" in result.stderr


def test_fake_cli_exits_non_zero_on_a_taken_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = subprocess.run(
            _command("--port", port), capture_output=True, text=True, timeout=60, check=False
        )
    assert result.returncode != 0  # uvicorn's own startup-failure code
    assert "client_id:" not in result.stdout
    assert "address already in use" in result.stderr
