"""Run-time switches a test flips to steer the fake (Python API or `PUT /_fake/switches`).

Each stays set until changed or `reset`; None means "behave normally".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

DownloadRoute = Literal["catalogue", "storage", "direct"]
ErrorStyle = Literal["oauth", "gotrue"]
_AUTHORIZE_ERRORS = frozenset({"access_denied", "invalid_request", "server_error"})


@dataclass
class Switches:
    authorize_error: str | None = None  # the next authorize calls redirect with this error
    canceled: bool = False  # the user closed the window: canceled=true ...
    canceled_with_code: bool = True  # ... with a code attached, as after signing in
    select_tone_id: int | None = None  # the tone select_tone "picks"
    replacement_tone_id: int | None = None  # the tone load_tone comes back with
    user: str | None = None  # who signs in (a catalogue username); None: the config's user
    download_route: DownloadRoute = "catalogue"  # per model, or always/never via storage
    token_error_style: ErrorStyle = "oauth"  # or GoTrue's {"error_code", "msg"} (§1.3)
    # An `email` on `GET /user`. TONE3000 documents none; a provider that did send one must
    # still never be matched to a local account by it (REQ-07), which tests prove with this.
    user_email: str | None = None

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a partial update, refusing unknown names and impossible values."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown switch {unknown[0]!r}; known: {', '.join(sorted(known))}")
        candidate = Switches(**{**asdict(self), **changes})
        candidate.check()
        for name in changes:
            setattr(self, name, getattr(candidate, name))

    def check(self) -> None:
        if self.authorize_error is not None and self.authorize_error not in _AUTHORIZE_ERRORS:
            raise ValueError(f"authorize_error must be one of {sorted(_AUTHORIZE_ERRORS)}")
        if self.download_route not in ("catalogue", "storage", "direct"):
            raise ValueError("download_route must be catalogue, storage or direct")
        if self.token_error_style not in ("oauth", "gotrue"):
            raise ValueError("token_error_style must be oauth or gotrue")
        for name in ("canceled", "canceled_with_code"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false")
        for name in ("select_tone_id", "replacement_tone_id"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"{name} must be an integer or null")
        if self.user is not None and not isinstance(self.user, str):
            raise ValueError("user must be a username or null")
        if self.user_email is not None and not isinstance(self.user_email, str):
            raise ValueError("user_email must be a string or null")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
