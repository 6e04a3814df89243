"""What can go wrong signing in with TONE3000, linking it, or coming back from it."""

from __future__ import annotations

from toneshootout.server.errors import BadRequest, Conflict, NotFound, ServiceUnavailable

# TONE3000 was unreachable or answered something unusable: try again shortly.
RETRY_SECONDS = 30


class Tone3000NotConfigured(NotFound):
    """No client id is set (`TONESHOOTOUT_TONE3000__CLIENT_ID`): the feature is off."""

    code = "tone3000_not_configured"


class SignInStateError(BadRequest):
    """The callback's `state` does not open a sign-in this browser may finish (REQ-04)."""

    code = "tone3000_state_invalid"


class StateMissing(SignInStateError):
    code = "tone3000_state_missing"


class StateUnknown(SignInStateError):
    """Never issued, or so long expired that it was forgotten."""

    code = "tone3000_state_unknown"


class StateExpired(SignInStateError):
    code = "tone3000_state_expired"


class StateUsed(SignInStateError):
    """A replayed callback: each state finishes one sign-in only."""

    code = "tone3000_state_used"


class StateOtherBrowser(SignInStateError):
    """The binding cookie is missing or belongs to another browser (login CSRF)."""

    code = "tone3000_state_other_browser"


class CodeMissing(BadRequest):
    code = "tone3000_code_missing"


class SignInRefused(BadRequest):
    """TONE3000's token endpoint refused the code (expired, spent, or a wrong verifier)."""

    code = "tone3000_sign_in_failed"


class Tone3000Unavailable(ServiceUnavailable):
    code = "tone3000_unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, retry_after_seconds=RETRY_SECONDS)


class LinkedToAnotherAccount(Conflict):
    """This TONE3000 identity already belongs to another local account: never moved."""

    code = "tone3000_linked_to_other_account"


class AlreadyLinked(Conflict):
    """This local account is linked to a different TONE3000 identity: unlink first."""

    code = "tone3000_already_linked"


class UnlinkWouldLockOut(Conflict):
    """The account has no email and password: without the link nobody could sign in to it."""

    code = "tone3000_unlink_needs_password"


class NotLinked(NotFound):
    code = "tone3000_not_linked"


class SignedOutMeanwhile(BadRequest):
    """The account that started a link or a pick is gone or disabled."""

    code = "tone3000_account_gone"
