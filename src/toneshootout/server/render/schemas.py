"""Render API shapes: an (empty, strict) submit body and explicit outputs.

Outputs carry no storage keys, worker ids or leases; each published file has its download URL
and SHA-256 so a client can check what it fetched.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from toneshootout.server.render.states import RenderState


class RenderSubmit(BaseModel):
    """Options of a render request; none yet (send no body or `{}`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class RenderCurrent(BaseModel):
    """The DI × chain pair being rendered now."""

    di: str | None = None
    chain: str | None = None


class RenderOutputOut(BaseModel):
    """One published file of a succeeded render."""

    role: str
    path: str
    di: str | None
    chain: str | None
    size_bytes: int
    sha256: str
    media_type: str
    url: str


class RenderVideoOut(BaseModel):
    """One DI's video (the `video` output): the MP4, its poster and its YouTube description."""

    di: str
    video_url: str = Field(description="The MP4 (H.264/AAC); supports Range requests")
    poster_url: str | None = Field(description="The poster frame (PNG)")
    description_url: str | None = Field(
        description="A description for YouTube (plain text): chapters, chains and credits"
    )


class RenderSummary(BaseModel):
    """A render job: its state, progress and timestamps."""

    id: uuid.UUID
    shootout_id: uuid.UUID | None
    number: int
    title: str
    state: RenderState
    reason: str | None
    detail: str | None
    attempt: int
    max_attempts: int
    cancel_requested: bool
    progress: float
    step: str | None
    current: RenderCurrent | None
    eta_seconds: float | None
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime
    updated_at: datetime


class Tone3000CreditOut(BaseModel):
    """A TONE3000 capture or IR a render used: who made it, under which licence, and its tone's
    page on TONE3000 (never the file: TONE3000's licences forbid passing it on)."""

    kind: str = Field(description="capture or ir")
    kind_label: str = Field(description="NAM capture, cabinet IR, reverb IR or IR")
    tone_id: int
    model_id: int
    tone_title: str
    model_name: str
    creator: str
    creator_url: str | None = Field(description="The creator's page on TONE3000")
    licence: str | None = Field(description="TONE3000's licence code, e.g. cc-by or t3k")
    licence_name: str = Field(description="The licence in words")
    tone_url: str | None = Field(description="The tone's page on TONE3000, as TONE3000 gave it")


class RenderOut(RenderSummary):
    """A render with its results (empty until it has succeeded) and where to fetch them."""

    outputs: list[RenderOutputOut]
    videos: list[RenderVideoOut] = Field(
        description="Per DI, its video with poster and description, when the render made them "
        '(settings.outputs has "video"); the same files are among `outputs`'
    )
    bundle_url: str | None
    metrics_csv_url: str | None
    tone3000_credits: list[Tone3000CreditOut] = Field(
        description="Every TONE3000 model the render uses, to credit wherever it is shown "
        '(with "Powered by TONE3000" linking https://www.tone3000.com)'
    )


class RenderPage(BaseModel):
    items: list[RenderSummary]
    total: int
    limit: int
    offset: int
