"""The one place object keys are built: `<owner uuid>/<object uuid>.<ext>`, nothing from users."""

from __future__ import annotations

import re
import uuid

_EXTENSION = re.compile(r"^[a-z0-9]{1,8}$")


def object_key(owner_id: uuid.UUID, object_id: uuid.UUID, extension: str) -> str:
    """The storage key of one object; `extension` comes from the detected type, not the name."""
    if not _EXTENSION.fullmatch(extension):
        raise ValueError(f"bad extension {extension!r}")
    return f"{owner_id}/{object_id}.{extension}"
