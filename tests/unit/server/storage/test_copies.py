"""The API's bounded cache of object copies: fetched once, reused, least recently used dropped."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from toneshootout.server.storage.copies import CopyCache


class _Store:
    def __init__(self) -> None:
        self.fetched: list[str] = []

    def fetch(self, key: str, target: Path) -> None:
        self.fetched.append(key)
        target.write_bytes(key.encode() * 100)


def test_a_copy_is_fetched_once_and_then_reused(tmp_path: Path) -> None:
    store, cache = _Store(), CopyCache(tmp_path / "copies", max_bytes=10_000)
    first = cache.copy_of("o/a.wav", store.fetch)
    again = cache.copy_of("o/a.wav", store.fetch)
    assert first == again
    assert first.read_bytes() == b"o/a.wav" * 100
    assert store.fetched == ["o/a.wav"]
    assert [p.name for p in (tmp_path / "copies").iterdir()] == [first.name]  # no temp left


def test_the_least_recently_used_copies_go_past_the_bound(tmp_path: Path) -> None:
    store, cache = _Store(), CopyCache(tmp_path / "copies", max_bytes=1500)  # two of 700 bytes
    a = cache.copy_of("o/a.wav", store.fetch)
    b = cache.copy_of("o/b.wav", store.fetch)
    old = time.time() - 60
    os.utime(b, (old, old))
    os.utime(a, (old - 60, old - 60))
    cache.copy_of("o/a.wav", store.fetch)  # used again: now the most recent
    cache.copy_of("o/c.wav", store.fetch)
    assert a.exists()
    assert not b.exists()
    assert store.fetched == ["o/a.wav", "o/b.wav", "o/c.wav"]


def test_a_failed_fetch_leaves_no_copy(tmp_path: Path) -> None:
    cache = CopyCache(tmp_path / "copies", max_bytes=10_000)

    def broken(key: str, target: Path) -> None:
        target.write_bytes(b"half")
        raise FileNotFoundError(key)

    with pytest.raises(FileNotFoundError):
        cache.copy_of("o/gone.wav", broken)
    assert list((tmp_path / "copies").iterdir()) == []
