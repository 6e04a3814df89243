"""A private local folder of temp files where objects are staged before they are stored."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path


class Staging:
    """Temp files named `<random>.part` in `folder`, created private (0600)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)

    def new_path(self) -> Path:
        path = self.folder / f"{secrets.token_hex(16)}.part"
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
        return path

    def sweep(self, *, older_than_seconds: float) -> int:
        """Remove temp files untouched for `older_than_seconds`; returns how many went."""
        cutoff = time.time() - older_than_seconds
        removed = 0
        for entry in self.folder.glob("*.part"):
            try:
                if entry.lstat().st_mtime > cutoff:
                    continue  # possibly a live upload still writing to it
                entry.unlink()
            except FileNotFoundError:
                continue  # stored or cleaned up by its own request meanwhile
            removed += 1
        return removed

    def is_writable(self) -> bool:
        return os.access(self.folder, os.W_OK)
