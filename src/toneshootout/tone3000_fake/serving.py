"""Run the fake under uvicorn and say where it is once bound (port 0 is known only then)."""

from __future__ import annotations

import socket

import uvicorn

from toneshootout.tone3000_fake.app import create_fake_app
from toneshootout.tone3000_fake.config import FakeConfig


class _Announcing(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, *, client_id: str) -> None:
        super().__init__(config)
        self.client_id = client_id

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.started:
            return
        host, port = self.servers[0].sockets[0].getsockname()[:2]
        other = "localhost" if host == "127.0.0.1" else host
        # Other tools read these lines: keep `base_url: ` and `client_id: ` as they are.
        lines = [
            "Fake TONE3000 is running (a test double: keep it on loopback).",
            f"base_url: http://{host}:{port}",
            f"storage_base: http://{other}:{port}",
            f"client_id: {self.client_id}",
            f"control: http://{host}:{port}/_fake/state",
            "Press Ctrl-C to stop.",
        ]
        print("\n".join(lines), flush=True)


def serve_fake(config: FakeConfig, host: str, port: int) -> bool:
    """Serve until Ctrl-C; False if it never started (the port was taken, say)."""
    server = _Announcing(
        uvicorn.Config(
            create_fake_app(config), host=host, port=port, log_level="warning", access_log=False
        ),
        client_id=config.client_id,
    )
    server.run()
    return server.started
