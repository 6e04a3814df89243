"""OAuth bookkeeping with no HTTP in it: codes, token pairs, device grants, all on the fake clock.

Strict where the spec is strict (TONE3000.md §1.3): codes are single-use and last 30 minutes,
the PKCE verifier and redirect_uri must match, refresh tokens rotate (a used one is dead, so two
parallel refreshes with one token log a client out, as on the real service).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections import Counter
from dataclasses import dataclass, field

from toneshootout.tone3000_fake.clock import FakeClock
from toneshootout.tone3000_fake.config import FakeConfig

_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # RFC 8628 §6.1: no vowels, no look-alikes
SLOW_DOWN_STEP = 5


class OAuthError(Exception):
    """An OAuth error answer: `{"error", "error_description"}` with its status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class AuthCode:
    client_id: str
    redirect_uri: str
    challenge: str
    user_id: str
    issued_at: float
    used: bool = False


@dataclass
class TokenPair:
    access_token: str
    refresh_token: str
    user_id: str
    expires_at: float
    refresh_used: bool = False
    revoked: bool = False


@dataclass
class DeviceGrant:
    device_code: str
    user_code: str
    client_id: str
    expires_at: float
    interval: int
    last_poll: float | None = None
    pending_answers: int = 0
    status: str = "pending"  # pending, approved, denied, used
    user_id: str | None = None


@dataclass
class OAuthCounters:
    """What tests assert on: token calls by grant type, refreshes, successes."""

    token_requests: Counter[str] = field(default_factory=Counter)
    refresh_requests: int = 0
    refresh_successes: int = 0
    codes_issued: int = 0


