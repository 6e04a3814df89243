"""Storage in a local directory: temp files beside their final place, fsynced, renamed."""

from __future__ import annotations

import os
import secrets
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

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def is_ready(self) -> bool:
        return os.access(self.root, os.W_OK) and os.access(self._tmp, os.W_OK)
