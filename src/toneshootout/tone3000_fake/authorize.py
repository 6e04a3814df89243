"""The authorize step: check the request, then "approve" as the fake user and build the redirect.

Errors before the redirect_uri is trusted (client_id, redirect_uri) are shown to the "user"
as a 400; later ones go back to the client as `error=...` on the redirect (RFC 6749 §4.1.2.1).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import ip_address
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from toneshootout.tone3000_fake import filters
from toneshootout.tone3000_fake.catalogue import FORMATS, Creator, Tone
from toneshootout.tone3000_fake.errors import ApiError
from toneshootout.tone3000_fake.oauth import OAuthError
from toneshootout.tone3000_fake.state import FakeState

PROMPTS = ("select_tone", "load_tone", "load_model")
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # base64url of 32 bytes, no padding


class _Denied(Exception):
    """load_model on a model the user may not have: no replacement, access_denied."""


@dataclass(frozen=True)
class Redirect:
    """The authorize outcome for a trusted redirect_uri: where to send the browser."""

    location: str


def _with_params(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def is_loopback(uri: str) -> bool:
    host = urlsplit(uri).hostname or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _trusted_redirect(state: FakeState, params: Mapping[str, str]) -> str:
    client_id = params.get("client_id")
    if not client_id:
        raise OAuthError("invalid_request", "client_id is required")
    if client_id != state.config.client_id:
        raise OAuthError("invalid_client", "Unknown client_id")
    uri = params.get("redirect_uri")
    if not uri:
        raise OAuthError("invalid_request", "redirect_uri is required")
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        raise OAuthError("invalid_request", "redirect_uri must be an absolute URL")
    if uri not in state.config.redirect_uris and not is_loopback(uri):
        raise OAuthError("invalid_request", "redirect_uri is not registered for this client")
    return uri


def _fail(uri: str, error: str, description: str, csrf: str | None) -> Redirect:
    params = {"error": error, "error_description": description}
    return Redirect(_with_params(uri, params | ({"state": csrf} if csrf else {})))


def _check(params: Mapping[str, str]) -> str | None:
    """The first problem with the request, or None."""
    problems = (
        (params.get("response_type") != "code", "response_type must be code"),
        (not params.get("state"), "state is required"),
        (not _CHALLENGE.match(params.get("code_challenge", "")), "code_challenge is required"),
        (params.get("code_challenge_method") != "S256", "code_challenge_method must be S256"),
        (params.get("prompt", "") not in ("", *PROMPTS), "Unknown prompt"),
        (
            params.get("prompt") == "load_tone" and not params.get("tone_id", "").isdigit(),
            "load_tone needs a tone_id",
        ),
        (
            params.get("prompt") == "load_model" and not params.get("model_id", "").isdigit(),
            "load_model needs a model_id",
        ),
        (params.get("format", FORMATS[0]) not in FORMATS, "Unknown format"),
    )
    return next((message for bad, message in problems if bad), None)


def _scope(params: Mapping[str, str]) -> filters.ToneFilter:
    """The browse view select_tone opens: gears, format, architecture, calibrated."""
    deprecations: list[str] = []
    gears, fmt = filters.gears_and_format(params.get("gears"), params.get("format"), deprecations)
    return filters.ToneFilter(
        gears=gears,
        format=fmt,
        architecture=filters.architecture(params),
        calibrated=params.get("calibrated") == "true",
    )


def _may_see(tone: Tone | None, user: Creator) -> bool:
    return tone is not None and (tone.is_public or tone.creator == user)


def _picked(state: FakeState, params: Mapping[str, str], user: Creator) -> dict[str, str] | None:
    """What the prompt adds to the redirect, or None when the user would have nothing to pick."""
    prompt = params.get("prompt")
    public = [t for t in state.catalogue.tones if t.is_public and t.models]
    if prompt == "select_tone":
        if state.switches.select_tone_id is not None:
            return {"tone_id": str(state.switches.select_tone_id)}
        scope = _scope(params)
        ranked = sorted(public, key=lambda t: (-t.trending_score, t.id))
        found = [t for t in ranked if filters.matches(t, scope, state.catalogue)]
        return {"tone_id": str(found[0].id)} if found else None
    if prompt == "load_tone":
        wanted = state.catalogue.tone(int(params["tone_id"]))
        if state.switches.replacement_tone_id is not None:
            return {"tone_id": str(state.switches.replacement_tone_id)}
        if wanted is not None and _may_see(wanted, user):
            return {"tone_id": str(wanted.id)}
        # Private or gone: the user picks a replacement, here the first tone like it.
        fmt = wanted.format if wanted is not None else "nam"
        return {"tone_id": str(next(t.id for t in public if t.format == fmt))}
    if prompt == "load_model":
        owned = state.catalogue.model(int(params["model_id"]))
        if owned is None or not _may_see(owned[0], user):
            raise _Denied
        return {"model_id": str(owned[1].id)}
    return {}


def authorize(state: FakeState, params: Mapping[str, str]) -> Redirect:
    """Approve (or refuse) an authorize request; OAuthError when there is nowhere to redirect."""
    uri = _trusted_redirect(state, params)
    csrf = params.get("state") or None
    problem = _check(params)
    if problem is None:
        try:
            _scope(params)  # an unknown gear or architecture is a bad request too
        except ApiError as err:
            problem = str(err)
    if problem is not None:
        return _fail(uri, "invalid_request", problem, csrf)
    assert csrf is not None
    if state.switches.authorize_error is not None:
        error = state.switches.authorize_error
        return _fail(uri, error, f"Forced by the fake: {error}", csrf)
    user = state.signing_in(params.get("login_hint"))

    def code() -> str:
        return state.oauth.issue_code(
            state.config.client_id, uri, params["code_challenge"], user.id
        )

    if state.switches.canceled:
        extra = {"code": code()} if state.switches.canceled_with_code else {}
        return Redirect(_with_params(uri, {**extra, "state": csrf, "canceled": "true"}))
    try:
        picked = _picked(state, params, user)
    except _Denied:
        return _fail(uri, "access_denied", "The model is not available to this user", csrf)
    if picked is None:  # nothing to pick: the user closed the window after signing in
        return Redirect(_with_params(uri, {"code": code(), "state": csrf, "canceled": "true"}))
    return Redirect(_with_params(uri, {"code": code(), "state": csrf, **picked}))
