"""A bounded local cache of whole objects, for readers that need a seekable file.

The API decodes a few stored files itself (a blind test's takes, to level and mask them), and
audio decoders want a file, not a stream. Objects are never rewritten under a key (library files
and render outputs are write-once), so a copy stays valid for as long as the object exists; a
deleted object's copy is only reachable through rows that no longer exist, and ages out.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

_FETCH_LOCK = threading.Lock()


class CopyCache:
    """Copies under `folder`, named by a hash of their key, at most `max_bytes` in all."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder  # made on first use: most processes never need a copy
        self.max_bytes = max_bytes

    def copy_of(self, key: str, fetch: Callable[[str, Path], None]) -> Path:
        """The local copy of `key`, fetched with `fetch(key, target)` when there is none."""
        path = self.folder / f"{hashlib.sha256(key.encode()).hexdigest()}.copy"
        try:
            os.utime(path)  # marks it recently used, for the eviction order
            return path
        except FileNotFoundError:
            pass
        self.folder.mkdir(parents=True, exist_ok=True)
        staged = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.part")
        try:
            fetch(key, staged)
            os.replace(staged, path)  # whole or absent, even with two processes fetching
        finally:
            staged.unlink(missing_ok=True)
        with _FETCH_LOCK:
            self._evict(keep=path)
        return path

    def _evict(self, *, keep: Path) -> None:
        """Drop the least recently used copies until the rest fit (never the one just made)."""
        entries = []
        for entry in self.folder.glob("*.copy"):
            try:
                info = entry.stat()
            except FileNotFoundError:
                continue
            entries.append((info.st_mtime, info.st_size, entry))
        total = sum(size for _, size, _ in entries)
        for _, size, entry in sorted(entries):
            if total <= self.max_bytes:
                return
            if entry != keep:
                # A reader that already opened it keeps reading: unlinking frees it after.
                entry.unlink(missing_ok=True)
                total -= size
