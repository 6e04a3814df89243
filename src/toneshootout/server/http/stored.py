"""Send a stored object (REQ-20, 21): by redirect to the store, or streamed with Range support.

A browser *navigating* to a download (following a download link) is sent (307) to a
short-lived presigned URL when the store gives one (an S3 bucket with
`storage.s3.presign_downloads` on), so the bytes never pass through the API. Everything else is
proxied: the A/B player's fetch() of audio, `<video>` and `<img>` elements would otherwise need
the bucket's origin in the page's CSP (`connect-src`, `media-src`, `img-src`) and a CORS rule
on the bucket for fetch() to read the body, and the player's own origin keeps its Range and
caching behaviour the same on every backend. The caller has checked ownership or the share
before calling, so a redirect is only ever handed to someone allowed the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Annotated

import anyio.to_thread
from fastapi import Depends
from starlette.concurrency import iterate_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from toneshootout.server.deps import ServicesDep
from toneshootout.server.library.downloads import DOWNLOAD_HEADERS, content_disposition
from toneshootout.server.storage.base import Storage
from toneshootout.server.storage.files import StoredFile

# One `bytes=first-last`, `bytes=first-` or `bytes=-suffix` range. A request for several ranges
# is answered whole with 200, which RFC 9110 §14.2 allows; no client of ours asks for them.
_ONE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_RANGE_SET = re.compile(r"^bytes=\s*\d*-\d*\s*(,\s*\d*-\d*\s*)*$")


def is_download_navigation(headers: Mapping[str, str]) -> bool:
    """True for a browser following a link to the file, not a page fetching it for itself.

    Chromium sends `Sec-Fetch-Mode: navigate` with `Sec-Fetch-Dest: empty` for an `<a download>`
    link (the app's download links) and with `Sec-Fetch-Dest: document` for a plain link;
    fetch() is `cors`, `<video>` and `<img>` are `no-cors`. A client that sends no Fetch
    Metadata (curl, a script) is proxied, which always works.
    """
    return headers.get("sec-fetch-mode") == "navigate" or headers.get("sec-fetch-dest") == (
        "document"
    )


def presigned_redirect(
    storage: Storage, file: StoredFile, headers: Mapping[str, str], *, expires_seconds: int
) -> str | None:
    """Where to redirect this request for `file`, or None to stream it through the API.

    Only navigations are redirected (see the module docstring), and only when the store signs
    URLs at all. Blocking (the store may be asked): run it in a worker thread.
    """
    if not is_download_navigation(headers):
        return None
    return storage.presigned_url(
        file.key,
        filename=file.filename,
        media_type=file.media_type,
        expires_seconds=expires_seconds,
    )


class RangeNotSatisfiable(Exception):
    """A well-formed single range that lies wholly past the end (answered 416)."""


class MalformedRange(Exception):
    """A `bytes=` range that does not parse (answered 400, as Starlette's FileResponse did)."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """`(start, end exclusive)` of a satisfiable single range, or None to send it all."""
    if not header:
        return None
    header = header.strip()
    if header.startswith("bytes=") and not _RANGE_SET.match(header):
        raise MalformedRange
    match = _ONE_RANGE.match(header)
    if match is None:
        return None  # several ranges, or another unit: the whole representation
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last `last` bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(0, size - suffix), size
    start = int(first)
    if start >= size:
        raise RangeNotSatisfiable
    end = size if not last else min(int(last) + 1, size)
    if end <= start:
        return None  # last < first: not a valid range, so ignored
    return start, end


async def send_stored(
    request: Request, storage: Storage, file: StoredFile, *, presign_seconds: int
) -> Response:
    """The response for `file`: 307 to the store, 206 for one range, 416, or 200 whole."""
    headers = {**DOWNLOAD_HEADERS, "Content-Disposition": content_disposition(file.filename)}
    if is_download_navigation(request.headers):  # no thread hop for the player's requests
        url = await anyio.to_thread.run_sync(
            lambda: presigned_redirect(
                storage, file, request.headers, expires_seconds=presign_seconds
            )
        )
        if url is not None:
            return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-store"})
    headers["Accept-Ranges"] = "bytes"
    try:
        wanted = byte_range(request.headers.get("range"), file.size)
    except MalformedRange:
        return Response("Malformed range header", 400, media_type="text/plain")
    except RangeNotSatisfiable:
        headers["Content-Range"] = f"bytes */{file.size}"
        # Plain text, rewritten into the JSON error shape by PlainErrorsAsJsonMiddleware.
        return Response("Range Not Satisfiable", 416, headers, media_type="text/plain")
    start, end = (0, file.size) if wanted is None else wanted
    status = 200 if wanted is None else 206
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{file.size}"
    headers["Content-Length"] = str(end - start)
    if request.method == "HEAD":
        return Response(None, status, headers, media_type=file.media_type)
    # Opened before the response starts, so a missing object or a store that is down is an
    # error answer (404, 503), not a 200 cut short.
    chunks: Iterator[bytes] = await anyio.to_thread.run_sync(
        lambda: storage.read_range(file.key, start, end)
    )
    return StreamingResponse(
        iterate_in_threadpool(chunks), status, headers, media_type=file.media_type
    )


class Downloads:
    """Sends stored files for one request (a dependency, so routes stay one line)."""

    def __init__(self, request: Request, storage: Storage, presign_seconds: int) -> None:
        self.request = request
        self.storage = storage
        self.presign_seconds = presign_seconds

    async def send(self, file: StoredFile) -> Response:
        return await send_stored(
            self.request, self.storage, file, presign_seconds=self.presign_seconds
        )


def get_downloads(request: Request, services: ServicesDep) -> Downloads:
    ttl = services.settings.storage.s3.presign_ttl_seconds
    return Downloads(request, services.storage, ttl)


DownloadsDep = Annotated[Downloads, Depends(get_downloads)]
