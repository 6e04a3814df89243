"""What the service needs from file storage; user filenames never reach it, only keys."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class Storage(Protocol):
    """Objects addressed by server-generated keys (see `storage.keys`)."""

    def new_temp_path(self) -> Path:
        """A fresh private temp file path on the storage's own filesystem (for atomic renames)."""
        ...

    def commit(self, temp: Path, key: str) -> None:
        """fsync `temp` and atomically move it to `key`."""
        ...

    def path(self, key: str) -> Path:
        """The local path of `key` (for streaming responses); refuses keys outside the root."""
        ...

    def sweep_temp(self, *, older_than_seconds: float) -> int:
        """Remove temp files untouched for `older_than_seconds` (left by killed uploads)."""
        ...

    def delete(self, key: str) -> None:
        """Remove `key` if it exists."""
        ...

    def delete_prefix(self, prefix: str) -> None:
        """Remove every key starting with `prefix` (e.g. `<owner uuid>/`: a user's folder)."""
        ...

    def exists(self, key: str) -> bool: ...

    def free_bytes(self) -> int:
        """Bytes free on the storage's filesystem (to keep a reserve before accepting uploads)."""
        ...

    def is_ready(self) -> bool:
        """True when the storage can be written (for /readyz)."""
        ...
