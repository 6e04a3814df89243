"""The storage host: signed, unauthenticated file URLs and public images.

It records whether each request carried an Authorization header, so a test can prove a client
dropped its Bearer token when a download redirected here from the API host.
"""

from __future__ import annotations

import io
import re
import zipfile

from fastapi import APIRouter, Request, Response

from toneshootout.tone3000_fake import fixtures
from toneshootout.tone3000_fake.deps import StateDep
from toneshootout.tone3000_fake.errors import ApiError
from toneshootout.tone3000_fake.routes_models import file_response
from toneshootout.tone3000_fake.routes_tones import zip_models
from toneshootout.tone3000_fake.state import FakeState, StorageHit

router = APIRouter(prefix="/storage/v1/object")
_MODEL = re.compile(r"^models/(\d+)/[\w.-]+$")
_ZIP = re.compile(r"^zips/tone-(\d+)\.zip$")
_IMAGE = re.compile(r"^(images/tone-\d+|avatars/[0-9a-f-]+)\.png$")


def _record(state: FakeState, request: Request, status: int) -> None:
    state.storage_hits.append(
        StorageHit(
            path=request.url.path,
            host=request.headers.get("host", ""),
            had_authorization="authorization" in request.headers,
            status=status,
        )
    )


def _refuse(state: FakeState, request: Request, status: int, message: str) -> ApiError:
    _record(state, request, status)
    return ApiError(status, message)


@router.get("/sign/{path:path}")
def signed_file(path: str, request: Request, state: StateDep) -> Response:
    """A file behind a signed URL: the token and expiry in the query are the only credential."""
    if state.config.storage_rejects_authorization and "authorization" in request.headers:
        raise _refuse(state, request, 400, "Only one auth mechanism allowed")
    token = request.query_params.get("token", "")
    expires = request.query_params.get("expires", "")
    if not expires.isdigit() or not state.signature_ok(path, int(expires), token):
        raise _refuse(state, request, 400, "Invalid or expired signature")
    body = _file(state, path)
    if body is None:
        raise _refuse(state, request, 404, "Object not found")
    _record(state, request, 200)
    return file_response(body, path.rsplit("/", 1)[-1])


def _file(state: FakeState, path: str) -> bytes | None:
    if match := _MODEL.match(path):
        found = state.catalogue.model(int(match.group(1)))
        return None if found is None else state.model_file(found[1])
    if match := _ZIP.match(path):
        tone = state.catalogue.tone(int(match.group(1)))
        if tone is None:
            return None
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for model in zip_models(tone):
                archive.writestr(
                    f"{model.name} [{model.id}].{model.extension}", state.model_file(model)
                )
        return buffer.getvalue()
    return None


@router.get("/public/{path:path}")
def public_file(path: str, request: Request, state: StateDep) -> Response:
    """Tone images and avatars: generated PNGs, no credential needed."""
    if not _IMAGE.match(path):
        raise _refuse(state, request, 404, "Object not found")
    _record(state, request, 200)
    return Response(fixtures.png(sum(path.encode())), media_type="image/png")
