"""TONE3000 model files: which refusals are final and which are worth another try; the cache
janitor (expired files, abandoned downloads and orphaned attempt links go; fresh files, live
downloads and running attempts stay)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from toneshootout.settings import Settings
from toneshootout.tone3000.errors import (
    BadResponse,
    OAuthError,
    RateLimited,
    SignInRequired,
    Tone3000Error,
    ToneDeleted,
    TonePrivate,
    Unreachable,
)
from toneshootout.worker.tone3000_files import (
    ABANDONED_DOWNLOAD_S,
    _unavailable,
    cache_root,
    sweep_cache,
)

NOW = 2_000_000_000.0
LABEL = "Plexi Lead 100W — Gain 7 - SM57 (by ampwright)"


@pytest.mark.parametrize(
    ("error", "reason", "retryable", "words"),
    [
        (SignInRequired("x"), "tone3000_sign_in_required", False, "sign in with TONE3000"),
        (TonePrivate("x"), "tone3000_private", False, "this tone is private on TONE3000"),
        (ToneDeleted("x"), "tone3000_deleted", False, "this tone was deleted from TONE3000"),
        (RateLimited("TONE3000 is busy", 30), "tone3000_rate_limited", True, "busy"),
        (Unreachable("TONE3000 could not be reached"), "tone3000_unreachable", True, "reached"),
        (BadResponse("redirected to evil"), "tone3000_bad_response", False, "evil"),
        (OAuthError("server_error"), "tone3000_bad_response", False, "refused"),
    ],
)
def test_refusals_are_final_except_the_network_and_a_busy_tone3000(
    error: Tone3000Error, reason: str, retryable: bool, words: str
) -> None:
    failure = _unavailable(error, LABEL)
    assert (failure.reason, failure.retryable) == (reason, retryable)
    assert failure.detail.startswith(f"{LABEL}: ")
    assert words in failure.detail


def _file(path: Path, age: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    os.utime(path, (NOW - age, NOW - age))
    return path


def test_sweep_removes_only_what_expired(tmp_path: Path) -> None:
    settings = Settings(environment="test", data_dir=tmp_path)
    ttl = settings.tone3000.cache_seconds
    render_life = settings.render.max_render_seconds + settings.render.lease_seconds
    user = cache_root(settings) / str(uuid.uuid4())
    fresh = _file(user / "90001.nam", ttl - 10)
    expired = _file(user / "90002.nam", ttl + 10)
    live_download = _file(user / ".dl-abc-90003.nam.part", 5)
    abandoned = _file(user / ".dl-def-90004.wav", ABANDONED_DOWNLOAD_S + 1)
    running = _file(user / "renders" / f"{uuid.uuid4()}.a1" / "90001.nam", 60)
    orphan = _file(user / "renders" / f"{uuid.uuid4()}.a2" / "90001.nam", render_life + 60)
    os.utime(orphan.parent, (NOW - render_life - 60, NOW - render_life - 60))
    os.utime(running.parent, (NOW - 60, NOW - 60))
    gone_user = cache_root(settings) / str(uuid.uuid4())
    _file(gone_user / "90005.wav", ttl + 1)

    assert sweep_cache(settings, now=NOW) == 4

    assert fresh.exists()
    assert live_download.exists()
    assert running.exists()
    assert not expired.exists()
    assert not abandoned.exists()
    assert not orphan.parent.exists()
    assert not gone_user.exists()  # an emptied user folder goes too


def test_sweep_without_a_cache_does_nothing(tmp_path: Path) -> None:
    assert sweep_cache(Settings(environment="test", data_dir=tmp_path), now=NOW) == 0


def test_a_cache_of_zero_seconds_keeps_nothing(tmp_path: Path) -> None:
    settings = Settings(environment="test", data_dir=tmp_path)
    settings = settings.model_copy(
        update={"tone3000": settings.tone3000.model_copy(update={"cache_seconds": 0})}
    )
    user = cache_root(settings) / str(uuid.uuid4())
    _file(user / "90001.nam", 1)
    assert sweep_cache(settings, now=NOW) == 1
