"""REQ-38: dependency floors for known DoS and auth CVEs hold in the installed environment."""

from __future__ import annotations

import importlib.metadata

import pytest

# RELIABILITY.md §0 finding 9 and REQ-38.
FLOORS = {
    "starlette": (1, 3, 1),  # Range-header CPU DoS, form limits, request.url host confusion
    "python-multipart": (0, 0, 34),  # the 2026 run of multipart DoS advisories
    "pyjwt": (2, 13, 0),  # JWK accepted as an HMAC secret
    "taskiq-redis": (1, 2, 3),  # stream broker fixes REQ-27 relies on
}


def _version(distribution: str) -> tuple[int, ...]:
    text = importlib.metadata.version(distribution)
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


@pytest.mark.parametrize(("distribution", "floor"), sorted(FLOORS.items()))
def test_installed_version_meets_floor(distribution: str, floor: tuple[int, ...]) -> None:
    assert _version(distribution) >= floor


def test_python_jose_is_not_installed() -> None:
    # Its `algorithms` argument is optional, which invites algorithm confusion.
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.version("python-jose")
