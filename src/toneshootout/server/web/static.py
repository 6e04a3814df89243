"""`/static`: the app's own files revalidated on every use, versioned vendor files kept a year.

`make setup` copies npm packages to `static/vendor/<package>@<version>/`, so a vendor URL never
changes content and can be cached as immutable; everything else (our CSS and modules, and the
small `vendor/index.js` that points at the current versions) is `no-cache`, answered with 304
while its ETag holds.
"""

from __future__ import annotations

import os

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def cache_control(path: str) -> str:
    """The Cache-Control of a static file by its path below `/static/`."""
    parts = path.replace(os.sep, "/").split("/")
    versioned = len(parts) > 2 and parts[0] == "vendor" and "@" in parts[1]
    return IMMUTABLE if versioned else REVALIDATE


class PageStaticFiles(StaticFiles):
    """StaticFiles with the Cache-Control above."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = cache_control(path)
        return response
