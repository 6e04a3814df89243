"""Model downloads (§1.4): the user's Bearer token goes to the TONE3000 origin and nowhere
else (REQ-06). A redirect to another host is followed without any credential, and only to a
storage origin we were told to trust; anything else is refused."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from toneshootout.tone3000.api import (
    MAX_BACKOFF_SECONDS,
    MAX_RETRIES,
    Tone3000Api,
    raise_for_status,
    retry_after,
)
from toneshootout.tone3000.errors import BadResponse, Unreachable

MAX_REDIRECTS = 5
CHUNK = 64 * 1024
ERROR_BODY_BYTES = 4096  # an error's body is read for its message, never whole


def origin(url: str) -> str:
    """`scheme://host[:port]`, lower-cased: what "the same origin" compares."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    port = parts.port if parts.port not in (None, default) else None
    host = (parts.hostname or "").lower()
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    return f"{n // 1024} KiB" if n < 1024 * 1024 else f"{n / 2**20:g} MiB"


@dataclass(frozen=True)
class Downloaded:
    path: Path
    size: int
    sha256: str


async def _save(response: httpx.Response, dest: Path, max_bytes: int) -> Downloaded:
    digest, size = hashlib.sha256(), 0
    # A name of its own: two downloads of one model at once (two renders of one user) must
    # not write into each other's file; whichever finishes last replaces the other's whole.
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    part = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in response.aiter_bytes(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise BadResponse(
                        f"the file from TONE3000 is larger than the {_size(max_bytes)} allowed"
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise BadResponse("TONE3000 sent an empty file")
        os.replace(part, dest)
    finally:
        part.unlink(missing_ok=True)
    return Downloaded(dest, size, digest.hexdigest())


async def download(
    api: Tone3000Api,
    model_url: str,
    dest: Path,
    *,
    max_bytes: int,
    storage_origins: tuple[str, ...] = (),
) -> Downloaded:
    """Fetch `model_url` into `dest` (written whole or not at all), at most `max_bytes`."""
    home = origin(api.base_url)
    trusted = {origin(o) for o in storage_origins}
    model_url = urljoin(api.base_url + "/", model_url)  # a relative URL is TONE3000's own
    if origin(model_url) != home:
        raise BadResponse("TONE3000 gave a model URL on another host: refused")
    response = await api.send(model_url, stream=True)
    url = model_url
    try:
        for hops in range(MAX_REDIRECTS + 1):
            if not response.has_redirect_location:
                await _check(response)
                return await _save(response, dest, max_bytes)
            if hops == MAX_REDIRECTS:
                break
            url = urljoin(url, response.headers.get("location", ""))
            await response.aclose()
            if origin(url) == home:  # still TONE3000: the token may go along
                response = await api.send(url, stream=True)
                continue
            if origin(url) not in trusted:
                raise BadResponse(
                    f"TONE3000 redirected the download to {origin(url)}, which is not a "
                    "trusted storage origin (TONESHOOTOUT_TONE3000__STORAGE_ORIGINS): refused"
                )
            response = await _plain_get(api, url)  # a signed URL: no credential at all
        raise BadResponse("too many redirects downloading from TONE3000")
    finally:
        await response.aclose()


async def _check(response: httpx.Response) -> None:
    """Only a 2xx is a file; anything else becomes its error, read from a bounded body."""
    if response.status_code >= 400:
        body = b""
        async for chunk in response.aiter_bytes(ERROR_BODY_BYTES):
            body += chunk
            if len(body) >= ERROR_BODY_BYTES:
                break
        raise_for_status(response, what="model", body=body[:ERROR_BODY_BYTES])
    if response.status_code >= 300:  # a 3xx with no Location to follow
        raise BadResponse(f"TONE3000 answered {response.status_code} without a file")


async def _plain_get(api: Tone3000Api, url: str) -> httpx.Response:
    """GET from the storage host with no Authorization at all; 429s as `Tone3000Api.send`."""
    attempt = 0
    while True:
        try:
            request = api.http.build_request("GET", url)
            response = await api.http.send(request, stream=True, follow_redirects=False)
        except httpx.HTTPError as err:
            name = type(err).__name__
            raise Unreachable(f"the storage host could not be reached ({name})") from err
        wait = retry_after(response, attempt)
        if response.status_code != 429 or attempt >= MAX_RETRIES or wait > MAX_BACKOFF_SECONDS:
            return response
        await response.aclose()
        await api.sleep(wait)
        attempt += 1
