"""Which browser origins may open the socket (cross-site WebSocket hijacking, ASVS 4.4.2).

Browsers always send `Origin` on a WebSocket handshake, and a cookie-holding page on another
site could otherwise open our socket with the user's session. A handshake WITHOUT `Origin`
comes from a non-browser client (a script, the benchmark): it carries no ambient cookies and
still needs a valid single-use ticket, so refusing it would protect nothing.
"""

from __future__ import annotations

from toneshootout.settings import Settings

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def allowed_origins(settings: Settings) -> frozenset[str]:
    """The exact origins accepted: CORS list + realtime list, plus the server's own loopback
    origin outside production (production lists its public origin in the CORS setting)."""
    origins = {
        _normalise(o) for o in (*settings.http.cors_origins, *settings.realtime.allowed_origins)
    }
    origins.discard("*")  # a wildcard never allows a credentialed socket
    if settings.environment != "production":
        origins |= {f"http://{host}:{settings.port}" for host in LOOPBACK_HOSTS}
    return frozenset(origins)


def origin_allowed(origin: str | None, allowed: frozenset[str]) -> bool:
    """True for no Origin (non-browser client) or one listed exactly."""
    if origin is None:
        return True
    return _normalise(origin) in allowed


def _normalise(origin: str) -> str:
    # Origins compare as scheme://host[:port]; case of scheme and host does not matter.
    return origin.strip().rstrip("/").lower()
