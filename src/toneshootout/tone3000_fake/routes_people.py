"""The signed-in user, the public user directory, and the tag and make lists."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from toneshootout.tone3000_fake import filters, shapes, urls
from toneshootout.tone3000_fake.catalogue import Label
from toneshootout.tone3000_fake.deps import CallerDep, StateDep, signed_in
from toneshootout.tone3000_fake.errors import ApiError

router = APIRouter(prefix=urls.API)
USER_SORTS = {
    "tones": "tones_count",
    "downloads": "downloads_count",
    "favorites": "favorites_count",
    "models": "models_count",
}
USERS_PAGE_CAP = 10
LABELS_PAGE_CAP = 25


@router.get("/user")
def current_user(state: StateDep, caller: CallerDep) -> dict[str, Any]:
    """The signed-in user (with an `email` only when the `user_email` switch sets one)."""
    user = shapes.full_user(signed_in(caller), caller.view)
    if state.switches.user_email is not None:
        user["email"] = state.switches.user_email
    return user


@router.get("/users")
def list_users(request: Request, state: StateDep, caller: CallerDep) -> dict[str, Any]:
    """The public user directory, by username query, sorted by a count."""
    params = request.query_params
    sort = params.get("sort") or "tones"
    if sort not in USER_SORTS:
        raise ApiError(400, f"Invalid sort: must be one of: {', '.join(USER_SORTS)}")
    query = (params.get("query") or "").lower()
    users = [
        shapes.public_user(c, state.catalogue, caller.view)
        for c in state.catalogue.creators
        if query in c.username.lower()
    ]
    users.sort(key=lambda u: (-u[USER_SORTS[sort]], u["username"]))
    number, size = filters.paging(params, 10, USERS_PAGE_CAP)
    return shapes.page(users[(number - 1) * size : number * size], number, size, len(users))


def _labels(
    request: Request, labels: tuple[Label, ...], counts: dict[int, int], kind: str, base: str
) -> dict[str, Any]:
    params = request.query_params
    query = (params.get("query") or "").lower()
    found = [x for x in labels if query in x.name.lower()]
    number, size = filters.paging(params, 10, LABELS_PAGE_CAP)
    items = [
        shapes.label_entry(x, counts.get(x.id, 0), base, kind)
        for x in found[(number - 1) * size : number * size]
    ]
    return shapes.page(items, number, size, len(found))


@router.get("/tags")
def list_tags(request: Request, state: StateDep, caller: CallerDep) -> dict[str, Any]:
    """Tags with how many public tones carry each."""
    counts: dict[int, int] = {}
    for tone in state.catalogue.tones:
        for tag in tone.tags if tone.is_public else ():
            counts[tag.id] = counts.get(tag.id, 0) + 1
    return _labels(request, state.catalogue.tags, counts, "tags", caller.view.base)


@router.get("/makes")
def list_makes(request: Request, state: StateDep, caller: CallerDep) -> dict[str, Any]:
    """Makes with how many public tones carry each."""
    counts: dict[int, int] = {}
    for tone in state.catalogue.tones:
        for make in tone.makes if tone.is_public else ():
            counts[make.id] = counts.get(make.id, 0) + 1
    return _labels(request, state.catalogue.makes, counts, "makes", caller.view.base)
