"""What a test chooses once, when it builds the fake: keys, URLs, lifetimes and limits."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_CLIENT_ID = "t3k_pub_fake_toneshootout"
DEFAULT_USER = "shootout-tester"


@dataclass(frozen=True)
class FakeConfig:
    """Everything fixed for the life of one fake server (switches change at run time instead).

    `public_base` is the origin the fake claims to be (tone `url`s, `model_url`s, the device
    verification page); None means "whatever host the request came to". `storage_base` is the
    other host that downloads may redirect to; None swaps `127.0.0.1` and `localhost` in the
    request's origin, so one local server answers under two host names and a client that
    forwards its Bearer token across hosts can be caught.
    """

    client_id: str = DEFAULT_CLIENT_ID
    redirect_uris: tuple[str, ...] = ()  # beyond loopback ones, which are always allowed
    public_base: str | None = None
    storage_base: str | None = None
    user: str = DEFAULT_USER  # who "signs in" unless a switch or login_hint says otherwise
    access_token_seconds: int = 3600
    code_seconds: int = 30 * 60
    device_code_seconds: int = 15 * 60
    device_interval: int = 5
    device_auto_approve_after: int | None = None  # pending answers before approving by itself
    rate_limit: int = 100
    rate_window_seconds: float = 60.0
    search_rate_limit: int | None = None  # search is "heavily" limited: a second, lower bucket
    partner: bool = False  # approved partners may call GET /tones/{id}/download
    search_includes_license: bool = True  # mid-2026 search results had no `license`
    storage_rejects_authorization: bool = False  # like a signed URL refusing a second credential
    control_enabled: bool = True
