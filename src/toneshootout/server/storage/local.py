"""Storage in a local directory: temp files beside their final place, fsynced, renamed."""

from __future__ import annotations

import os
import secrets
import shutil
import time
from pathlib import Path


class LocalStorage:
    """Keys map to files under `root`; every resolved path is checked to stay inside it."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._tmp = self.root / ".tmp"
        self._tmp.mkdir(parents=True, exist_ok=True)

    def new_temp_path(self) -> Path:
        path = self._tmp / f"{secrets.token_hex(16)}.part"
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
        return path

    def sweep_temp(self, *, older_than_seconds: float) -> int:
        cutoff = time.time() - older_than_seconds
        removed = 0
        for entry in self._tmp.glob("*.part"):
            try:
                if entry.lstat().st_mtime > cutoff:
                    continue  # possibly a live upload still writing to it
                entry.unlink()
            except FileNotFoundError:
                continue  # committed or cleaned up by its own request meanwhile
            removed += 1
        return removed

    def path(self, key: str) -> Path:
        target = (self.root / key).resolve()
        if not target.is_relative_to(self.root) or target == self.root:
            raise ValueError(f"storage key escapes the root: {key!r}")
        return target

    def commit(self, temp: Path, key: str) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        with temp.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(temp, target)
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> None:
        folder_part, _, name_part = prefix.rpartition("/")
        folder = self.path(folder_part) if folder_part else self.root
        if folder == self.root and not name_part:  # would mean every object in the store
            raise ValueError(f"refusing to delete the whole storage root: {prefix!r}")
        if folder.is_relative_to(self._tmp) or (folder == self.root and name_part.startswith(".")):
            raise ValueError(f"storage prefix reaches the temp folder: {prefix!r}")
        if not folder.is_dir():
            return
        if not name_part:  # a whole folder, e.g. `<owner uuid>/`
            shutil.rmtree(folder)
            return
        for entry in folder.iterdir():
            if not entry.name.startswith(name_part):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def free_bytes(self) -> int:
        return shutil.disk_usage(self.root).free

    def is_ready(self) -> bool:
        return os.access(self.root, os.W_OK) and os.access(self._tmp, os.W_OK)
