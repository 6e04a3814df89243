"""`toneshootout serve` as a newcomer meets it: a fresh data dir, an old schema, another port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import websockets

from tests.integration.server.library.live_server import live_server

PASSWORD = "a long enough password 1"


def _serve(data_dir: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `serve` on a port another socket holds: it starts up, fails to bind, and exits."""
    env = os.environ | {"TONESHOOTOUT_ENVIRONMENT": "test", "TONESHOOTOUT_DATA_DIR": str(data_dir)}
    env.pop("TONESHOOTOUT_DATABASE_URL", None)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        command = [sys.executable, "-m", "toneshootout", "serve", "--port", port, *args]
        return subprocess.run(
            command, check=False, env=env, capture_output=True, text=True, timeout=timeout
        )


def _db(data_dir: Path, *args: str) -> None:
    env = os.environ | {"TONESHOOTOUT_DATA_DIR": str(data_dir)}
    env.pop("TONESHOOTOUT_DATABASE_URL", None)
    command = [sys.executable, "-m", "toneshootout", "db", *args]
    subprocess.run(command, env=env, capture_output=True, check=True, timeout=60)


def test_serve_refuses_a_database_behind_with_one_line(tmp_path: Path) -> None:
    _db(tmp_path, "upgrade", "0004")
    result = _serve(tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "toneshootout db upgrade" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_serve_refuses_an_unreadable_database_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "toneshootout.db").write_bytes(b"this is not a database" * 100)
    result = _serve(tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("toneshootout: error: cannot open the database")


async def test_serve_migrates_an_empty_database_and_says_where_the_app_is(
    tmp_path: Path,
) -> None:
    with live_server(tmp_path, env={"TONESHOOTOUT_DATABASE_URL": ""}) as server:
        async with httpx.AsyncClient(base_url=server.base) as client:
            assert (await client.get("/readyz")).status_code == 200
    output = server.log.read_text()
    assert "Created a new database" in output
    assert f"Open the app:  {server.base}/" in output
    assert f"{server.base}/docs" in output


async def test_serve_on_another_port_accepts_its_own_origin_socket(tmp_path: Path) -> None:
    with live_server(tmp_path, env={"TONESHOOTOUT_DATABASE_URL": ""}) as server:
        async with httpx.AsyncClient(base_url=server.base) as client:
            credentials = {"email": "port@example.com", "password": PASSWORD}
            assert (await client.post("/api/v1/auth/register", json=credentials)).is_success
            login = await client.post("/api/v1/auth/login", json=credentials)
            token = login.json()["access_token"]
            ticket = await client.post(
                "/api/v1/ws/tickets", headers={"Authorization": f"Bearer {token}"}
            )
            assert ticket.status_code == 201, ticket.text
        url = server.base.replace("http", "ws") + f"/api/v1/ws?ticket={ticket.json()['ticket']}"
        # Before the fix the allowlist came from the settings' port (8000): a 403 here.
        async with websockets.connect(
            url, additional_headers={"Origin": server.base}, open_timeout=10
        ) as socket:
            assert socket.state is websockets.State.OPEN


def test_serve_logs_json_when_not_on_a_terminal_and_text_when_asked(tmp_path: Path) -> None:
    _db(tmp_path, "upgrade")
    as_json = _serve(tmp_path)
    as_text = _serve(tmp_path, "--log-format", "text")
    assert as_json.returncode == as_text.returncode != 0
    first_json = as_json.stderr.strip().splitlines()[0]
    assert json.loads(first_json)["logger"] == "uvicorn.error"
    first_text = as_text.stderr.strip().splitlines()[0]
    assert not first_text.startswith("{")
    assert "Started server process" in first_text
    assert "Tone Shootout is running" not in as_json.stdout  # never claims a port it lacks
