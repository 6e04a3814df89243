"""Safe file responses (REQ-20, 21): exact type, attachment, sandbox, no caching, Range."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from starlette.responses import FileResponse

# Characters that would end or confuse a quoted-string filename, or that some browsers decode.
_UNSAFE_IN_QUOTED = frozenset('"\\%;')

DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "private, no-store",
}


def _ascii_fallback(filename: str) -> str:
    return "".join(
        "_" if ord(char) > 126 or ord(char) < 32 or char in _UNSAFE_IN_QUOTED else char
        for char in filename
    )


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII `filename` and, when needed, the RFC 6266/8187 `filename*`."""
    fallback = _ascii_fallback(filename)
    header = f'attachment; filename="{fallback}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def file_download(path: Path, *, media_type: str, filename: str) -> FileResponse:
    """Stream `path` as an attachment; Starlette answers Range requests (206 / 416)."""
    headers = {**DOWNLOAD_HEADERS, "Content-Disposition": content_disposition(filename)}
    return FileResponse(path, media_type=media_type, headers=headers)
