"""What the pickers get: the fields TONE3000's branding rules ask a tone list to show (image,
title, gear, format, creator), the licence, and each model variant. Never a token, never a
download URL (the worker fetches files itself, with the user's token)."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from toneshootout.tone3000.attribution import licence_name
from toneshootout.tone3000.wire import Model, Page, Tone

GEAR_LABELS: Final = {
    "amp": "Amp Head",
    "amp-cab": "Amp + Cab",
    "pedal": "Pedal",
    "outboard": "Outboard",
    "cab": "Cabinet",
    "space": "Spaces",
    "experimental": "Experimental",
}
ARCHITECTURE_LABELS: Final = {"1": "A1", "2": "A2", "custom": "Custom"}
ToneList = Literal["favorited", "downloaded", "created"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreatorOut(_Out):
    username: str
    display_name: str | None
    url: str | None


class ToneOut(_Out):
    id: int
    title: str
    description: str | None
    kind: Literal["capture", "ir", "other"] = Field(
        description="What a chain block can use it as: a NAM capture, an IR, or neither"
    )
    gear: str | None
    gear_label: str | None
    format: str | None
    licence: str | None
    licence_name: str
    creator: CreatorOut | None
    image: str | None
    url: str | None = Field(description="The tone's page on TONE3000, as TONE3000 gives it")
    models_count: int
    a1_models_count: int
    a2_models_count: int
    custom_models_count: int
    irs_count: int
    is_favorite: bool | None


class VariantOut(_Out):
    id: int
    name: str
    size: str | None
    architecture: str | None
    architecture_label: str


class ToneDetailOut(ToneOut):
    variants: list[VariantOut]


class TonePageOut(_Out):
    items: list[ToneOut]
    page: int
    page_size: int
    total: int | None
    total_pages: int


def kind_of(tone: Tone) -> Literal["capture", "ir", "other"]:
    if tone.format == "nam":
        return "capture"
    if tone.format == "ir":
        return "ir"
    return "other"  # AIDA-X, Proteus ...: listed, but no block can play them


def tone_out(tone: Tone) -> ToneOut:
    user = tone.user
    return ToneOut(
        id=tone.id,
        title=tone.title,
        description=tone.description,
        kind=kind_of(tone),
        gear=tone.gear,
        gear_label=GEAR_LABELS.get(tone.gear or "", tone.gear),
        format=tone.format,
        licence=tone.license,
        licence_name=licence_name(tone.license),
        creator=None
        if user is None
        else CreatorOut(username=user.username, display_name=user.display_name, url=user.url),
        image=tone.images[0] if tone.images else None,
        url=tone.url,
        # Search counts every architecture, detail only A1: show the sum of the per-architecture
        # counts, which mean the same thing in both shapes (§1.6).
        models_count=tone.a1_models_count + tone.a2_models_count + tone.custom_models_count
        or tone.irs_count
        or tone.models_count,
        a1_models_count=tone.a1_models_count,
        a2_models_count=tone.a2_models_count,
        custom_models_count=tone.custom_models_count,
        irs_count=tone.irs_count,
        is_favorite=tone.is_favorite,
    )


def variant_out(model: Model, *, is_ir: bool) -> VariantOut:
    arch = None if is_ir else model.architecture_version
    label = "IR" if is_ir else ARCHITECTURE_LABELS.get(arch or "", arch or "unknown")
    return VariantOut(
        id=model.id, name=model.name, size=model.size, architecture=arch, architecture_label=label
    )


def detail_out(tone: Tone, models: list[Model]) -> ToneDetailOut:
    return ToneDetailOut(
        **tone_out(tone).model_dump(),
        variants=[variant_out(m, is_ir=tone.is_ir) for m in models],
    )


def page_out(page: Page[Tone]) -> TonePageOut:
    return TonePageOut(
        items=[tone_out(t) for t in page.data],
        page=page.page,
        page_size=page.page_size,
        total=page.total,
        total_pages=page.total_pages,
    )
