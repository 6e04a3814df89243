"""What the service needs from file storage: objects under keys, moved as files and streams.

User filenames never reach a key (`storage.keys` builds them). Nothing here hands out a path
inside the store, because an object store has none: callers stage bytes in a private local
temp file (`new_temp_path`), store it (`put_file`), and read objects back as byte ranges
(`read_range`) or whole into a local file (`download`). Every method blocks; async callers run
them in a worker thread. A store that cannot be reached raises `StorageUnavailable`, which the
API answers with 503 and Retry-After, and a render treats as retryable.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

CHUNK_BYTES = 256 * 1024


class StorageUnavailable(Exception):
    """The store did not answer (down, slow, refusing us): try again later, nothing was lost."""

    def __init__(self, detail: str, *, retry_after_seconds: int = 5) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class StoredObject:
    """One object as listed or looked up."""

    key: str
    size: int
    modified: float  # seconds since the epoch


class Storage(Protocol):
    """Objects addressed by server-generated keys."""

    def new_temp_path(self) -> Path:
        """A fresh private local temp file to stage an object in (swept if a process dies)."""
        ...

    def put_file(self, temp: Path, key: str) -> None:
        """Durably store the finished local file `temp` as `key`, consuming `temp`.

        `key` is complete or absent afterwards, never partial; an error leaves `temp` in place.
        """
        ...

    def put_stream(self, key: str, chunks: Iterable[bytes]) -> int:
        """Store the bytes of `chunks` as `key`; returns the size. Partial writes leave nothing."""
        ...

    def stat(self, key: str) -> StoredObject | None:
        """The object under `key`, or None when there is none."""
        ...

    def read_range(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes `start` ≤ i < `end` (to the end when None) of `key`, in chunks.

        Raises FileNotFoundError when the object does not exist.
        """
        ...

    def download(self, key: str, target: Path) -> None:
        """Copy the whole object to the local file `target` (replacing it)."""
        ...

    def cached_copy(self, key: str) -> Path:
        """A local file with `key`'s bytes, to read (never write) while it is needed.

        For readers that need a seekable file (audio decoding). A local store gives its own
        file; a bucket a copy in a bounded cache. FileNotFoundError when there is no object.
        """
        ...

    def delete(self, key: str) -> None:
        """Remove `key` if it exists."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Remove every key starting with `prefix` (e.g. `<owner uuid>/`); returns how many."""
        ...

    def list_prefix(self, prefix: str) -> Iterator[StoredObject]:
        """Every object whose key starts with `prefix`, in key order."""
        ...

    def presigned_url(
        self, key: str, *, filename: str, media_type: str, expires_seconds: int
    ) -> str | None:
        """A short-lived URL a browser can GET `key` from directly, or None if the store has none.

        The response it leads to carries `filename` as an attachment and `media_type`.
        """
        ...

    def sweep_temp(self, *, older_than_seconds: float) -> int:
        """Remove temp files untouched for `older_than_seconds` (left by killed uploads)."""
        ...

    def free_bytes(self) -> int:
        """Bytes free where uploads are staged (a bucket's own size is not ours to watch)."""
        ...

    def is_ready(self) -> bool:
        """True when the storage can be written (for /readyz)."""
        ...


def read_bytes(storage: Storage, key: str) -> bytes:
    """A small object whole (a manifest, a metrics table)."""
    return b"".join(storage.read_range(key))


def put_tree(storage: Storage, folder: Path, prefix: str) -> list[str]:
    """Store every file under the local `folder` as `<prefix>/<relative path>`, consuming them.

    Returns the keys written, in order; on an error the caller deletes the prefix.
    """
    keys: list[str] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        key = f"{prefix}/{path.relative_to(folder).as_posix()}"
        storage.put_file(path, key)
        keys.append(key)
    return keys
