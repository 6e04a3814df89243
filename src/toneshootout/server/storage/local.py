"""Storage in a local directory: temp files beside their final place, fsynced, renamed."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from toneshootout.server.storage.base import CHUNK_BYTES, StoredObject
from toneshootout.server.storage.staging import Staging


class LocalStorage:
    """Keys map to files under `root`; every resolved path is checked to stay inside it."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._tmp = self.root / ".tmp"
        self._staging = Staging(self._tmp)

    def new_temp_path(self) -> Path:
        return self._staging.new_path()

    def sweep_temp(self, *, older_than_seconds: float) -> int:
        return self._staging.sweep(older_than_seconds=older_than_seconds)

    def _file(self, key: str) -> Path:
        if ".." in key.split("/"):  # refused even inside the root, as an object store does
            raise ValueError(f"storage key has a '..' segment: {key!r}")
        target = (self.root / key).resolve()
        if not target.is_relative_to(self.root) or target == self.root:
            raise ValueError(f"storage key escapes the root: {key!r}")
        if target.is_relative_to(self._tmp):
            raise ValueError(f"storage key reaches the temp folder: {key!r}")
        return target

    def put_file(self, temp: Path, key: str) -> None:
        target = self._file(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        with temp.open("rb") as f:
            os.fsync(f.fileno())
        try:
            os.replace(temp, target)
        except OSError as err:
            if err.errno != errno.EXDEV:
                raise
            # `temp` is on another filesystem (a worker's scratch folder): copy into our own
            # temp folder first, so the final rename is still atomic.
            staged = self.new_temp_path()
            try:
                shutil.copyfile(temp, staged)
                self.put_file(staged, key)
            finally:
                staged.unlink(missing_ok=True)
            temp.unlink()
            return
        _fsync_dir(target.parent)

    def put_stream(self, key: str, chunks: Iterable[bytes]) -> int:
        temp = self.new_temp_path()
        try:
            size = 0
            with temp.open("wb") as f:
                for chunk in chunks:
                    f.write(chunk)
                    size += len(chunk)
            self.put_file(temp, key)
            return size
        finally:
            temp.unlink(missing_ok=True)

    def stat(self, key: str) -> StoredObject | None:
        try:
            info = self._file(key).stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not os.path.isfile(self._file(key)):
            return None
        return StoredObject(key, info.st_size, info.st_mtime)

    def read_range(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        # Opened before the first chunk is asked for, so a missing object fails at the call.
        f = self._file(key).open("rb")
        return _chunks(f, start, end)

    def download(self, key: str, target: Path) -> None:
        source = self._file(key)
        if not source.is_file():  # before the target is touched, as a bucket fails too
            raise FileNotFoundError(f"no stored object {key!r}")
        target.unlink(missing_ok=True)
        try:
            os.link(source, target)  # objects are never rewritten in place, so sharing is safe
        except OSError:
            shutil.copyfile(source, target)

    def cached_copy(self, key: str) -> Path:
        target = self._file(key)
        if not target.is_file():
            raise FileNotFoundError(key)
        return target

    def delete(self, key: str) -> None:
        self._file(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        doomed = [entry.key for entry in self.list_prefix(prefix)]
        if not doomed and not prefix.strip("/"):
            raise ValueError(f"refusing to delete the whole storage root: {prefix!r}")
        for key in doomed:
            self.delete(key)
        self._prune_empty_folders(prefix)
        return len(doomed)

    def list_prefix(self, prefix: str) -> Iterator[StoredObject]:
        folder_part, _, name_part = prefix.rpartition("/")
        if not folder_part and not name_part:
            raise ValueError(f"refusing to list the whole storage root: {prefix!r}")
        folder = self._file(folder_part) if folder_part else self.root
        if folder == self.root and name_part.startswith("."):
            raise ValueError(f"storage prefix reaches the temp folder: {prefix!r}")
        if not folder.is_dir():
            return iter(())
        found: list[StoredObject] = []
        for entry in folder.iterdir():
            if not entry.name.startswith(name_part) or entry == self._tmp:
                continue
            files = [entry] if not entry.is_dir() else sorted(entry.rglob("*"))
            for path in files:
                if path.is_file() and not path.is_symlink():
                    info = path.stat()
                    key = path.relative_to(self.root).as_posix()
                    found.append(StoredObject(key, info.st_size, info.st_mtime))
        return iter(sorted(found, key=lambda o: o.key))

    def _prune_empty_folders(self, prefix: str) -> None:
        folder_part = prefix.rpartition("/")[0]
        if not folder_part:
            return
        start = self._file(folder_part)
        if not start.is_dir():
            return
        for path in sorted(start.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        if prefix.endswith("/") and not any(start.iterdir()):
            start.rmdir()

    def presigned_url(
        self, key: str, *, filename: str, media_type: str, expires_seconds: int
    ) -> str | None:
        self._file(key)  # a bad key is refused all the same
        return None  # a folder on the API's disk: downloads go through the API

    def free_bytes(self) -> int:
        return shutil.disk_usage(self.root).free

    def is_ready(self) -> bool:
        return os.access(self.root, os.W_OK) and self._staging.is_writable()


def _chunks(f: BinaryIO, start: int, end: int | None) -> Iterator[bytes]:
    with f:
        f.seek(start)
        left = None if end is None else max(0, end - start)
        while left is None or left > 0:
            block = f.read(CHUNK_BYTES if left is None else min(CHUNK_BYTES, left))
            if not block:
                return
            if left is not None:
                left -= len(block)
            yield block


def _fsync_dir(folder: Path) -> None:
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
