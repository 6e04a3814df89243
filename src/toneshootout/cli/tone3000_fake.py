"""`toneshootout tone3000-fake`: the fake TONE3000 on a loopback port, for tests and local runs."""

from __future__ import annotations

from ipaddress import ip_address
from typing import Annotated

import typer

DEFAULT_PORT = 8030


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def tone3000_fake(
    host: Annotated[str, typer.Option(help="Loopback address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port; 0 picks a free one.")] = DEFAULT_PORT,
    client_id: Annotated[str | None, typer.Option(help="The publishable key it accepts.")] = None,
    redirect_uri: Annotated[
        list[str] | None, typer.Option(help="A registered redirect URI (loopback ones need none).")
    ] = None,
    user: Annotated[str | None, typer.Option(help="The catalogue user who signs in.")] = None,
) -> None:
    """Serve a fake TONE3000 API (OAuth, tones, models, downloads) with /_fake control routes."""
    from toneshootout.tone3000_fake import DEFAULT_CLIENT_ID, FakeConfig
    from toneshootout.tone3000_fake.config import DEFAULT_USER
    from toneshootout.tone3000_fake.seed import build_catalogue
    from toneshootout.tone3000_fake.serving import serve_fake

    if not _loopback(host):
        # Its control routes take no credentials: it must never face a network.
        raise typer.BadParameter("the fake binds loopback addresses only", param_hint="--host")
    usernames = [c.username for c in build_catalogue().creators]
    if user is not None and user not in usernames:
        names = ", ".join(usernames)
        raise typer.BadParameter(f"not a catalogue user; one of: {names}", param_hint="--user")
    config = FakeConfig(
        client_id=client_id or DEFAULT_CLIENT_ID,
        redirect_uris=tuple(redirect_uri or ()),
        user=user or DEFAULT_USER,
    )
    if not serve_fake(config, host, port):
        raise SystemExit(1)
