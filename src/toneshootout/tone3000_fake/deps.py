"""Request plumbing shared by the routes: the state, the Bearer check, the rate limit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from toneshootout.tone3000_fake import urls
from toneshootout.tone3000_fake.catalogue import Creator
from toneshootout.tone3000_fake.errors import ApiError, unauthorized
from toneshootout.tone3000_fake.shapes import View
from toneshootout.tone3000_fake.state import FakeState


def fake_state(request: Request) -> FakeState:
    state = request.app.state.fake
    assert isinstance(state, FakeState)
    route = request.scope.get("route")
    state.requests[f"{request.method} {getattr(route, 'path', request.url.path)}"] += 1
    return state


StateDep = Annotated[FakeState, Depends(fake_state)]


@dataclass(frozen=True)
class Caller:
    user: Creator | None  # None only on the one endpoint that answers anonymously
    token: str | None
    view: View


def _token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise unauthorized()
    return value.strip()


def _limit(state: FakeState, key: str) -> None:
    wait = state.limiter.hit(key)
    if wait is not None:
        raise ApiError(429, "Too many requests", {"Retry-After": str(wait)})


def _caller(request: Request, state: FakeState, anonymous_ok: bool) -> Caller:
    token = _token(request)
    user = None
    if token is not None:
        user_id = state.oauth.user_for(token)
        if user_id is None:  # unknown, expired, revoked, or a publishable key
            raise unauthorized()
        user = state.catalogue.creator_by_id(user_id)
        _limit(state, f"token:{token}")
    elif not anonymous_ok:
        raise unauthorized()
    else:
        client = request.client.host if request.client else "unknown"
        _limit(state, f"anonymous:{client}")
    view = View(
        base=urls.public_base(state.config, request),
        storage=urls.storage_base(state.config, request),
        viewer=None if user is None else user.id,
        library=state.library,
        search_license=state.config.search_includes_license,
    )
    return Caller(user, token, view)


def bearer_caller(request: Request, state: StateDep) -> Caller:
    return _caller(request, state, anonymous_ok=False)


def optional_caller(request: Request, state: StateDep) -> Caller:
    return _caller(request, state, anonymous_ok=True)


CallerDep = Annotated[Caller, Depends(bearer_caller)]
OptionalCallerDep = Annotated[Caller, Depends(optional_caller)]


def signed_in(caller: Caller) -> Creator:
    assert caller.user is not None  # bearer_caller refuses anonymous calls
    return caller.user
