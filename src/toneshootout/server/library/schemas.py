"""The library's API shapes: explicit outputs (no storage keys, hashes or owners), strict inputs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from toneshootout.server.db.models.library_item import LibraryItem
from toneshootout.server.library.kinds import ItemKind, ItemSource
from toneshootout.server.library.names import MAX_NAME_BYTES, clean_tag
from toneshootout.server.library.repository import ItemRecord

MAX_TAGS = 20
TagText = Annotated[str, Field(min_length=1, max_length=32)]


class _Output(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class DiTrackMetadata(_Output):
    duration_s: float
    sample_rate: int
    channels: int
    peak_dbfs: float | None
    integrated_lufs: float | None  # of the mid downmix; None when silent or under 400 ms


class CaptureFileMetadata(_Output):
    """Fields the capture file states about itself, as plain text; never trusted for levels."""

    name: str | None
    modeled_by: str | None
    gear_make: str | None
    gear_model: str | None
    gear_type: str | None
    tone_type: str | None
    loudness: float | None
    gain: float | None
    input_level_dbu: float | None
    output_level_dbu: float | None
    validation_esr: float | None


class CaptureMetadata(_Output):
    architecture: str
    version: str
    size_label: str | None
    sample_rate: int
    weight_count: int
    receptive_field: int
    slim_values: list[float]
    file_metadata: CaptureFileMetadata


class IrMetadata(_Output):
    length_ms: float
    sample_rate: int
    channels: int


_METADATA: dict[ItemKind, type[_Output]] = {
    ItemKind.DI_TRACK: DiTrackMetadata,
    ItemKind.CAPTURE: CaptureMetadata,
    ItemKind.IR: IrMetadata,
}


class ItemOut(_Output):
    id: uuid.UUID
    kind: ItemKind
    name: str
    size_bytes: int
    media_type: str
    tags: list[str]
    metadata: DiTrackMetadata | CaptureMetadata | IrMetadata
    source: ItemSource = Field(description="Where the file came from: upload, demo or tone3000")
    attribution: str | None = Field(description="Whom to credit for the file, when not you")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, item: LibraryItem | ItemRecord) -> ItemOut:
        """The API view of a stored item."""
        kind = ItemKind(item.kind)
        metadata: Any = _METADATA[kind].model_validate(item.item_metadata)
        return cls(
            id=item.id,
            kind=kind,
            name=item.name,
            size_bytes=item.size_bytes,
            media_type=item.media_type,
            tags=list(item.tags),
            metadata=metadata,
            source=ItemSource(item.source),
            attribution=item.attribution,
            created_at=item.created_at,
            updated_at=item.updated_at,
        )


class ItemPage(_Output):
    items: list[ItemOut]
    total: int
    limit: int
    offset: int


class ItemPatch(BaseModel):
    """Rename and/or retag; the extension always stays the detected type's."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str | None = Field(None, min_length=1, max_length=MAX_NAME_BYTES)
    tags: list[TagText] | None = Field(None, max_length=MAX_TAGS)

    @field_validator("tags")
    @classmethod
    def _clean_tags(cls, tags: list[str] | None) -> list[str] | None:
        if tags is None:
            return None
        cleaned = list(dict.fromkeys(clean_tag(tag) for tag in tags))
        if "" in cleaned:
            raise ValueError("tags must contain visible characters")
        return cleaned
