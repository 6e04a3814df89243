"""TONE3000's failures in the service's words: each client error becomes a `DomainError`
(and so a JSON body with a stable code), never a 500."""

from __future__ import annotations

from toneshootout.server.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    ServiceUnavailable,
)
from toneshootout.tone3000 import errors as t3k


class Tone3000SignInRequired(Conflict):
    # A 409, not a 401: the user's session with us is fine; their TONE3000 link is not.
    code = "tone3000_sign_in_required"


class Tone3000Private(Forbidden):
    code = "tone3000_private"


class Tone3000Deleted(NotFound):
    code = "tone3000_deleted"


class Tone3000Busy(RateLimited):
    code = "tone3000_rate_limited"


class Tone3000Unreachable(ServiceUnavailable):
    code = "tone3000_unreachable"


class Tone3000Refused(Invalid):
    code = "tone3000_refused"


def as_domain_error(err: t3k.Tone3000Error) -> DomainError:
    """The domain error for a client error (the message is already fit for the user)."""
    text = str(err)
    if isinstance(err, t3k.SignInRequired):
        return Tone3000SignInRequired(text)
    if isinstance(err, t3k.TonePrivate):
        return Tone3000Private(text)
    if isinstance(err, t3k.ToneDeleted):
        return Tone3000Deleted(text)
    if isinstance(err, t3k.RateLimited):
        return Tone3000Busy(text, retry_after_seconds=max(1, round(err.retry_after)))
    if isinstance(err, t3k.Unreachable):
        return Tone3000Unreachable(text, retry_after_seconds=30)
    return Tone3000Refused(text)
