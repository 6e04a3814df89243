"""`/_fake/...`: steer a fake running in another process (the same switches as the Python API)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from toneshootout.tone3000_fake.deps import StateDep
from toneshootout.tone3000_fake.errors import ApiError
from toneshootout.tone3000_fake.state import FakeState

router = APIRouter(prefix="/_fake", tags=["fake control"])


class Advance(BaseModel):
    seconds: float = Field(ge=0)


class SetClock(BaseModel):
    now: float = Field(ge=0)  # seconds since the fake's epoch


class DeviceDecision(BaseModel):
    user_code: str
    user: str | None = None  # approve as this catalogue user (default: who signs in)


class Revoke(BaseModel):
    user: str | None = None  # a username; None revokes every token


def snapshot(state: FakeState) -> dict[str, Any]:
    """What a test reads back: the clock, switches, counters and storage hits."""
    counters = state.oauth.counters
    return {
        "now": state.clock.now(),
        "now_iso": state.clock.iso(),
        "client_id": state.config.client_id,
        "switches": state.switches.as_dict(),
        "counters": {
            "token_requests": dict(counters.token_requests),
            "refresh_requests": counters.refresh_requests,
            "refresh_successes": counters.refresh_successes,
            "codes_issued": counters.codes_issued,
        },
        "requests": dict(state.requests),
        "storage_hits": [asdict(hit) for hit in state.storage_hits],
    }


@router.get("/state")
def read_state(state: StateDep) -> dict[str, Any]:
    """Clock, switches, counters and storage hits."""
    return snapshot(state)


@router.put("/switches")
def set_switches(changes: dict[str, Any], state: StateDep) -> dict[str, Any]:
    """Change some switches (a partial update; null restores a default)."""
    user = changes.get("user")
    if user is not None and state.catalogue.creator(str(user)) is None:
        raise ApiError(400, f"user {user!r} is not a catalogue user")
    try:
        state.switches.update(changes)
    except (TypeError, ValueError) as err:
        raise ApiError(400, str(err)) from None
    return state.switches.as_dict()


@router.post("/clock/advance")
def advance_clock(body: Advance, state: StateDep) -> dict[str, float]:
    """Move the fake clock forward."""
    return {"now": state.clock.advance(body.seconds)}


@router.post("/clock/set")
def set_clock(body: SetClock, state: StateDep) -> dict[str, float]:
    """Set the fake clock (forward only)."""
    try:
        return {"now": state.clock.set(body.now)}
    except ValueError as err:
        raise ApiError(400, str(err)) from None


def _decide(state: FakeState, body: DeviceDecision, approve: bool) -> dict[str, str]:
    if body.user is not None and state.catalogue.creator(body.user) is None:
        raise ApiError(404, "Unknown user")
    try:
        grant = (
            state.approve_device(body.user_code, body.user)
            if approve
            else state.deny_device(body.user_code)
        )
    except KeyError:
        raise ApiError(404, "Unknown user_code") from None
    return {"user_code": grant.user_code, "status": grant.status}


@router.post("/device/approve")
def approve_device(body: DeviceDecision, state: StateDep) -> dict[str, str]:
    """Approve a pending device grant."""
    return _decide(state, body, approve=True)


@router.post("/device/deny")
def deny_device(body: DeviceDecision, state: StateDep) -> dict[str, str]:
    """Deny a pending device grant (the next poll gets access_denied)."""
    return _decide(state, body, approve=False)


@router.post("/tokens/revoke")
def revoke_tokens(body: Revoke, state: StateDep) -> dict[str, int]:
    """Revoke tokens: access tokens answer 401 and refresh tokens invalid_grant."""
    user_id = None
    if body.user is not None:
        creator = state.catalogue.creator(body.user)
        if creator is None:
            raise ApiError(404, "Unknown user")
        user_id = creator.id
    return {"revoked": state.oauth.revoke(user_id)}


@router.post("/reset")
def reset(state: StateDep) -> dict[str, Any]:
    """Forget tokens, codes, activity, switches and hits (the clock keeps its time)."""
    state.reset()
    return snapshot(state)