class OAuthStore:
    def __init__(self, config: FakeConfig, clock: FakeClock) -> None:
        self.config = config
        self.clock = clock
        self.codes: dict[str, AuthCode] = {}
        self.pairs_by_access: dict[str, TokenPair] = {}
        self.pairs_by_refresh: dict[str, TokenPair] = {}
        self.devices: dict[str, DeviceGrant] = {}
        self.counters = OAuthCounters()

    # -- clients -------------------------------------------------------------------------

    def check_client(self, client_id: str | None) -> str:
        if not client_id:
            raise OAuthError("invalid_request", "client_id is required")
        if client_id != self.config.client_id:
            raise OAuthError("invalid_client", "Unknown client_id", 401)
        return client_id

    # -- authorization codes -------------------------------------------------------------

    def issue_code(self, client_id: str, redirect_uri: str, challenge: str, user_id: str) -> str:
        code = secrets.token_urlsafe(24)
        self.codes[code] = AuthCode(client_id, redirect_uri, challenge, user_id, self.clock.now())
        self.counters.codes_issued += 1
        return code

    def exchange_code(
        self, *, client_id: str, code: str | None, verifier: str | None, redirect_uri: str | None
    ) -> TokenPair:
        if not code or not verifier or not redirect_uri:
            raise OAuthError("invalid_request", "code, code_verifier and redirect_uri are required")
        if not _VERIFIER.match(verifier):
            raise OAuthError(
                "invalid_request", "code_verifier must be 43-128 unreserved characters"
            )
        grant = self.codes.get(code)
        if grant is None:
            raise OAuthError("invalid_grant", "Invalid authorization code")
        # Any attempt spends the code, so a client cannot retry a failed exchange.
        was_used, grant.used = grant.used, True
        if was_used:
            raise OAuthError("invalid_grant", "Authorization code has already been used")
        if self.clock.now() >= grant.issued_at + self.config.code_seconds:
            raise OAuthError("invalid_grant", "Authorization code has expired")
        if grant.client_id != client_id:
            raise OAuthError("invalid_grant", "Authorization code was issued to another client")
        if grant.redirect_uri != redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri does not match the authorize request")
        if s256(verifier) != grant.challenge:
            raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
        return self._issue_pair(grant.user_id)

    # -- tokens --------------------------------------------------------------------------

    def _issue_pair(self, user_id: str) -> TokenPair:
        pair = TokenPair(
            access_token="t3k_at_" + secrets.token_urlsafe(32),
            refresh_token="t3k_rt_" + secrets.token_urlsafe(32),
            user_id=user_id,
            expires_at=self.clock.now() + self.config.access_token_seconds,
        )
        self.pairs_by_access[pair.access_token] = pair
        self.pairs_by_refresh[pair.refresh_token] = pair
        return pair

    def refresh(self, *, client_id: str, refresh_token: str | None) -> TokenPair:
        self.counters.refresh_requests += 1
        if not refresh_token:
            raise OAuthError("invalid_request", "refresh_token is required")
        pair = self.pairs_by_refresh.get(refresh_token)
        if pair is None or pair.revoked:
            raise OAuthError("invalid_grant", "Invalid refresh token")
        if pair.refresh_used:
            raise OAuthError("invalid_grant", "Refresh token has already been used")
        pair.refresh_used = True
        fresh = self._issue_pair(pair.user_id)
        self.counters.refresh_successes += 1
        return fresh

    def user_for(self, access_token: str) -> str | None:
        """The user an access token stands for, or None if unknown, expired or revoked."""
        pair = self.pairs_by_access.get(access_token)
        if pair is None or pair.revoked or self.clock.now() >= pair.expires_at:
            return None
        return pair.user_id

    def revoke(self, user_id: str | None = None) -> int:
        """Revoke every token pair (of one user): the next refresh fails with invalid_grant."""
        count = 0
        for pair in self.pairs_by_access.values():
            if (user_id is None or pair.user_id == user_id) and not pair.revoked:
                pair.revoked = True
                count += 1
        return count

    # -- device grant (RFC 8628) ---------------------------------------------------------

    def start_device(self, client_id: str) -> DeviceGrant:
        user_code = "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(8))
        grant = DeviceGrant(
            device_code=secrets.token_urlsafe(32),
            user_code=f"{user_code[:4]}-{user_code[4:]}",
            client_id=client_id,
            expires_at=self.clock.now() + self.config.device_code_seconds,
            interval=self.config.device_interval,
        )
        self.devices[grant.device_code] = grant
        return grant

    def find_device(self, user_code: str) -> DeviceGrant:
        wanted = user_code.strip().upper().replace("-", "")
        for grant in self.devices.values():
            if grant.user_code.replace("-", "") == wanted:
                return grant
        raise KeyError(user_code)

    def decide_device(self, user_code: str, user_id: str | None) -> DeviceGrant:
        """Approve as `user_id`, or deny when it is None; KeyError for an unknown code."""
        grant = self.find_device(user_code)
        if grant.status == "pending":
            grant.status = "approved" if user_id is not None else "denied"
            grant.user_id = user_id
        return grant

    def poll_device(self, *, client_id: str, device_code: str | None, auto_user: str) -> TokenPair:
        if not device_code:
            raise OAuthError("invalid_request", "device_code is required")
        grant = self.devices.get(device_code)
        if grant is None or grant.client_id != client_id or grant.status == "used":
            raise OAuthError("invalid_grant", "Invalid device code")
        now = self.clock.now()
        if now >= grant.expires_at:
            raise OAuthError("expired_token", "The device code has expired")
        if grant.status == "denied":
            raise OAuthError("access_denied", "The user denied the request")
        too_fast = grant.last_poll is not None and now - grant.last_poll < grant.interval
        grant.last_poll = now
        if grant.status == "pending":
            if too_fast:
                grant.interval += SLOW_DOWN_STEP
                raise OAuthError("slow_down", f"Poll at most every {grant.interval} seconds")
            after = self.config.device_auto_approve_after
            if after is None or grant.pending_answers < after:
                grant.pending_answers += 1
                raise OAuthError("authorization_pending", "The user has not approved yet")
            grant.status, grant.user_id = "approved", auto_user
        assert grant.user_id is not None
        grant.status = "used"
        return self._issue_pair(grant.user_id)
