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

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from toneshootout.engine.channels import ChannelPolicy
from toneshootout.engine.effects import EFFECT_TYPES, EffectBlock
from toneshootout.engine.inputs import MIN_DI_SECONDS, di_length_problem
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


class RegionIn(_Input):
    """The stretch of a DI to render, in seconds from its start (the engine's `Region`)."""

    start_s: float = Field(0.0, ge=0.0, title="Start", description="Start of the region, s")
    end_s: float = Field(
        gt=0.0,
        title="End",
        description=f"End of the region, s: after the start by at least {MIN_DI_SECONDS:g} s, "
        "and within the DI",
    )

    @field_validator("end_s")
    @classmethod
    def _long_enough(cls, end_s: float, info: ValidationInfo) -> float:
        # A field validator (not a model one), so the problem is reported at `region.end_s`.
        start_s = info.data.get("start_s")
        if start_s is None:
            return end_s
        if end_s <= start_s:
            raise PydanticCustomError("region_order", "end_s must be after start_s")
        problem = di_length_problem(end_s - start_s, what="the region")
        if problem is not None:
            raise PydanticCustomError("region_too_short", problem)
        return end_s


class DiTrackIn(_Input):
    """A DI from the user's library, the channel fed to the chains, and the region to render."""

    di_id: uuid.UUID = Field(title="DI track", description="A DI track from your library")
    channel: ChannelPolicy = Field(
        "mid",
        title="Channel",
        description="Of a stereo DI: left, right, or mid (the average of both); "
        "a mono DI has one channel (left and mid are it; right is refused)",
    )
    region: RegionIn | None = Field(
        None, title="Region", description="Render only this stretch (null: the whole DI)"
    )


def _bare_id(value: Any) -> Any:
    # A bare id (the original form, and what older saved shootouts hold) is the default entry.
    return {"di_id": value} if isinstance(value, str | uuid.UUID) else value


# Output is always the object; input may also be a bare id, which the JSON Schema says too.
DiEntry = Annotated[
    DiTrackIn, BeforeValidator(_bare_id, json_schema_input_type=uuid.UUID | DiTrackIn)
]


class ChainIn(_Input):
    name: Name
    blocks: list[Block] = Field(min_length=1, max_length=MAX_BLOCKS)


class ShootoutIn(_Input):
    """A whole shootout: DI tracks × chains, plus the engine's render settings."""

    title: Name
    di_tracks: list[DiEntry] = Field(min_length=1, max_length=MAX_DI_TRACKS)
    chains: list[ChainIn] = Field(min_length=1, max_length=MAX_CHAINS)
    settings: RenderSettings = Field(default_factory=RenderSettings)


WarningCode = Literal[
    "double_cab", "capture_rates_differ", "di_rate_differs", "long_render", "missing_item"
]


class ShootoutPatch(_Input):
    """A JSON merge patch (RFC 7396): given fields replace, `settings` merges, null removes."""

    title: Name | None = None
    di_tracks: list[DiEntry] | None = None
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
    di_tracks: list[DiTrackIn]
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
