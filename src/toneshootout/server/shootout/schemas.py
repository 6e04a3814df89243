"""Shootout API shapes: a strict input body (typed blocks, engine settings), explicit outputs.

Blocks reuse the engine's effect models and render settings, so what the builder accepts is
exactly what the engine can render; captures and IRs are named by library item id instead of
by path.
"""

from __future__ import annotations

import copy
import uuid
from datetime import datetime
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from toneshootout.engine.channels import ChannelPolicy
from toneshootout.engine.effects import EFFECT_TYPES, EffectBlock
from toneshootout.engine.spec import Settings as RenderSettings

MAX_DI_TRACKS: Final = 32
MAX_CHAINS: Final = 32
MAX_BLOCKS: Final = 16
LIBRARY_BLOCK_TYPES: Final[tuple[str, ...]] = ("capture", "ir")
BLOCK_TYPES: Final[tuple[str, ...]] = LIBRARY_BLOCK_TYPES + EFFECT_TYPES

# The engine's spec caps names at 80 characters; a saved shootout must stay renderable.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
TITLE_MAX: Final = 80


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class CaptureBlockIn(_Input):
    """A NAM capture from the user's library; `slim` picks a size of a slimmable model."""

    type: Literal["capture"]
    capture_id: uuid.UUID
    slim: float | None = Field(None, ge=0.0, le=1.0)


class IrBlockIn(_Input):
    """A cabinet or room IR from the user's library."""

    type: Literal["ir"]
    ir_id: uuid.UUID
    channel: ChannelPolicy = "mid"
    force: bool = Field(False, description="Keep this IR even after an amp+cab capture")


Block = Annotated[CaptureBlockIn | IrBlockIn | EffectBlock, Field(discriminator="type")]


class ChainIn(_Input):
    name: Name
    blocks: list[Block] = Field(min_length=1, max_length=MAX_BLOCKS)


class ShootoutIn(_Input):
    """A whole shootout: DI tracks × chains, plus the engine's render settings."""

    title: Name
    di_tracks: list[uuid.UUID] = Field(min_length=1, max_length=MAX_DI_TRACKS)
    chains: list[ChainIn] = Field(min_length=1, max_length=MAX_CHAINS)
    settings: RenderSettings = Field(default_factory=RenderSettings)


WarningCode = Literal[
    "double_cab", "capture_rates_differ", "di_rate_differs", "long_render", "missing_item"
]


class ShootoutPatch(_Input):
    """A JSON merge patch (RFC 7396): given fields replace, `settings` merges, null removes."""

    title: Name | None = None
    di_tracks: list[uuid.UUID] | None = None
    chains: list[ChainIn] | None = None
    settings: dict[str, Any] | None = None


class ShootoutWarning(BaseModel):
    """Something that will render, but probably not as the user meant."""

    code: WarningCode
    path: str
    message: str


class ShootoutOut(BaseModel):
    id: uuid.UUID
    title: str
    di_tracks: list[uuid.UUID]
    chains: list[ChainIn]
    settings: RenderSettings
    warnings: list[ShootoutWarning]
    created_at: datetime
    updated_at: datetime


class ShootoutSummary(BaseModel):
    id: uuid.UUID
    title: str
    di_track_count: int
    chain_count: int
    created_at: datetime
    updated_at: datetime


class ShootoutPage(BaseModel):
    items: list[ShootoutSummary]
    total: int
    limit: int
    offset: int


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline_refs(copy.deepcopy(defs[ref.removeprefix("#/$defs/")]), defs)
        # A discriminator's mapping points at definitions that no longer exist once inlined;
        # each member's `type` const already tells the variants apart.
        return {k: _inline_refs(v, defs) for k, v in node.items() if k != "discriminator"}
    if isinstance(node, list):
        return [_inline_refs(item, defs) for item in node]
    return node


def request_body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI `requestBody` for a route that validates its JSON body itself (self-contained)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    body = _inline_refs(schema, defs)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": body}}}}
