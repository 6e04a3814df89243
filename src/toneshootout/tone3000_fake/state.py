"""Everything one fake server remembers, and the Python API tests use to steer it."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from toneshootout.tone3000_fake import fixtures
from toneshootout.tone3000_fake.catalogue import Catalogue, Creator, Model
from toneshootout.tone3000_fake.clock import FakeClock
from toneshootout.tone3000_fake.config import FakeConfig
from toneshootout.tone3000_fake.library import Library
from toneshootout.tone3000_fake.oauth import DeviceGrant, OAuthStore
from toneshootout.tone3000_fake.ratelimit import RateLimiter
from toneshootout.tone3000_fake.seed import build_catalogue
from toneshootout.tone3000_fake.switches import Switches

SIGNED_URL_SECONDS = 3600


@dataclass(frozen=True)
class StorageHit:
    """One request to the storage host: tests check no Bearer token followed a redirect."""

    path: str
    host: str
    had_authorization: bool
    status: int


@dataclass
class FakeState:
    config: FakeConfig
    clock: FakeClock = field(default_factory=FakeClock)
    catalogue: Catalogue = field(default_factory=build_catalogue)
    switches: Switches = field(default_factory=Switches)
    oauth: OAuthStore = field(init=False)
    library: Library = field(init=False)
    limiter: RateLimiter = field(init=False)
    search_limiter: RateLimiter | None = field(init=False)
    storage_hits: list[StorageHit] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)  # by route template
    _secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def __post_init__(self) -> None:
        if self.config.user not in {c.username for c in self.catalogue.creators}:
            raise ValueError(f"config.user {self.config.user!r} is not a catalogue user")
        self.reset()

    def reset(self) -> None:
        """Forget every token, code, favourite, download, hit and switch (the clock keeps on)."""
        config = self.config
        self.switches = Switches()
        self.oauth = OAuthStore(config, self.clock)
        self.library = Library(self.catalogue)
        self.limiter = RateLimiter(self.clock, config.rate_limit, config.rate_window_seconds)
        self.search_limiter = None
        if config.search_rate_limit is not None:
            self.search_limiter = RateLimiter(
                self.clock, config.search_rate_limit, config.rate_window_seconds
            )
        self.storage_hits = []
        self.requests = Counter()

    # -- who signs in --------------------------------------------------------------------

    def signing_in(self, login_hint: str | None = None) -> Creator:
        """The user an authorize or device approval acts as: hint, switch, then config."""
        if login_hint:  # only a hint: an unknown one falls through, as on a sign-in page
            hinted = self.catalogue.creator(login_hint.split("@")[0])
            if hinted is not None:
                return hinted
        name = self.switches.user or self.config.user
        creator = self.catalogue.creator(name)
        if creator is None:
            raise LookupError(f"the user switch names no catalogue user: {name!r}")
        return creator

    # -- device approvals (also reachable over /_fake/device/...) -------------------------

    def approve_device(self, user_code: str, username: str | None = None) -> DeviceGrant:
        """Approve as `username` (default: who signs in); KeyError for an unknown code."""
        user = self.signing_in() if username is None else self.catalogue.creator(username)
        if user is None:
            raise LookupError(f"no catalogue user {username!r}")
        return self.oauth.decide_device(user_code, user.id)

    def deny_device(self, user_code: str) -> DeviceGrant:
        return self.oauth.decide_device(user_code, None)

    # -- the catalogue changing under a client (a creator deletes or hides a tone) ---------

    def delete_tone(self, tone_id: int) -> None:
        """The tone and its models are gone from now on: 404 for all of them."""
        catalogue = self.catalogue
        self.catalogue = dataclasses.replace(
            catalogue,
            tones=tuple(t for t in catalogue.tones if t.id != tone_id),
            deleted_tone_ids=catalogue.deleted_tone_ids | {tone_id},
        )

    def make_private(self, tone_id: int) -> None:
        """The tone turns private: 403 for everyone but its creator, its models too."""
        self.catalogue = dataclasses.replace(
            self.catalogue,
            tones=tuple(
                dataclasses.replace(t, is_public=False) if t.id == tone_id else t
                for t in self.catalogue.tones
            ),
        )

    # -- files and signed storage URLs ---------------------------------------------------

    def model_file(self, model: Model) -> bytes:
        return _model_bytes(model)

    def sign(self, path: str, expires: int) -> str:
        message = f"{path}:{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]

    def signature_ok(self, path: str, expires: int, token: str) -> bool:
        fresh = self.clock.now() < expires
        return fresh and hmac.compare_digest(self.sign(path, expires), token)


@cache
def _model_bytes(model: Model) -> bytes:
    """Generate once per model: the bytes depend on the model alone, so caching is safe."""
    if model.kind == "a1":
        return fixtures.a1_wavenet(model.name, "tone3000", model.gain)
    if model.kind == "a2":
        return fixtures.a2_container(model.name, "tone3000", model.gain)
    if model.kind == "linear":
        return fixtures.linear(model.name, "tone3000", model.id)
    seconds = 0.1 if model.kind == "ir-cab" else 1.2
    return fixtures.impulse_response(model.id, seconds)
