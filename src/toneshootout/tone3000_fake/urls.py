"""Where things live: the fake's public origin, its storage host, and the links it emits."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from starlette.requests import Request

from toneshootout.tone3000_fake.catalogue import Creator, Model, Tone
from toneshootout.tone3000_fake.config import FakeConfig

API = "/api/v1"
_SWAP = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}


def public_base(config: FakeConfig, request: Request) -> str:
    if config.public_base is not None:
        return config.public_base.rstrip("/")
    return str(request.base_url).rstrip("/")


def storage_base(config: FakeConfig, request: Request) -> str:
    """The other host: configured, or this origin under its other loopback name."""
    if config.storage_base is not None:
        return config.storage_base.rstrip("/")
    parts = urlsplit(public_base(config, request))
    host = parts.hostname or "localhost"
    other = _SWAP.get(host, f"storage.{host}")
    netloc = other if parts.port is None else f"{other}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, "", "", ""))


def tone_url(base: str, tone: Tone) -> str:
    # The real service emits a double slash here; clients must use it as given (§1.6).
    return f"{base}//{tone.slug}-{tone.id}"


def user_url(base: str, creator: Creator) -> str:
    return f"{base}//{creator.username}"


def model_url(base: str, model: Model) -> str:
    return f"{base}{API}/models/{model.id}/download/{model.slug}.{model.extension}"


def image_url(storage: str, tone: Tone) -> str:
    return f"{storage}/storage/v1/object/public/images/tone-{tone.id}.png"


def avatar_url(storage: str, creator: Creator) -> str:
    return f"{storage}/storage/v1/object/public/avatars/{creator.id}.png"
