"""The on-disk entry store: round trips, verification, LRU eviction, two processes at once."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toneshootout.engine.align import Alignment
from toneshootout.engine.cache import ChainCache
from toneshootout.engine.errors import InvalidInput


def _key(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def _signal(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(n).astype(np.float32)


def _entry(cache: ChainCache, key: str) -> Path:
    return cache.root / key[:2] / f"{key}.entry"


def test_put_then_get_returns_the_same_signal(tmp_path: Path) -> None:
    cache = ChainCache(tmp_path, 1 << 20)
    y = _signal(1000)
    cache.put_signal(_key("a"), y)
    got = cache.get_signal(_key("a"), 1000)
    assert got is not None
    assert got.dtype == np.float32
    assert got.tobytes() == y.tobytes()
    assert (cache.stats.hits, cache.stats.misses, cache.stats.stored) == (1, 0, 1)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(width=32, allow_nan=False), max_size=200))
def test_signal_round_trip_is_exact_when_values_are_arbitrary(
    tmp_path_factory: pytest.TempPathFactory, values: list[float]
) -> None:
    cache = ChainCache(tmp_path_factory.mktemp("c"), 1 << 20)
    y = np.asarray(values, dtype=np.float32)
    cache.put_signal(_key("x"), y)
    got = cache.get_signal(_key("x"), y.shape[0])
    assert got is not None
    assert got.tobytes() == y.tobytes()


def test_get_misses_when_key_was_never_stored(tmp_path: Path) -> None:
    cache = ChainCache(tmp_path, 1 << 20)
    assert cache.get_signal(_key("nothing"), 10) is None
    assert cache.stats.misses == 1


def test_alignment_round_trips_exactly(tmp_path: Path) -> None:
    cache = ChainCache(tmp_path, 1 << 20)
    a = Alignment(latency_samples=17, polarity=-1, peak_ratio=0.1 + 0.2, ambiguous=False)
    cache.put_alignment(_key("a"), a)
    assert cache.get_alignment(_key("a")) == a


def test_get_refuses_a_signal_of_another_length(tmp_path: Path) -> None:
    cache = ChainCache(tmp_path, 1 << 20)
    cache.put_signal(_key("a"), _signal(100))
    assert cache.get_signal(_key("a"), 99) is None
    assert cache.stats.corrupt == 1
    assert cache.get_signal(_key("a"), 100) is not None


def test_get_refuses_an_entry_of_another_kind(tmp_path: Path) -> None:
    cache = ChainCache(tmp_path, 1 << 20)
    cache.put_alignment(_key("a"), Alignment(1, 1, 0.5, False))
    assert cache.get_signal(_key("a"), 1) is None


@pytest.mark.parametrize("damage", ["flip_payload", "truncate", "empty", "garbage_header"])
def test_get_ignores_a_damaged_entry_and_put_replaces_it(tmp_path: Path, damage: str) -> None:
    cache = ChainCache(tmp_path, 1 << 20)
    key, y = _key("a"), _signal(500)
    cache.put_signal(key, y)
    path = _entry(cache, key)
    blob = bytearray(path.read_bytes())
    if damage == "flip_payload":
        blob[-3] ^= 0xFF
    elif damage == "truncate":
        blob = blob[: len(blob) - 100]
    elif damage == "empty":
        blob = bytearray()
    else:
        blob[10:20] = b"\xff" * 10
    path.write_bytes(bytes(blob))
    assert cache.get_signal(key, 500) is None
    assert cache.stats.corrupt == 1
    cache.put_signal(key, y)
    got = cache.get_signal(key, 500)
    assert got is not None
    assert got.tobytes() == y.tobytes()


def test_get_refuses_an_entry_renamed_to_another_key(tmp_path: Path) -> None:
    cache = ChainCache(tmp_path, 1 << 20)
    cache.put_signal(_key("a"), _signal(10))
    other = _entry(cache, _key("b"))
    other.parent.mkdir(exist_ok=True)
    _entry(cache, _key("a")).rename(other)
    assert cache.get_signal(_key("b"), 10) is None
    assert cache.stats.corrupt == 1


def test_evict_removes_least_recently_used_first(tmp_path: Path) -> None:
    entry_bytes = 4000 + 200  # 1000 float32 samples and a header
    cache = ChainCache(tmp_path, 3 * entry_bytes)
    for i, name in enumerate("abc"):
        cache.put_signal(_key(name), _signal(1000, i))
        os.utime(_entry(cache, _key(name)), ns=(i * 10**9, i * 10**9))
    assert cache.get_signal(_key("a"), 1000) is not None  # a hit makes "a" the newest
    cache.put_signal(_key("d"), _signal(1000, 3))
    assert cache.get_signal(_key("b"), 1000) is None
    for name in "acd":
        assert cache.get_signal(_key(name), 1000) is not None
    assert cache.size_bytes() <= cache.max_bytes
    assert cache.stats.evicted == 1


def test_put_skips_an_entry_larger_than_the_whole_cache(tmp_path: Path) -> None:
    cache = ChainCache(tmp_path, 1000)
    cache.put_signal(_key("big"), _signal(1000))
    assert cache.get_signal(_key("big"), 1000) is None
    assert cache.size_bytes() == 0


def test_evict_removes_stale_temp_files_only(tmp_path: Path) -> None:
    cache = ChainCache(tmp_path, 1 << 20)
    (tmp_path / "ab").mkdir()
    stale, fresh = tmp_path / "ab" / ".tmp-old", tmp_path / "ab" / ".tmp-new"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"x")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    cache.evict()
    assert not stale.exists()
    assert fresh.exists()


def test_put_counts_a_write_error_without_raising(tmp_path: Path) -> None:
    cache = ChainCache(tmp_path, 1 << 20)
    key = _key("a")
    (tmp_path / key[:2]).write_bytes(b"a file where the folder should be")
    cache.put_signal(key, _signal(10))
    assert cache.stats.write_errors == 1
    assert cache.get_signal(key, 10) is None


def test_cache_refuses_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="max_bytes"):
        ChainCache(tmp_path, 0)
    cache = ChainCache(tmp_path, 1 << 20)
    with pytest.raises(InvalidInput, match="SHA-256"):
        cache.get_signal("../../etc/passwd", 1)
    with pytest.raises(InvalidInput, match="mono float32"):
        cache.put_signal(_key("a"), np.zeros((2, 2), dtype=np.float32))


def _hammer(root: Path, seed: int, rounds: int) -> None:
    cache = ChainCache(root, 6 * 4200)
    for i in range(rounds):
        name = str((i * 7 + seed) % 10)
        got = cache.get_signal(_key(name), 1000)
        if got is None:
            cache.put_signal(_key(name), _signal(1000, int(name)))
        elif got.tobytes() != _signal(1000, int(name)).tobytes():
            raise AssertionError(f"entry {name} came back different")


def test_two_processes_sharing_a_folder_never_see_a_wrong_entry(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_hammer, args=(tmp_path, s, 300)) for s in (0, 3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert [w.exitcode for w in workers] == [0, 0]
    cache = ChainCache(tmp_path, 6 * 4200)
    assert cache.size_bytes() <= cache.max_bytes
    for name in map(str, range(10)):
        got = cache.get_signal(_key(name), 1000)
        assert got is None or got.tobytes() == _signal(1000, int(name)).tobytes()
    assert cache.stats.corrupt == 0
    assert not list(tmp_path.rglob(".tmp-*"))
