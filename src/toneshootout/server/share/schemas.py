"""Share API shapes: the owner's view of a share, and the public view of a shared render.

`SharedRender` is what a stranger with the link sees: never the owner, the render's or the
shootout's ids, input file names, input hashes, storage paths, the manifest or the bundle.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from toneshootout.server.render.schemas import RenderVideoOut, Tone3000CreditOut

Visibility = Literal["unlisted", "public"]
ShareState = Literal["active", "expired", "revoked"]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ShareCreate(_Input):
    """A new link to a succeeded render: unlisted (anyone with it) or public (also listed)."""

    visibility: Visibility
    expires_at: datetime | None = None


class SharePatch(_Input):
    """Close or reopen voting, or change the expiry (null: never expires); absent: unchanged."""

    voting_open: bool | None = None
    expires_at: datetime | None = None


class ShareOut(BaseModel):
    """A share as its owner sees it: its state and what listeners did with it."""

    id: uuid.UUID
    render_id: uuid.UUID
    visibility: Visibility
    state: ShareState
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    voting_open: bool
    views: int
    listeners: int
    votes: int
    abx_runs: int
    abx_completed: int
    token_hint: str
    url: str | None
    embed_url: str | None
    results_url: str


class ShareCreated(ShareOut):
    """A new share with its token: the only time an unlisted link's token is shown."""

    token: str
    url: str
    embed_url: str


class ShareList(BaseModel):
    items: list[ShareOut]


class SharedBlock(BaseModel):
    """One block of a chain: what it is, and for a capture what is known of its gear.

    A TONE3000 capture or IR (`source`) is named by TONE3000's metadata, never its file's."""

    type: str
    name: str | None = None
    source: Literal["tone3000"] | None = None
    architecture: str | None = None
    gear_make: str | None = None
    gear_model: str | None = None
    modeled_by: str | None = None


class SharedChain(BaseModel):
    name: str
    blocks: list[SharedBlock]


class SharedAlignment(BaseModel):
    chain: str
    latency_samples: int | None = None
    polarity: int | None = None
    ambiguous: bool | None = None


class SharedOutput(BaseModel):
    """A file a listener may fetch: chain renders, montages, plots and videos (with their
    posters and descriptions) only."""

    role: str
    di: str | None
    chain: str | None
    path: str
    size_bytes: int
    media_type: str
    url: str


class SharedCredit(BaseModel):
    """A capture or IR the render used, with what is known of its maker."""

    kind: str
    name: str
    details: list[tuple[str, str]]
    source: str | None = None


class SharedRender(BaseModel):
    """A shared render as anyone with its link sees it."""

    title: str
    finished_at: datetime | None
    voting_open: bool
    visibility: Visibility
    dis: list[str]
    chains: list[SharedChain]
    settings: dict[str, Any]
    levels: list[dict[str, Any]]
    common_reduction_db: dict[str, float | None]
    timeline: dict[str, list[dict[str, Any]]]
    alignment: list[SharedAlignment]
    warnings: list[str]
    metrics: dict[str, list[dict[str, Any]]]
    outputs: list[SharedOutput]
    videos: list[RenderVideoOut] = Field(
        description="Per DI, its video with poster and description, as on the render API"
    )
    attribution: list[SharedCredit]
    tone3000_credits: list[Tone3000CreditOut]
    embed_url: str
    page_url: str


class GalleryEntry(BaseModel):
    """One public share on the gallery."""

    title: str
    chains: list[str]
    dis: list[str]
    shared: datetime
    url: str


class GalleryPage(BaseModel):
    items: list[GalleryEntry]
    page: int
    page_size: int
    has_next: bool
