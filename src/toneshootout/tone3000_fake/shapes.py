"""JSON bodies in TONE3000's wire shapes (TONE3000.md §1.6), search and detail shapes apart."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from toneshootout.tone3000_fake import urls
from toneshootout.tone3000_fake.catalogue import Catalogue, Creator, Label, Model, Tone
from toneshootout.tone3000_fake.clock import iso_offset, iso_z
from toneshootout.tone3000_fake.library import Library

Json = dict[str, Any]


@dataclass(frozen=True)
class View:
    """Who is looking and from where: favourite flags and absolute links depend on it."""

    base: str
    storage: str
    viewer: str | None  # user id; None when anonymous (trending only)
    library: Library
    search_license: bool = True


def _stamp(moment: datetime, offset: bool) -> str:
    return iso_offset(moment) if offset else iso_z(moment)


def embedded_user(creator: Creator, view: View) -> Json:
    return {
        "id": creator.id,
        "username": creator.username,
        "display_name": creator.display_name,
        "avatar_url": urls.avatar_url(view.storage, creator) if creator.has_avatar else None,
        "is_verified": creator.is_verified,
        "url": urls.user_url(view.base, creator),
    }


def full_user(creator: Creator, view: View) -> Json:
    return embedded_user(creator, view) | {
        "bio": creator.bio,
        "links": [],
        "created_at": iso_z(creator.joined),
        "updated_at": iso_z(creator.joined + timedelta(days=30)),
    }


def public_user(creator: Creator, catalogue: Catalogue, view: View) -> Json:
    tones = [t for t in catalogue.tones if t.creator == creator and t.is_public]
    return {
        "id": creator.id,
        "username": creator.username,
        "bio": creator.bio,
        "links": [],
        "avatar_url": urls.avatar_url(view.storage, creator) if creator.has_avatar else None,
        "downloads_count": sum(t.downloads_count for t in tones),
        "favorites_count": sum(favorites_count(t, view) for t in tones),
        "models_count": sum(len(t.models) for t in tones),
        "tones_count": len(tones),
        "url": urls.user_url(view.base, creator),
    }


def favorites_count(tone: Tone, view: View) -> int:
    return tone.favorites_count + view.library.favorites_of_tone(tone.id)


def _labels(labels: tuple[Label, ...], with_id: bool) -> list[Json]:
    # Search results name makes and tags without their ids; detail includes them.
    return [{"id": x.id, "name": x.name} if with_id else {"name": x.name} for x in labels]


def _common(tone: Tone, view: View, with_ids: bool) -> Json:
    created = tone.published - timedelta(days=1)
    body: Json = {
        "id": tone.id,
        "user_id": tone.creator.id,
        "user": embedded_user(tone.creator, view),
        "title": tone.title,
        "description": tone.description,
        "gear": tone.gear,
        "format": tone.format,
        "license": tone.license,
        "images": [urls.image_url(view.storage, tone)] if tone.has_images else None,
        "makes": _labels(tone.makes, with_ids),
        "tags": _labels(tone.tags, with_ids),
        "a1_models_count": tone.count("1"),
        "a2_models_count": tone.count("2"),
        "custom_models_count": tone.count("custom"),
        "irs_count": tone.irs_count,
        "downloads_count": tone.downloads_count,
        "favorites_count": favorites_count(tone, view),
        "created_at": _stamp(created, tone.offset_timestamps),
        "updated_at": _stamp(tone.published + timedelta(hours=2), tone.offset_timestamps),
        "published_at": _stamp(tone.published, tone.offset_timestamps),
        "url": urls.tone_url(view.base, tone),
    }
    if view.viewer is not None:  # anonymous callers get no favourite state at all
        body["is_favorite"] = view.library.is_favorite(view.viewer, tone.id)
    return body


def tone_search(tone: Tone, view: View) -> Json:
    """The list shape: models_count over every architecture, no sizes/links/is_public."""
    body = _common(tone, view, with_ids=False)
    body["models_count"] = len(tone.models)
    if not view.search_license:
        del body["license"]
    return body


def tone_detail(tone: Tone, view: View, architecture: str | None) -> Json:
    """GET /tones/{id}: models_count counts A1 only, or the architecture asked for."""
    body = _common(tone, view, with_ids=True)
    if tone.format == "ir":
        body["models_count"] = tone.irs_count
    else:
        body["models_count"] = tone.count(architecture or "1")
    body["sizes"] = list(tone.sizes) if tone.sizes is not None else None
    body["links"] = list(tone.links) if tone.links is not None else None
    body["is_public"] = tone.is_public
    return body


def model(tone: Tone, item: Model, view: View) -> Json:
    stamp = _stamp(tone.published - timedelta(days=1), tone.offset_timestamps)
    return {
        "id": item.id,
        "tone_id": tone.id,
        "user_id": tone.creator.id,
        "created_at": stamp,
        "updated_at": stamp,
        "name": item.name,
        "model_url": urls.model_url(view.base, item),
        "size": item.size,
        "architecture_version": item.architecture,
    }


def label_entry(label: Label, tones_count: int, base: str, kind: str) -> Json:
    return {
        "id": label.id,
        "name": label.name,
        "tones_count": tones_count,
        "url": f"{base}/search?{kind}={label.name.replace(' ', '+')}",
    }


def page(items: list[Json], number: int, size: int, total: int) -> Json:
    return {
        "data": items,
        "page": number,
        "page_size": size,
        "total": total,
        "total_pages": math.ceil(total / size) if total else 0,
    }


def feed(items: list[Json]) -> Json:
    """Trending and latest: no paging fields at all."""
    return {"data": items}
