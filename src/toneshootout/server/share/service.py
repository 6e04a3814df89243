"""Share rules: make, list, change and revoke links to a succeeded render; the public view of a
shared render and its files; the gallery of public shares.

Owners see their shares with what listeners did (views, blind listeners and votes, ABX runs).
Anyone with a live link sees the render without anything that identifies its owner or the
owner's files (`shared_view`). Only the share page counts a view, in a write of its own: page
requests read in a read-only transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.base import utcnow
from toneshootout.server.db.models.render import Render, RenderOutput
from toneshootout.server.db.models.share import Share
from toneshootout.server.db.session import owned
from toneshootout.server.http.ratelimit import RateLimiter
from toneshootout.server.render import repository as render_repository
from toneshootout.server.render import results
from toneshootout.server.render.errors import RenderFileNotFound
from toneshootout.server.render.states import RenderState
from toneshootout.server.share import access, repository, shared_view, tokens
from toneshootout.server.share.errors import (
    OwnerShareNotFound,
    ShareExpiryInvalid,
    ShareFileNotFound,
    ShareNotFound,
    ShareRenderNotSucceeded,
)
from toneshootout.server.share.repository import ShareCounts
from toneshootout.server.share.schemas import (
    GalleryEntry,
    ShareCreated,
    SharedRender,
    ShareOut,
    SharePatch,
    ShareState,
    Visibility,
)
from toneshootout.server.state import Services
from toneshootout.server.storage.base import Storage
from toneshootout.server.storage.files import StoredFile

# A year, a leap day included, so "a year from now" computed by a client is never refused.
MAX_EXPIRY: Final = timedelta(days=366)
MANIFEST_ROLE: Final = "manifest"
METRICS_ROLE: Final = "metrics"


def state_of(share: Share, now: datetime) -> ShareState:
    if share.revoked_at is not None:
        return "revoked"
    if share.expires_at is not None and share.expires_at <= now:
        return "expired"
    return "active"


def results_url(share_id: uuid.UUID) -> str:
    return f"/shares/{share_id}/results"


def _out(share: Share, counts: ShareCounts, now: datetime) -> ShareOut:
    public = share.public_token
    return ShareOut(
        id=share.id,
        render_id=share.render_id,
        visibility="public" if share.visibility == "public" else "unlisted",
        state=state_of(share, now),
        created_at=share.created_at,
        expires_at=share.expires_at,
        revoked_at=share.revoked_at,
        voting_open=share.voting_open,
        views=share.views,
        listeners=counts.listeners,
        votes=counts.votes,
        abx_runs=counts.abx_runs,
        abx_completed=counts.abx_completed,
        token_hint=share.token_hint,
        url=shared_view.page_url(public) if public else None,
        embed_url=shared_view.embed_url(public) if public else None,
        results_url=results_url(share.id),
    )


def check_expiry(expires_at: datetime | None, now: datetime) -> datetime | None:
    """The expiry if it is a zoned moment in the future, at most a year away."""
    if expires_at is None:
        return None
    if expires_at.tzinfo is None or expires_at.utcoffset() is None:
        raise ShareExpiryInvalid(
            "expires_at needs a time zone, e.g. 2027-01-31T12:00:00Z; null: never expires"
        )
    try:
        in_future = expires_at > now
        within_a_year = expires_at <= now + MAX_EXPIRY
    except OverflowError:  # an offset that pushes the moment out of the representable range
        in_future = within_a_year = False
    if not in_future:
        raise ShareExpiryInvalid("expires_at must be in the future; null: never expires")
    if not within_a_year:
        raise ShareExpiryInvalid("expires_at must be at most a year from now; null: never expires")
    return expires_at


async def create_share(
    session: AsyncSession, *, render: Render, visibility: Visibility, expires_at: datetime | None
) -> ShareCreated:
    """A new link to a succeeded render; the answer carries its token, shown only this once."""
    if render.state != RenderState.SUCCEEDED:
        raise ShareRenderNotSucceeded(render.state)
    now = utcnow()
    token = tokens.new_token()
    share = Share(
        id=uuid.uuid4(),
        render_id=render.id,
        owner_id=render.owner_id,
        token_hash=tokens.hash_token(token),
        token_hint=tokens.hint(token),
        # A public link is listed on the gallery, so it is no secret; an unlisted one is.
        public_token=token if visibility == "public" else None,
        visibility=visibility,
        expires_at=check_expiry(expires_at, now),
        voting_open=True,
        views=0,
        created_at=now,
    )
    await repository.insert(session, share)
    out = _out(share, ShareCounts(), now)
    return ShareCreated(
        **out.model_dump(exclude={"url", "embed_url"}),
        token=token,
        url=shared_view.page_url(token),
        embed_url=shared_view.embed_url(token),
    )


async def list_shares(session: AsyncSession, *, render: Render) -> list[ShareOut]:
    """The render's shares, newest first, revoked and expired ones included."""
    found = await repository.of_render(session, render.id)
    counts = await repository.counts(session, [s.id for s in found])
    now = utcnow()
    return [_out(s, counts.get(s.id, ShareCounts()), now) for s in found]


