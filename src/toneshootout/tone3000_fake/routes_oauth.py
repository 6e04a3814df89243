"""OAuth over HTTP: authorize, the token endpoint (form-encoded only), the device flow."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from toneshootout.tone3000_fake import urls
from toneshootout.tone3000_fake.authorize import authorize
from toneshootout.tone3000_fake.deps import StateDep
from toneshootout.tone3000_fake.oauth import OAuthError, TokenPair
from toneshootout.tone3000_fake.state import FakeState

router = APIRouter()
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def oauth_error(err: OAuthError, state: FakeState) -> JSONResponse:
    """The error body in the style the switch picks: both reach clients of the real service."""
    body = {"error": err.error, "error_description": err.description}
    if state.switches.token_error_style == "gotrue":
        body = {"error_code": err.error, "msg": err.description}
    return JSONResponse(body, status_code=err.status, headers=_NO_STORE)


@router.get(urls.API + "/oauth/authorize")
def oauth_authorize(request: Request, state: StateDep) -> Response:
    """Auto-approve as the fake user and redirect back with code, state and the prompt's ids."""
    try:
        outcome = authorize(state, request.query_params)
    except OAuthError as err:
        return oauth_error(err, state)
    return RedirectResponse(outcome.location, status_code=302)


async def _form(request: Request) -> dict[str, str]:
    """The body as a form; JSON or repeated fields are refused as OAuth requires (RFC 6749 §3.2)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise OAuthError(
            "invalid_request", "Content-Type must be application/x-www-form-urlencoded"
        )
    pairs = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise OAuthError("invalid_request", f"{key} is repeated")
        form[key] = value
    return form


def _tokens(pair: TokenPair, state: FakeState) -> JSONResponse:
    body = {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "expires_in": int(pair.expires_at - state.clock.now()),
        "token_type": "bearer",
    }
    return JSONResponse(body, headers=_NO_STORE)


def _grant(state: FakeState, form: dict[str, str]) -> TokenPair:
    grant_type = form.get("grant_type")
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required")
    state.oauth.counters.token_requests[grant_type] += 1
    if grant_type not in ("authorization_code", "refresh_token", DEVICE_GRANT):
        raise OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant_type}")
    client_id = state.oauth.check_client(form.get("client_id"))
    if grant_type == "authorization_code":
        return state.oauth.exchange_code(
            client_id=client_id,
            code=form.get("code"),
            verifier=form.get("code_verifier"),
            redirect_uri=form.get("redirect_uri"),
        )
    if grant_type == "refresh_token":
        return state.oauth.refresh(client_id=client_id, refresh_token=form.get("refresh_token"))
    return state.oauth.poll_device(
        client_id=client_id, device_code=form.get("device_code"), auto_user=state.signing_in().id
    )


@router.post(urls.API + "/oauth/token")
async def oauth_token(request: Request, state: StateDep) -> Response:
    """Exchange a code, rotate a refresh token, or poll a device grant."""
    try:
        return _tokens(_grant(state, await _form(request)), state)
    except OAuthError as err:
        return oauth_error(err, state)


@router.post(urls.API + "/oauth/device_authorization")
async def device_authorization(request: Request, state: StateDep) -> Response:
    """Start a device grant (RFC 8628) for a CLI."""
    try:
        client_id = state.oauth.check_client((await _form(request)).get("client_id"))
    except OAuthError as err:
        return oauth_error(err, state)
    grant = state.oauth.start_device(client_id)
    page = urls.public_base(state.config, request) + "/device"
    body: dict[str, Any] = {
        "device_code": grant.device_code,
        "user_code": grant.user_code,
        "verification_uri": page,
        "verification_uri_complete": f"{page}?user_code={grant.user_code}",
        "expires_in": state.config.device_code_seconds,
        "interval": grant.interval,
    }
    return JSONResponse(body, headers=_NO_STORE)


@router.get("/device")
def device_page(request: Request, state: StateDep) -> HTMLResponse:
    """The verification page: opening it with a code approves the device as the fake user."""
    code = request.query_params.get("user_code")
    if not code:
        return HTMLResponse("<p>Enter the code shown on your device.</p>")
    try:
        grant = state.approve_device(code)
    except KeyError:
        return HTMLResponse("<p>Unknown code.</p>", status_code=404)
    return HTMLResponse(f"<p>Device {escape(grant.user_code)}: {escape(grant.status)}.</p>")
