"""Render API shapes: an (empty, strict) submit body and explicit outputs.

Outputs carry no storage keys, worker ids or leases; each published file has its download URL
and SHA-256 so a client can check what it fetched.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict

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


class RenderOut(RenderSummary):
    """A render with its results (empty until it has succeeded) and where to fetch them."""

    outputs: list[RenderOutputOut]
    bundle_url: str | None
    metrics_csv_url: str | None


class RenderPage(BaseModel):
    items: list[RenderSummary]
    total: int
    limit: int
    offset: int