async def get_owned(session: AsyncSession, *, owner_id: uuid.UUID, share_id: uuid.UUID) -> Share:
    """The share if `owner_id` owns it; anyone else's reads as not found."""
    share = await repository.get(session, share_id)
    if share is None or share.owner_id != owner_id:
        raise OwnerShareNotFound()
    return share


async def share_out(session: AsyncSession, share: Share) -> ShareOut:
    counts = await repository.counts(session, [share.id])
    return _out(share, counts.get(share.id, ShareCounts()), utcnow())


async def update_share(session: AsyncSession, *, share: Share, patch: SharePatch) -> ShareOut:
    """Close or reopen voting, or change the expiry; fields left out stay as they are."""
    if patch.voting_open is not None:
        share.voting_open = patch.voting_open
    if "expires_at" in patch.model_fields_set:
        share.expires_at = check_expiry(patch.expires_at, utcnow())
    await session.flush()
    return await share_out(session, share)


async def revoke_share(session: AsyncSession, *, share: Share) -> None:
    """Kill the link for everyone; the row stays so its counts stay visible. Repeats are no-ops."""
    if share.revoked_at is None:
        share.revoked_at = utcnow()
        await session.flush()


async def owned_share_title(
    session: AsyncSession, *, owner_id: uuid.UUID, share_id: uuid.UUID
) -> tuple[Share, str]:
    """The owner's share and its render's title (for the results page)."""
    share = await get_owned(session, owner_id=owner_id, share_id=share_id)
    render = await render_repository.get(session, share.render_id)
    if render is None:
        raise OwnerShareNotFound()
    return share, render.title


async def shared_render_row(session: AsyncSession, share: Share) -> Render:
    render = await render_repository.get(session, share.render_id)
    if render is None or render.state != RenderState.SUCCEEDED:
        raise ShareNotFound()  # cannot happen while the row cascades, but never serve it
    return render


async def _json_output(
    session: AsyncSession,
    storage: Storage,
    render: Render,
    outputs: Sequence[RenderOutput],
    role: str,
) -> dict[str, Any]:
    """The first recorded JSON output of `role`, parsed ({} when there is none)."""
    for output in outputs:
        if output.role == role and output.path.endswith(".json"):
            parsed = json.loads(await results.output_bytes(storage, render, output))
            return parsed if isinstance(parsed, dict) else {}
    return {}


async def shared_render(
    session: AsyncSession, *, storage: Storage, share: Share, token: str
) -> SharedRender:
    """The public view of the render a live share opens."""
    render = await shared_render_row(session, share)
    outputs = await render_repository.outputs(session, render.id)
    facts = shared_view.ShareFacts(
        token=token,
        title=render.title,
        finished_at=render.finished_at,
        voting_open=share.voting_open,
        visibility="public" if share.visibility == "public" else "unlisted",
    )
    return shared_view.shared_render(
        facts,
        manifest=await _json_output(session, storage, render, outputs, MANIFEST_ROLE),
        metrics=await _json_output(session, storage, render, outputs, METRICS_ROLE),
        snapshot=render.snapshot,
        outputs=outputs,
        credits=await results.render_credits(session, render),
    )


async def shared_render_for_page(
    session: AsyncSession,
    services: Services,
    token: str,
    *,
    limiter: RateLimiter,
    client_ip: str,
) -> SharedRender:
    """The share page's view of `token`'s render (misses limited as on every token route);
    counts one view, committed in a short write of its own."""
    share = await access.open_live_limited(
        session, token, limiter=limiter, client_ip=client_ip, now=utcnow()
    )
    shared = await shared_render(session, storage=services.storage, share=share, token=token)
    async with owned(services.sessionmaker) as writer:
        await repository.count_view(writer, share.id)
    return shared


async def shared_file(
    session: AsyncSession, *, storage: Storage, share: Share, path: str
) -> tuple[StoredFile, RenderOutput, Render]:
    """A listener's file: a chain render, montage, plot or video file of the shared render."""
    render = await shared_render_row(session, share)
    try:
        local, output = await results.output_file(
            session, storage=storage, render=render, path=path
        )
    except RenderFileNotFound:
        raise ShareFileNotFound() from None
    if output.role not in shared_view.SHARED_ROLES:
        raise ShareFileNotFound()
    return local, output, render


async def gallery_page(
    session: AsyncSession, *, limit: int, offset: int
) -> tuple[list[GalleryEntry], bool]:
    """One page of live public shares, newest first, and whether an older page follows."""
    rows = await repository.gallery(session, now=utcnow(), limit=limit + 1, offset=offset)
    entries = []
    for share, render in rows[:limit]:
        dis, chains = shared_view.snapshot_names(render.snapshot)
        token = share.public_token
        if token is None:  # a public share always keeps its token; never list a dead link
            continue
        entries.append(
            GalleryEntry(
                title=render.title,
                chains=chains,
                dis=dis,
                shared=share.created_at,
                url=shared_view.page_url(token),
            )
        )
    return entries, len(rows) > limit
