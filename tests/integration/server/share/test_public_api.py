"""What a link opens for anyone: the shared render without private facts, its files, and the
REQ-12 rules (dead links indistinguishable, misses locked out, tokens never logged)."""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.server.render.helpers import RENDERS, services
from tests.integration.server.share.helpers import (
    SHARED,
    SHARES,
    create_share,
    owner_with_render,
    set_share,
)
from toneshootout.server.db.models.render import Render
from toneshootout.server.http.ratelimit import RateLimiter
from toneshootout.server.share.access import MISS_LIMIT

SHARED_KEYS = {
    "title",
    "finished_at",
    "voting_open",
    "visibility",
    "dis",
    "chains",
    "settings",
    "levels",
    "common_reduction_db",
    "timeline",
    "alignment",
    "warnings",
    "metrics",
    "outputs",
    "videos",
    "attribution",
    "tone3000_credits",
    "embed_url",
    "page_url",
}
SHARED_ROLES = {"chain_render", "montage", "plot"}


def _keys(value: Any) -> set[str]:
    """Every key anywhere in a JSON document."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _values(value: Any, key: str) -> set[str]:
    """Every string value of `key` anywhere in a JSON document."""
    if isinstance(value, dict):
        own = {value[key]} if isinstance(value.get(key), str) else set()
        return own | {s for v in value.values() for s in _values(v, key)}
    if isinstance(value, list):
        return {s for v in value for s in _values(v, key)}
    return set()


async def _anonymous_get(client: httpx.AsyncClient, url: str, **kwargs: Any) -> httpx.Response:
    client.cookies.clear()
    return await client.get(url, **kwargs)


async def test_shared_render_shows_the_render_and_nothing_private(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, render = await owner_with_render(client, app, tmp_path)
    share = await create_share(client, owner, render["id"])
    token = share["token"]
    me = (await client.get("/api/v1/me", headers=owner.headers)).json()
    manifest_url = next(o["url"] for o in render["outputs"] if o["role"] == "manifest")
    manifest = (await client.get(manifest_url, headers=owner.headers)).json()
    async with services(app).sessionmaker() as session:
        row = await session.get(Render, uuid.UUID(render["id"]))
        assert row is not None
        snapshot, prefix = row.snapshot, row.output_prefix

    response = await _anonymous_get(client, f"{SHARED}/{token}")
    assert response.status_code == 200, response.text
    shared = response.json()
    assert set(shared) == SHARED_KEYS
    assert shared["title"] == render["title"]
    assert shared["finished_at"] is not None
    assert shared["visibility"] == "unlisted"
    assert shared["voting_open"] is True
    assert shared["dis"] == [d["name"] for d in manifest["inputs"]["di"]]
    assert [c["name"] for c in shared["chains"]] == ["Crunch 4x12", "Crunch"]
    capture, ir = shared["chains"][0]["blocks"]
    assert capture == {
        "type": "capture",
        "name": "crunch.nam",  # as the owner's library names it
        "source": None,  # from the library ("tone3000": from TONE3000)
        "architecture": "WaveNet",
        "gear_make": "Tone Shootout",
        "gear_model": "Crunch 2",
        "modeled_by": "Tone Shootout demo",
    }
    assert ir["type"] == "ir"
    assert ir["name"] == "4x12.wav"
    assert shared["settings"]["render_rate"] == 48000
    assert (
        shared["settings"]["loudness_target_lufs"] == manifest["settings"]["loudness_target_lufs"]
    )
    assert shared["levels"] == manifest["levels"]
    assert shared["common_reduction_db"] == manifest["common_reduction_db"]
    assert shared["timeline"] == manifest["timeline"]
    assert [a["chain"] for a in shared["alignment"]] == ["Crunch 4x12", "Crunch"]
    assert (
        shared["alignment"][0]["latency_samples"]
        == (manifest["inputs"]["chains"][0]["alignment"]["latency_samples"])
    )
    assert len(shared["metrics"]["renders"]) == 2
    assert len(shared["metrics"]["null_tests"]) == 1
    assert {o["role"] for o in shared["outputs"]} == SHARED_ROLES
    assert shared["videos"] == []  # this render made none (tests/…/test_video.py has them)
    assert all(o["url"] == f"{SHARED}/{token}/files/{o['path']}" for o in shared["outputs"])
    assert {c["name"] for c in shared["attribution"]} == {"crunch.nam", "4x12.wav"}
    assert shared["tone3000_credits"] == []  # library captures and IRs only
    assert shared["page_url"] == f"/s/{token}"
    assert shared["embed_url"] == f"/embed/{token}"

    # Never: the owner, ids, input file names and hashes, storage paths, manifest, bundle.
    assert not _keys(shared) & {"file", "sha256", "owner_id", "render_id", "shootout_id", "id"}
    text = response.text
    forbidden = {
        me["email"],
        me["id"],
        render["id"],
        render["shootout_id"],
        str(prefix),
        str(services(app).settings.storage_dir),
        "manifest.json",
        "bundle",
        *snapshot["items"],  # library item ids (also the stored file names)
        *_values(manifest, "file"),
        *_values(manifest, "sha256"),
        *(o["sha256"] for o in render["outputs"]),
    }
    leaked = {value for value in forbidden if value and value in text}
    assert not leaked


def _without_request_id(response: httpx.Response) -> bytes:
    return response.content.replace(response.json()["request_id"].encode(), b"")


async def test_dead_links_answer_exactly_like_links_that_never_existed(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, render = await owner_with_render(client, app, tmp_path)
    revoked = await create_share(client, owner, render["id"])
    expired = await create_share(client, owner, render["id"], visibility="public")
    live = await create_share(client, owner, render["id"])
    await client.delete(f"{SHARES}/{revoked['id']}", headers=owner.headers)
    await set_share(app, expired["id"], expires_at=datetime.now(UTC) - timedelta(seconds=1))
    tokens = {
        "revoked": revoked["token"],
        "expired": expired["token"],
        "never existed": secrets.token_urlsafe(32),
        "malformed": "not-a-token",
        "too long": live["token"] + "A",
    }
    path = next(o["path"] for o in render["outputs"] if o["role"] == "chain_render")
    for suffix in ("", f"/files/{path}"):
        answers = {
            what: await _anonymous_get(client, f"{SHARED}/{token}{suffix}")
            for what, token in tokens.items()
        }
        assert {r.status_code for r in answers.values()} == {404}
        bodies = {_without_request_id(r) for r in answers.values()}
        assert len(bodies) == 1, bodies
        assert answers["revoked"].json()["error"] == "not_found"
        assert (
            await _anonymous_get(client, f"{SHARED}/{live['token']}{suffix}")
        ).status_code == 200


async def test_misses_lock_out_every_token_route_hits_included(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, render = await owner_with_render(client, app, tmp_path)
    share = await create_share(client, owner, render["id"])
    path = next(o["path"] for o in render["outputs"] if o["role"] == "plot")
    limiter = getattr(app.state, "rate_limiter", None)
    if isinstance(limiter, RateLimiter):
        limiter.reset()
    # REQ-12: 1000 random guesses; the first MISS_LIMIT are misses, every later one is refused.
    statuses = [
        (await _anonymous_get(client, f"{SHARED}/{secrets.token_urlsafe(32)}")).status_code
        for _ in range(1000)
    ]
    assert statuses == [404] * MISS_LIMIT + [429] * (1000 - MISS_LIMIT)
    for url in (
        f"{SHARED}/{secrets.token_urlsafe(32)}",
        f"{SHARED}/{share['token']}",  # a valid token, refused alike during the lock-out
        f"{SHARED}/{share['token']}/files/{path}",
    ):
        refused = await _anonymous_get(client, url)
        assert refused.status_code == 429, url
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json()["error"] == "rate_limited"
    # The owner's API is not a token route: it still answers.
    assert (await client.get(f"{SHARES}/{share['id']}", headers=owner.headers)).status_code == 200


async def test_no_log_record_carries_a_token(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    owner, render = await owner_with_render(client, app, tmp_path)
    # At the level the app logs at (DEBUG is for database debugging: drivers echo parameters).
    with caplog.at_level(logging.INFO):
        unlisted = await create_share(client, owner, render["id"])
        public = await create_share(client, owner, render["id"], visibility="public")
        for token in (unlisted["token"], public["token"]):
            shared = await _anonymous_get(client, f"{SHARED}/{token}")
            assert shared.status_code == 200
            first = shared.json()["outputs"][0]["url"]
            assert (await _anonymous_get(client, first)).status_code == 200
            dead = f"{SHARED}/{token[:-1]}{'B' if token[-1] != 'B' else 'C'}"
            assert (await _anonymous_get(client, dead)).status_code == 404
    assert caplog.records, "the requests were not logged at all"
    for record in caplog.records:
        seen = f"{record.getMessage()} {vars(record)}"
        for token in (unlisted["token"], public["token"]):
            assert token[:-1] not in seen, record


async def test_files_are_chain_renders_montages_and_plots_only_with_range(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, render = await owner_with_render(client, app, tmp_path)
    share = await create_share(client, owner, render["id"])
    token = share["token"]
    shared = (await _anonymous_get(client, f"{SHARED}/{token}")).json()
    by_path = {o["path"]: o for o in render["outputs"]}

    for output in shared["outputs"]:
        response = await _anonymous_get(client, output["url"])
        assert response.status_code == 200, output["path"]
        assert (
            len(response.content) == output["size_bytes"] == by_path[output["path"]]["size_bytes"]
        )
        assert response.headers["content-type"].startswith(output["media_type"])
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "private, no-store"
        assert response.headers["content-disposition"].startswith("attachment; filename=")
    served = {o["path"] for o in shared["outputs"]}
    assert served == {o["path"] for o in render["outputs"] if o["role"] in SHARED_ROLES}

    montage = next(
        o for o in shared["outputs"] if o["role"] == "montage" and o["path"].endswith(".wav")
    )
    ranged = await _anonymous_get(client, montage["url"], headers={"Range": "bytes=100-299"})
    assert ranged.status_code == 206
    assert ranged.headers["content-range"] == f"bytes 100-299/{montage['size_bytes']}"
    whole = await _anonymous_get(client, montage["url"])
    assert ranged.content == whole.content[100:300]

    private = [o["path"] for o in render["outputs"] if o["role"] not in SHARED_ROLES]
    assert {"manifest.json", "metrics/metrics.json"} <= set(private)
    missing = await _anonymous_get(client, f"{SHARED}/{token}/files/plots/none.png")
    assert missing.status_code == 404
    for path in [*private, "bundle", "%2e%2e/manifest.json", "plots/../manifest.json"]:
        refused = await _anonymous_get(client, f"{SHARED}/{token}/files/{path}")
        assert refused.status_code == 404, path
        assert _without_request_id(refused) == _without_request_id(missing), path
    # The client resolves dot segments; whatever it asks, nothing outside the outputs comes back.
    for path in ("../../../etc/passwd", "../../../../renders"):
        assert (await _anonymous_get(client, f"{SHARED}/{token}/files/{path}")).status_code == 404
    # The owner's own download routes still need the owner.
    owner_url = by_path["manifest.json"]["url"]
    assert owner_url.startswith(RENDERS)
    assert (await _anonymous_get(client, owner_url)).status_code == 401
