"""The worker's input cache: verified by SHA-256, bounded LRU that spares files in use, safe
with two processes sharing one folder, a deleted object refused even when cached."""

from __future__ import annotations

import hashlib
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from toneshootout.server.storage.local import LocalStorage
from toneshootout.worker.inputs import TEMP_DIR, InputCache, InputMismatch


class CountingStorage(LocalStorage):
    """LocalStorage that counts whole-object downloads."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.downloads = 0

    def download(self, key: str, target: Path) -> None:
        self.downloads += 1
        super().download(key, target)


def _put(storage: LocalStorage, key: str, data: bytes) -> str:
    storage.put_stream(key, [data])
    return hashlib.sha256(data).hexdigest()


def _cache(tmp_path: Path, max_bytes: int) -> InputCache:
    scratch = tmp_path / "scratch"
    return InputCache(scratch / "inputs", scratch / "renders", max_bytes)


def _hold(tmp_path: Path, name: str) -> Path:
    return tmp_path / "scratch" / "renders" / name / "inputs"


def test_fetch_verifies_links_into_the_attempt_and_reuses(tmp_path: Path) -> None:
    storage = CountingStorage(tmp_path / "files")
    sha = _put(storage, "u/a.wav", b"riff" * 100)
    cache = _cache(tmp_path, 1 << 20)

    first = cache.fetch(storage, "u/a.wav", sha, _hold(tmp_path, "r-a1"))
    second = cache.fetch(storage, "u/a.wav", sha.upper(), _hold(tmp_path, "r-a2"))

    assert first.read_bytes() == second.read_bytes() == b"riff" * 100
    assert first.name == f"{sha}.wav"  # the key's extension stays (the engine sees the type)
    assert storage.downloads == 1
    assert [e.sha256 for e in cache.entries()] == [sha]
    assert cache.entry_path(sha, "u/a.wav") == cache.root / sha[:2] / f"{sha}.wav"
    assert not list((cache.root / TEMP_DIR).iterdir())


def test_a_cached_copy_never_shares_the_stored_objects_file(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    sha = _put(storage, "u/a.wav", b"x" * 10)
    stored = storage.stat("u/a.wav")
    assert stored is not None
    os.utime(tmp_path / "files" / "u" / "a.wav", (1000.0, 1000.0))  # an old upload

    cache = _cache(tmp_path, 1 << 20)
    cache.fetch(storage, "u/a.wav", sha, _hold(tmp_path, "r-a1"))
    cache.fetch(storage, "u/a.wav", sha, _hold(tmp_path, "r-a2"))  # a hit touches the entry

    restat = storage.stat("u/a.wav")
    assert restat is not None
    assert restat.modified == 1000.0  # LocalStorage hands out hard links: we copied first


def test_a_mismatching_object_is_refused_and_never_cached(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    _put(storage, "u/a.wav", b"damaged")
    cache = _cache(tmp_path, 1 << 20)
    hold = _hold(tmp_path, "r-a1")

    with pytest.raises(InputMismatch) as caught:
        cache.fetch(storage, "u/a.wav", "ab" * 32, hold)

    assert caught.value.expected == "ab" * 32
    assert caught.value.actual == hashlib.sha256(b"damaged").hexdigest()
    assert cache.entries() == []
    assert not list(hold.iterdir())
    assert not list((cache.root / TEMP_DIR).iterdir())


def test_a_missing_object_is_file_not_found_even_when_cached(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    cache = _cache(tmp_path, 1 << 20)
    with pytest.raises(FileNotFoundError):
        cache.fetch(storage, "u/none.wav", "0" * 64, _hold(tmp_path, "r-a1"))
    sha = _put(storage, "u/a.wav", b"data")
    cache.fetch(storage, "u/a.wav", sha, _hold(tmp_path, "r-a1"))
    storage.delete("u/a.wav")  # deleted from the library since
    with pytest.raises(FileNotFoundError):
        cache.fetch(storage, "u/a.wav", sha, _hold(tmp_path, "r-a2"))


def test_a_bad_hash_is_refused(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    _put(storage, "u/a.wav", b"data")
    with pytest.raises(ValueError, match="SHA-256"):
        _cache(tmp_path, 1).fetch(storage, "u/a.wav", "../../x", _hold(tmp_path, "r-a1"))


def test_eviction_keeps_the_bound_least_recently_used_first(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    shas = [_put(storage, f"u/{n}.wav", bytes([n]) * 1000) for n in range(4)]
    cache = _cache(tmp_path, 2500)  # room for two
    for n, sha in enumerate(shas[:2]):
        cache.fetch(storage, f"u/{n}.wav", sha, _hold(tmp_path, f"r{n}-a1"))
    for n in range(2):  # the attempts end
        for held in _hold(tmp_path, f"r{n}-a1").iterdir():
            held.unlink()
    old = time.time() - 100
    os.utime(cache.entry_path(shas[0], "u/0.wav"), (old, old))
    os.utime(cache.entry_path(shas[1], "u/1.wav"), (old - 50, old - 50))
    cache.fetch(storage, "u/0.wav", shas[0], _hold(tmp_path, "r9-a1"))  # a hit: 0 is fresh

    cache.fetch(storage, "u/2.wav", shas[2], _hold(tmp_path, "r2-a1"))

    assert sorted(e.sha256 for e in cache.entries()) == sorted([shas[0], shas[2]])
    assert sum(e.size for e in cache.entries()) <= 2500


def test_eviction_never_takes_a_file_a_running_render_holds(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    shas = [_put(storage, f"u/{n}.wav", bytes([n]) * 1000) for n in range(3)]
    cache = _cache(tmp_path, 1500)  # room for one
    held = [
        cache.fetch(storage, f"u/{n}.wav", sha, _hold(tmp_path, f"r{n}-a1"))
        for n, sha in enumerate(shas)
    ]

    # Every attempt still runs: nothing may go, the bound waits for them.
    assert len(cache.entries()) == 3
    assert [p.read_bytes()[:1] for p in held] == [b"\0", b"\1", b"\2"]
    for path in held[:2]:
        path.unlink()  # two attempts end
    assert cache.evict() == 2
    assert {e.sha256 for e in cache.entries()} == {shas[2]}
    assert cache.drop(shas) == 0  # e.g. the account deleted: the running one stays
    held[2].unlink()
    assert cache.drop(shas) == 1
    assert cache.entries() == []


def test_abandoned_downloads_are_swept(tmp_path: Path) -> None:
    cache = _cache(tmp_path, 1)
    temp = cache.root / TEMP_DIR
    temp.mkdir(parents=True)
    (temp / "old.part").write_bytes(b"x")
    (temp / "live.part").write_bytes(b"x")
    os.utime(temp / "old.part", (1000.0, 1000.0))
    assert cache.sweep_temp(older_than_seconds=600) == 1
    assert [p.name for p in temp.iterdir()] == ["live.part"]


def _fetch_many(tmp: str, rounds: int, seed: int) -> list[bool]:
    """One worker process: fetch every key `rounds` times in its own order; verify each."""
    root = Path(tmp)
    storage = LocalStorage(root / "files")
    cache = InputCache(root / "scratch" / "inputs", root / "scratch" / "renders", 2500)
    results = []
    keys = [f"u/{n}.wav" for n in range(4)]
    for r in range(rounds):
        for n in range(len(keys)):
            key = keys[(n + seed + r) % len(keys)]
            data = (root / "files" / key).read_bytes()
            sha = hashlib.sha256(data).hexdigest()
            hold = root / "scratch" / "renders" / f"p{seed}-{r}-{n}" / "inputs"
            path = cache.fetch(storage, key, sha, hold)
            results.append(path.read_bytes() == data)
            path.unlink()  # the attempt ends
    return results


def test_two_processes_sharing_the_folder_always_get_verified_files(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    for n in range(4):
        _put(storage, f"u/{n}.wav", os.urandom(1000))
    with ProcessPoolExecutor(max_workers=2) as pool:
        runs = [pool.submit(_fetch_many, str(tmp_path), 15, seed) for seed in (0, 1)]
        results = [ok for run in runs for ok in run.result()]
    assert len(results) == 120
    assert all(results)
    cache = _cache(tmp_path, 2500)
    assert sum(e.size for e in cache.entries()) <= 2500
    assert not list((cache.root / TEMP_DIR).iterdir())
    for entry in cache.entries():  # every cached file is whole and named by its content
        assert hashlib.sha256(entry.path.read_bytes()).hexdigest() == entry.sha256
