"""What can go wrong talking to TONE3000, each with words a user can act on."""

from __future__ import annotations


class Tone3000Error(Exception):
    """Base: `code` is a stable machine name, `str(err)` a sentence for the user."""

    code = "tone3000_error"


class SignInRequired(Tone3000Error):
    """The user's TONE3000 session is gone (401 after one refresh, or a revoked refresh)."""

    code = "tone3000_sign_in_required"


class ToneUnavailable(Tone3000Error):
    """A tone or model the user cannot have: private (403) or deleted (404)."""

    code = "tone3000_unavailable"


class TonePrivate(ToneUnavailable):
    code = "tone3000_private"


class ToneDeleted(ToneUnavailable):
    code = "tone3000_deleted"


class RateLimited(Tone3000Error):
    """Still 429 after the retries; `retry_after` seconds is the server's last word."""

    code = "tone3000_rate_limited"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unreachable(Tone3000Error):
    """A network failure, a timeout or a 5xx: nothing the user did."""

    code = "tone3000_unreachable"


class BadResponse(Tone3000Error):
    """An answer we cannot use: a 400, an unexpected shape, a refused redirect, a bad file."""

    code = "tone3000_bad_response"


class OAuthError(Tone3000Error):
    """The token endpoint said no; `error` is the OAuth code (`invalid_grant`, ...)."""

    code = "tone3000_oauth_error"

    def __init__(self, error: str, description: str = "") -> None:
        super().__init__(f"TONE3000 refused the sign-in: {description or error}")
        self.error = error
        self.description = description
