"""Shootout API shapes: a strict input body (typed blocks, engine settings), explicit outputs.

Blocks reuse the engine's effect models and render settings, so what the builder accepts is
exactly what the engine can render; captures and IRs are named by library item id instead of
by path, or by a TONE3000 tone and model (fetched with the user's TONE3000 sign-in only when a
render is submitted, and downloaded by the worker).
"""

from __future__ import annotations

import copy
import functools
import uuid
from datetime import datetime
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
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
# Each TONE3000 model costs two calls when a render is submitted (its tone and the model), all
# within our per-user budget's burst (`tone3000.calls_per_minute`, ≤ 100): no submission waits.
MAX_TONE3000_MODELS: Final = 40
LIBRARY_BLOCK_TYPES: Final[tuple[str, ...]] = ("capture", "ir")
BLOCK_TYPES: Final[tuple[str, ...]] = LIBRARY_BLOCK_TYPES + EFFECT_TYPES

# The engine's spec caps names at 80 characters; a saved shootout must stay renderable.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
TITLE_MAX: Final = 80


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Tone3000Ref(_Input):
    """A model on TONE3000: the tone (what its page shows) and one of its models (the file)."""

    model_config = ConfigDict(title="TONE3000 model")
    tone_id: StrictInt = Field(gt=0, title="Tone", description="The tone's id on TONE3000")
    model_id: StrictInt = Field(
        gt=0, title="Model", description="The id of one of the tone's models on TONE3000"
    )


def _one_source(library_id: Any, info: ValidationInfo, field: str) -> Any:
    """A block names its file one way: a library item (`field`) or a TONE3000 model.

    Run on the library id, which comes after `tone3000`, so the problem is reported at the
    field a builder shows (`…capture_id`); a malformed `tone3000` is reported on its own.
    """
    if "tone3000" not in info.data:
        return library_id  # `tone3000` itself was invalid: that is the problem to report
    from_tone3000 = info.data["tone3000"] is not None
    if library_id is None and not from_tone3000:
        raise PydanticCustomError(
            "block_source_missing",
            f"give {field} (from your library) or tone3000 (a model on TONE3000)",
        )
    if library_id is not None and from_tone3000:
        raise PydanticCustomError(
            "block_source_twice", f"give {field} or tone3000, not both: a block uses one file"
        )
    return library_id


def _tone3000_field(what: str) -> Any:
    return Field(
        None,
        title="TONE3000 model",
        description=f"Instead of a library item: {what} on TONE3000, looked up with your "
        "TONE3000 sign-in when you render",
        exclude_if=lambda value: value is None,
    )


class CaptureBlockIn(_Input):
    """A NAM capture from the user's library or from TONE3000; `slim` picks a size of a
    slimmable model."""

    model_config = ConfigDict(title="Capture")
    type: Literal["capture"]
    # Before `capture_id`: its validator checks that exactly one of the two is given.
    tone3000: Tone3000Ref | None = _tone3000_field("a NAM capture")
    capture_id: uuid.UUID | None = Field(
        None,
        validate_default=True,
        title="Capture",
        description="A capture from your library (or give tone3000 instead)",
        exclude_if=lambda value: value is None,
    )
    slim: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        title="Slim",
        description="Size of a slimmable capture, 0 (smallest) to 1 (full); unset: full",
    )

    @field_validator("capture_id")
    @classmethod
    def _one_source(cls, value: uuid.UUID | None, info: ValidationInfo) -> uuid.UUID | None:
        checked: uuid.UUID | None = _one_source(value, info, "capture_id")
        return checked


class IrBlockIn(_Input):
    """A cabinet or room IR from the user's library or from TONE3000."""

    model_config = ConfigDict(title="Cabinet IR")
    type: Literal["ir"]
    tone3000: Tone3000Ref | None = _tone3000_field("an IR")
    ir_id: uuid.UUID | None = Field(
        None,
        validate_default=True,
        title="IR",
        description="An impulse response from your library (or give tone3000 instead)",
        exclude_if=lambda value: value is None,
    )
    channel: ChannelPolicy = Field(
        "mid",
        title="Channel",
        description="Of a stereo IR: left, right, or mid (the average of both)",
    )
    force: bool = Field(
        False, title="Force", description="Keep this IR even after an amp+cab capture"
    )

    @field_validator("ir_id")
    @classmethod
    def _one_source(cls, value: uuid.UUID | None, info: ValidationInfo) -> uuid.UUID | None:
        checked: uuid.UUID | None = _one_source(value, info, "ir_id")
        return checked


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
    """One signal chain: blocks in order, from the DI to the output."""

    name: Name = Field(title="Name", description="Labels this chain's outputs; unique")
    blocks: list[Block] = Field(
        min_length=1, max_length=MAX_BLOCKS, title="Blocks", description="In signal order"
    )


class ShootoutIn(_Input):
    """A whole shootout: DI tracks × chains, plus the engine's render settings."""

    title: Name = Field(title="Title")
    di_tracks: list[DiEntry] = Field(
        min_length=1,
        max_length=MAX_DI_TRACKS,
        title="DI tracks",
        description="Each a DI id, or an object with its channel and region",
    )
    chains: list[ChainIn] = Field(
        min_length=1, max_length=MAX_CHAINS, title="Chains", description="Each DI runs through each"
    )
    settings: RenderSettings = Field(default_factory=RenderSettings, title="Render settings")


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
    estimated_render_seconds: float = Field(
        description="About how long a render takes on the machine the engine was measured on "
        "(docs/SERVICE.md says how it is derived)"
    )
    created_at: datetime
    updated_at: datetime


class ShootoutSummary(BaseModel):
    id: uuid.UUID
    title: str
    di_track_count: int
    chain_count: int
    estimated_render_seconds: float
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
            # Keys beside the `$ref` (a field's own title, description) win over the model's.
            target = copy.deepcopy(defs[ref.removeprefix("#/$defs/")])
            beside = {k: v for k, v in node.items() if k != "$ref"}
            return _inline_refs(target | beside, defs)
        # A discriminator's mapping points at definitions that no longer exist once inlined;
        # each member's `type` const already tells the variants apart.
        return {k: _inline_refs(v, defs) for k, v in node.items() if k != "discriminator"}
    if isinstance(node, list):
        return [_inline_refs(item, defs) for item in node]
    return node


JSON_SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"


def self_contained_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema (validation side) with every `$ref` inlined: no `$defs`."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    inlined: dict[str, Any] = _inline_refs(schema, defs)
    return inlined


def _with_settings_defaults(schema: dict[str, Any]) -> dict[str, Any]:
    """Every render setting with its `default`, those made by a factory too (JSON Schema leaves
    them out): a form then starts from the outputs a render makes when none are chosen, and
    ticking one more (the video) adds it to them instead of replacing them."""
    made = RenderSettings().model_dump(mode="json")
    for name, prop in schema["properties"]["settings"]["properties"].items():
        if "default" not in prop and name in made:
            prop["default"] = made[name]
    return schema


@functools.cache
def shootout_schema() -> dict[str, Any]:
    """What `GET /shootouts/schema` serves: the shootout body, for forms generated from it."""
    body = _with_settings_defaults(self_contained_schema(ShootoutIn))
    return {"$schema": JSON_SCHEMA_DIALECT, **body}


def request_body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI `requestBody` for a route that validates its JSON body itself (self-contained)."""
    body = self_contained_schema(model)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": body}}}}
