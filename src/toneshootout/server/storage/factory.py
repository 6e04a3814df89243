"""The storage the settings ask for: the one place a backend is chosen (API and worker alike)."""

from __future__ import annotations

from toneshootout.server.storage.base import Storage
from toneshootout.server.storage.local import LocalStorage
from toneshootout.server.storage.s3 import S3Storage
from toneshootout.settings import Settings


def open_storage(settings: Settings) -> Storage:
    """`storage.backend`: a folder under `data_dir`, or a bucket with a local staging folder."""
    if settings.storage.backend == "s3":
        return S3Storage(settings.storage.s3, staging=settings.data_dir / "staging")
    return LocalStorage(settings.storage_dir)
