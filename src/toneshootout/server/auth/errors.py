"""What can go wrong when signing up, signing in or presenting credentials."""

from __future__ import annotations

from toneshootout.server.errors import Conflict, Forbidden, Unauthorized


class NotAuthenticated(Unauthorized):
    code = "not_authenticated"


class InvalidCredentials(Unauthorized):
    """Wrong email or password: one message for both, so accounts cannot be probed."""

    code = "invalid_credentials"


class InvalidToken(Unauthorized):
    code = "invalid_token"


class RefreshTokenReused(Unauthorized):
    """An already rotated refresh token came back: its whole family has been revoked."""

    code = "refresh_token_reused"


class AccountDisabled(Forbidden):
    code = "account_disabled"


class WrongPassword(Forbidden):
    """The current-password confirmation of a signed-in user did not match."""

    code = "wrong_password"


class CsrfFailed(Forbidden):
    code = "csrf_failed"


class EmailTaken(Conflict):
    code = "email_taken"
