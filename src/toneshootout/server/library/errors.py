"""The library's domain errors; their HTTP status comes from `server.errors.STATUS`."""

from __future__ import annotations

import uuid

from toneshootout.server.errors import (
    Conflict,
    InsufficientStorage,
    Invalid,
    NotFound,
    RateLimited,
    TooLarge,
)


class ItemNotFound(NotFound):
    code = "item_not_found"


class InvalidUpload(Invalid):
    """The request body or the file in it was refused (the reason says which rule)."""

    code = "invalid_upload"


class UploadTooLarge(TooLarge):
    code = "upload_too_large"


class QuotaExceeded(TooLarge):
    code = "quota_exceeded"


class UploadRateLimited(RateLimited):
    code = "upload_rate_limited"


class StorageFull(InsufficientStorage):
    code = "storage_full"


class DuplicateItem(Conflict):
    code = "duplicate_item"

    def __init__(self, detail: str, *, existing_id: uuid.UUID) -> None:
        super().__init__(detail, extra={"existing_id": str(existing_id)})
        self.existing_id = existing_id


class ItemInUse(Conflict):
    code = "item_in_use"

    def __init__(self, detail: str, *, shootout_count: int) -> None:
        super().__init__(detail, extra={"shootout_count": shootout_count})
        self.shootout_count = shootout_count


class InvalidName(Invalid):
    code = "invalid_name"
