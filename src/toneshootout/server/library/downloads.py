"""Safe download headers (REQ-20, 21): attachment names, sandbox, nosniff, no caching.

The responses themselves (stream, Range, redirect) are made by `http.stored`.
"""

from __future__ import annotations

from urllib.parse import quote

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
