"""Shootout rules: validate against the owner's library, save, keep the reference rows current.

Bodies arrive as raw JSON mappings so that shape errors and library errors are reported
together (see `checks`). Every save rewrites the `ShootoutRef` rows, which is what lets the
library refuse to delete an item in use.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.base import utcnow
from toneshootout.server.db.models.shootout import Shootout
from toneshootout.server.shootout import repository
from toneshootout.server.shootout.checks import (
    ItemFacts,
    check_di_entries,
    check_duplicates,
    check_refs,
    check_tone3000_models,
    collect_refs,
    item_facts,
    merge_patch,
    ordered,
    parse_body,
)
from toneshootout.server.shootout.errors import ShootoutInvalid, ShootoutNotFound
from toneshootout.server.shootout.estimate import estimated_render_seconds
from toneshootout.server.shootout.render_warnings import RenderWarning, find_warnings
from toneshootout.server.shootout.schemas import TITLE_MAX, ShootoutIn

COPY_SUFFIX: Final = " (copy)"


@dataclass(frozen=True)
class ShootoutView:
    """A saved shootout, its parsed body and the warnings about it."""

    shootout: Shootout
    body: ShootoutIn
    warnings: list[RenderWarning]
    estimated_render_seconds: float


@dataclass(frozen=True)
class Listed:
    """A shootout on a list page, with its render-time estimate."""

    shootout: Shootout
    estimated_render_seconds: float


def _view(
    shootout: Shootout, body: ShootoutIn, facts: dict[uuid.UUID, ItemFacts], long_render_s: float
) -> ShootoutView:
    warnings = find_warnings(body, facts, long_render_s=long_render_s)
    return ShootoutView(shootout, body, warnings, estimated_render_seconds(body, facts))


async def _library_facts(
    session: AsyncSession, owner_id: uuid.UUID, item_ids: set[uuid.UUID]
) -> dict[uuid.UUID, ItemFacts]:
    items = await repository.owned_items(session, owner_id, item_ids)
    return {item.id: item_facts(item.kind, item.name, item.item_metadata or {}) for item in items}


async def _validate(
    session: AsyncSession, *, owner_id: uuid.UUID, raw: Mapping[str, Any]
) -> tuple[ShootoutIn, dict[uuid.UUID, ItemFacts]]:
    body, problems = parse_body(raw)
    refs = collect_refs(raw)
    facts = await _library_facts(session, owner_id, {ref.item_id for ref in refs})
    problems += check_refs(refs, facts) + check_duplicates(raw) + check_di_entries(raw, facts)
    problems += check_tone3000_models(raw)
    if problems or body is None:
        raise ShootoutInvalid(ordered(problems))
    return body, facts


def _stored(body: ShootoutIn) -> dict[str, Any]:
    # The title has its own column; the rest is kept in the API's normalised JSON shape.
    return body.model_dump(mode="json", exclude={"title"})


def _loaded(shootout: Shootout) -> ShootoutIn:
    return ShootoutIn.model_validate({**shootout.body, "title": shootout.title})


async def _save(
    session: AsyncSession,
    shootout: Shootout,
    body: ShootoutIn,
    facts: dict[uuid.UUID, ItemFacts],
    long_render_s: float,
) -> ShootoutView:
    shootout.title = body.title
    shootout.body = _stored(body)
    # Always an UPDATE for a saved shootout, even when nothing changed: its row lock orders
    # concurrent saves, so their delete-and-insert of the reference rows cannot collide.
    shootout.updated_at = utcnow()
    session.add(shootout)
    await session.flush()
    await repository.replace_refs(session, shootout.id, facts.keys())
    return _view(shootout, body, facts, long_render_s)


async def create_shootout(
    session: AsyncSession, *, owner_id: uuid.UUID, payload: Mapping[str, Any], long_render_s: float
) -> ShootoutView:
    """Validate `payload` against the owner's library and save it as a new shootout."""
    body, facts = await _validate(session, owner_id=owner_id, raw=payload)
    shootout = Shootout(owner_id=owner_id, title=body.title, body={})
    return await _save(session, shootout, body, facts, long_render_s)


async def get_owned(
    session: AsyncSession, *, owner_id: uuid.UUID, shootout_id: uuid.UUID
) -> Shootout:
    """The shootout if `owner_id` owns it; anyone else's reads as not found."""
    shootout = await repository.get(session, shootout_id)
    if shootout is None or shootout.owner_id != owner_id:
        raise ShootoutNotFound()
    return shootout


async def describe(
    session: AsyncSession, *, shootout: Shootout, long_render_s: float
) -> ShootoutView:
    """A saved shootout with warnings computed against the library as it is now."""
    body = _loaded(shootout)
    ids = {ref.item_id for ref in collect_refs(_stored(body))}
    facts = await _library_facts(session, shootout.owner_id, ids)
    return _view(shootout, body, facts, long_render_s)


async def list_shootouts(
    session: AsyncSession, *, owner_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[Listed], int]:
    """One page of the owner's shootouts, newest first, and how many there are in all."""
    page = await repository.list_for_owner(session, owner_id, limit=limit, offset=offset)
    bodies = [_loaded(shootout) for shootout in page]
    # One library query for the whole page: the estimates need each item's facts.
    ids = {ref.item_id for body in bodies for ref in collect_refs(_stored(body))}
    facts = await _library_facts(session, owner_id, ids)
    listed = [
        Listed(shootout, estimated_render_seconds(body, facts))
        for shootout, body in zip(page, bodies, strict=True)
    ]
    return listed, await repository.count_for_owner(session, owner_id)


async def replace_shootout(
    session: AsyncSession, *, shootout: Shootout, payload: Mapping[str, Any], long_render_s: float
) -> ShootoutView:
    """Replace the whole body (PUT)."""
    body, facts = await _validate(session, owner_id=shootout.owner_id, raw=payload)
    return await _save(session, shootout, body, facts, long_render_s)


async def patch_shootout(
    session: AsyncSession, *, shootout: Shootout, patch: Mapping[str, Any], long_render_s: float
) -> ShootoutView:
    """Apply a JSON merge patch to the saved body, then validate the result as a whole."""
    current = {**shootout.body, "title": shootout.title}
    merged = merge_patch(current, patch)
    body, facts = await _validate(session, owner_id=shootout.owner_id, raw=merged)
    return await _save(session, shootout, body, facts, long_render_s)


def copy_title(title: str) -> str:
    """`title (copy)`, shortened so the result still fits the title limit."""
    room = TITLE_MAX - len(COPY_SUFFIX)
    return title[:room].rstrip() + COPY_SUFFIX


async def clone_shootout(
    session: AsyncSession, *, shootout: Shootout, long_render_s: float
) -> ShootoutView:
    """A new shootout with the same body, titled `… (copy)`, referencing the same items."""
    body = _loaded(shootout).model_copy(update={"title": copy_title(shootout.title)})
    ids = {ref.item_id for ref in collect_refs(_stored(body))}
    # Items deleted (forced) since the original was saved are not referenced by new rows.
    facts = await _library_facts(session, shootout.owner_id, ids)
    clone = Shootout(owner_id=shootout.owner_id, title=body.title, body={})
    return await _save(session, clone, body, facts, long_render_s)


async def delete_shootout(session: AsyncSession, *, shootout: Shootout) -> None:
    """Delete the shootout and its reference rows."""
    await repository.remove(session, shootout)
    await session.flush()
