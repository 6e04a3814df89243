"""A worker's bounded local cache of library files, keyed by SHA-256 and verified.

A render's inputs live in object storage; the engine reads local files. `fetch` stats the key
(a file deleted from the library is `missing_input` even when a copy is cached), then either
finds the file under `<root>/<sha[:2]>/<sha>.<ext>` or downloads it into a private temp file,
checks its SHA-256 against the library row's, and renames it into place. Either way the
attempt gets a hard link to it in its own folder (`scratch.ATTEMPT_INPUTS`) before anything
else can evict it, so the cache's least-recently-used eviction never takes a file a running
render reads, even when another worker process shares the folder: evicting unlinks only the
cache's name, and files an attempt folder holds are skipped (they still count to the bound).

A hash mismatch is permanent: objects are never rewritten and a download either completes or
raises, so a file whose bytes differ from what was uploaded is damaged in storage, and every
retry would read the same bytes again. The render fails (`missing_input`) and the error is
logged for the operator; nothing damaged enters the cache.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from toneshootout.engine.hashing import sha256_file
from toneshootout.server.storage.base import Storage
from toneshootout.worker.scratch import ATTEMPT_INPUTS

log = logging.getLogger("toneshootout.worker")

TEMP_DIR: Final = ".tmp"
TEMP_SUFFIX: Final = ".part"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_EXTENSION = re.compile(r"^[a-z0-9]{1,8}$")


class InputMismatch(Exception):
    """The stored object's bytes are not the ones the library recorded (damaged in storage)."""

    def __init__(self, key: str, expected: str, actual: str) -> None:
        super().__init__(f"{key}: SHA-256 {actual} where the library recorded {expected}")
        self.key, self.expected, self.actual = key, expected, actual


@dataclass(frozen=True)
class CachedInput:
    sha256: str
    path: Path
    size: int
    used: float  # last use (the file's modification time)


def _hold(source: Path, target: Path) -> None:
    """Give `target` the file `source` names: a hard link, or a copy where links fail."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError as err:
        if err.errno in (errno.ENOENT, errno.ENOTDIR):
            raise FileNotFoundError(err.errno, err.strerror, str(source)) from None
        shutil.copyfile(source, target)


def _extension(key: str) -> str:
    """The key's extension (keys are `<owner>/<uuid>.<ext>`), kept so the engine sees the type."""
    name = key.rsplit("/", 1)[-1]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return ext if _EXTENSION.fullmatch(ext) else ""


class InputCache:
    """The cache under `root`; `holders` holds the attempt folders (`scratch.renders_root`)."""

    def __init__(self, root: Path, holders: Path, max_bytes: int) -> None:
        self.root, self.holders, self.max_bytes = root, holders, max_bytes

    def entry_path(self, sha256: str, key: str) -> Path:
        ext = _extension(key)
        name = f"{sha256}.{ext}" if ext else sha256
        return self.root / sha256[:2] / name

    def fetch(self, storage: Storage, key: str, sha256: str, hold_in: Path) -> Path:
        """The local file of `key` (whose content has `sha256`), linked into the attempt folder
        `hold_in`; blocking. FileNotFoundError: no such object; InputMismatch: damaged;
        StorageUnavailable: try later."""
        sha256 = sha256.lower()
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        if storage.stat(key) is None:
            raise FileNotFoundError(key)
        entry = self.entry_path(sha256, key)
        held = hold_in / entry.name
        hold_in.mkdir(parents=True, exist_ok=True)
        try:
            _hold(entry, held)
            os.utime(entry)  # least recently used goes first
        except FileNotFoundError:  # not cached, or evicted by another process just now
            self._download(storage, key, sha256, entry, held)
        self.evict()
        return held

    def _download(self, storage: Storage, key: str, sha256: str, entry: Path, held: Path) -> None:
        temp_dir = self.root / TEMP_DIR
        temp_dir.mkdir(parents=True, exist_ok=True)
        temp = temp_dir / f"{secrets.token_hex(16)}{TEMP_SUFFIX}"
        try:
            storage.download(key, temp)
            try:
                self._own(temp)
            except FileNotFoundError:  # swept as abandoned between download and now: rare
                raise RuntimeError(f"the download of {key} vanished; try again") from None
            actual = sha256_file(temp)
            if actual != sha256:
                log.error(
                    "a library file in storage does not match its recorded SHA-256",
                    extra={"key": key, "expected": sha256, "actual": actual},
                )
                raise InputMismatch(key, sha256, actual)
            # The attempt's link first: from here on no eviction can take the file from it.
            _hold(temp, held)
            entry.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, entry)  # atomic; a racing process's identical file is replaced
        finally:
            temp.unlink(missing_ok=True)

    @staticmethod
    def _own(temp: Path) -> None:
        """Make `temp` a file of our own, modified now (its time is the cache's use order).

        A store on this machine may hand out a hard link to its object (`LocalStorage`);
        touching that would change the object's own time, so it is copied first.
        """
        if temp.stat().st_nlink > 1:
            copy = temp.with_name(f"{temp.name}.own{TEMP_SUFFIX}")
            try:
                shutil.copyfile(temp, copy)
                os.replace(copy, temp)
            finally:
                copy.unlink(missing_ok=True)
        os.utime(temp)

    def entries(self) -> list[CachedInput]:
        """Every cached file (not the temp files of downloads in progress)."""
        found: list[CachedInput] = []
        if not self.root.is_dir():
            return found
        for shard in self.root.iterdir():
            if shard.name == TEMP_DIR or not shard.is_dir() or shard.is_symlink():
                continue
            for path in shard.iterdir():
                try:
                    info = path.lstat()
                except FileNotFoundError:
                    continue
                sha = path.name.split(".", 1)[0]
                if path.is_file() and _SHA256.fullmatch(sha):
                    found.append(CachedInput(sha, path, info.st_size, info.st_mtime))
        return found

    def in_use(self) -> set[str]:
        """SHA-256s of files some attempt folder holds (in this process or another)."""
        used: set[str] = set()
        for path in self.holders.glob(f"*/{ATTEMPT_INPUTS}/*"):
            used.add(path.name.split(".", 1)[0])
        return used

    def evict(self) -> int:
        """Remove least recently used files not in use until the cache fits; how many went."""
        entries = sorted(self.entries(), key=lambda e: e.used)
        total = sum(e.size for e in entries)
        if total <= self.max_bytes:
            return 0
        busy = self.in_use()
        removed = 0
        for entry in entries:
            if total <= self.max_bytes:
                break
            if entry.sha256 in busy:
                continue
            entry.path.unlink(missing_ok=True)
            total -= entry.size
            removed += 1
        return removed

    def drop(self, sha256s: Iterable[str]) -> int:
        """Remove the cached files with these hashes unless in use (e.g. deleted from every
        library: an account deleted); how many went."""
        doomed, busy = set(sha256s), self.in_use()
        removed = 0
        for entry in self.entries():
            if entry.sha256 in doomed and entry.sha256 not in busy:
                entry.path.unlink(missing_ok=True)
                removed += 1
        return removed

    def sweep_temp(self, *, older_than_seconds: float, now: float | None = None) -> int:
        """Remove downloads abandoned by a killed process (untouched for a while)."""
        folder = self.root / TEMP_DIR
        if not folder.is_dir():
            return 0
        cutoff = (time.time() if now is None else now) - older_than_seconds
        removed = 0
        for path in folder.glob(f"*{TEMP_SUFFIX}"):
            try:
                if path.lstat().st_mtime >= cutoff:
                    continue  # possibly a download still being written
                path.unlink()
            except FileNotFoundError:
                continue
            removed += 1
        return removed
