"""`toneshootout login --tone3000` and `logout --tone3000`: the commands' faces only.

The work is in `device` and imported when a command runs, so `--help` and other commands do
not load httpx and the settings for it.
"""

from __future__ import annotations

from typing import Annotated

import typer

from toneshootout.cli.errors import CliError
from toneshootout.cli.tone3000.config import BASE_URL_ENV, CLIENT_ID_ENV, DEFAULT_BASE_URL


def _which(tone3000: bool, command: str) -> None:
    if not tone3000:
        raise CliError(f"say which service: `toneshootout {command} --tone3000` (the only one)")


def login(
    tone3000: Annotated[
        bool, typer.Option("--tone3000", help="Sign in to TONE3000 with a device code.")
    ] = False,
    status: Annotated[
        bool, typer.Option("--status", help="Only say whether, and as whom, you are signed in.")
    ] = False,
    base_url: Annotated[
        str, typer.Option("--base-url", envvar=BASE_URL_ENV, help="The TONE3000 to sign in to.")
    ] = DEFAULT_BASE_URL,
    client_id: Annotated[
        str | None,
        typer.Option(
            "--client-id", envvar=CLIENT_ID_ENV, help="The app's publishable key (t3k_pub_...)."
        ),
    ] = None,
) -> None:
    """Sign in to TONE3000 so `render` can use captures and IRs from it (opens no browser)."""
    _which(tone3000, "login")
    from toneshootout.cli.tone3000 import device

    if status:
        device.show_status()
    else:
        device.sign_in(base_url, client_id)


def logout(
    tone3000: Annotated[
        bool, typer.Option("--tone3000", help="Forget the TONE3000 sign-in and downloads.")
    ] = False,
) -> None:
    """Forget your TONE3000 sign-in on this computer, and the models downloaded with it."""
    _which(tone3000, "logout")
    from toneshootout.cli.tone3000 import device

    device.sign_out()
