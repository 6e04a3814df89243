"""Blind preference tests through the API: one session per listener, votes, reveal, no leak."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from tests.integration.server.listening.helpers import (
    LISTENING,
    listener,
    shared,
    start_blind,
    vote,
    vote_all,
)
from tests.integration.server.render.helpers import RENDERS, services
from tests.integration.server.share.helpers import SHARED, SHARES
from toneshootout.listening.design import blind_design
from toneshootout.server.db.models.render import RenderOutput
from toneshootout.server.db.models.share import ListeningSession
from toneshootout.server.listening.cookie import COOKIE_NAME


async def test_a_listener_votes_every_round_and_then_sees_the_reveal(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, _, share = await shared(client, app, tmp_path, wide=True)
    chains = [c["name"] for c in (await client.get(f"{SHARED}/{share['token']}")).json()["chains"]]
    async with listener(app) as browser:
        started = await start_blind(browser, share["token"])
        assert started.status_code == 201, started.text
        assert COOKIE_NAME in browser.cookies
        cookie_header = started.headers["set-cookie"].lower()
        assert "httponly" in cookie_header
        assert "samesite=lax" in cookie_header
        blind = started.json()
        assert blind["kind"] == "blind"
        assert blind["voted"] == 0
        assert blind["reveal"] is None
        assert blind["letters"] == ["A", "B", "C"][: len(chains)]
        assert blind["total"] == len(blind["rounds"]) >= 1
        again = await start_blind(browser, share["token"])  # same order back, never a reshuffle
        assert again.status_code == 200
        assert again.json() == blind

        done = await vote_all(browser, blind, side="right")
        assert done["complete"]
        assert done["voted"] == done["total"]
        reveal = done["reveal"]
        assert sorted(reveal["letters"].values()) == sorted(chains)
        for voted, round_ in zip(reveal["your_votes"], blind["rounds"], strict=True):
            assert voted["winner"] == reveal["letters"][round_["right"]["letter"]]
            assert voted["loser"] == reveal["letters"][round_["left"]["letter"]]

        repeat = await vote(browser, blind["id"], 0, blind["rounds"][0]["left"]["letter"])
        assert repeat.status_code == 409
        assert repeat.json()["error"] == "already_voted"

    # The stored seed reproduces the listener's order exactly.
    async with services(app).sessionmaker() as session:
        row = await session.scalar(select(ListeningSession))
    assert row is not None
    drawn = blind_design(row.seed, n_chains=len(chains), n_dis=len(blind["dis"]))
    assert [[r.di, r.left, r.right] for r in drawn.rounds] == row.design["rounds"]

    listed = (
        await client.get(f"{RENDERS}/{share['render_id']}/shares", headers=owner.headers)
    ).json()
    assert listed["items"][0]["listeners"] == 1
    assert listed["items"][0]["votes"] == done["total"]


async def test_bad_votes_are_refused_with_reasons(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, _, share = await shared(client, app, tmp_path)
    async with listener(app) as browser:
        blind = (await start_blind(browser, share["token"])).json()
        first = blind["rounds"][0]
        outside = "Z"  # a letter, but not one of this round's two sides
        refused = await vote(browser, blind["id"], 0, outside)
        assert refused.status_code == 422
        assert refused.json()["error"] == "invalid_choice"
        refused = await vote(browser, blind["id"], blind["total"], first["left"]["letter"])
        assert refused.status_code == 422
        assert refused.json()["error"] == "invalid_round"
        refused = await browser.post(f"{LISTENING}/{blind['id']}/votes", json={"round": 0})
        assert refused.status_code == 422
        cross = await browser.post(
            f"{LISTENING}/{blind['id']}/votes",
            json={"round": 0, "choice": first["left"]["letter"]},
            headers={"Origin": "https://evil.example"},
        )
        assert cross.status_code == 403
        assert cross.json()["error"] == "cross_site"

        closed = await client.patch(
            f"{SHARES}/{share['id']}", json={"voting_open": False}, headers=owner.headers
        )
        assert closed.status_code == 200
        refused = await vote(browser, blind["id"], 0, first["left"]["letter"])
        assert refused.status_code == 409
        assert refused.json()["error"] == "voting_closed"
        assert (await browser.get(f"{LISTENING}/{blind['id']}")).json()["voted"] == 0

    async with listener(app) as stranger:  # another listener cannot read or vote in it
        assert (await stranger.get(f"{LISTENING}/{blind['id']}")).status_code == 404
        stranger.cookies.set(COOKIE_NAME, f"{blind['id']}.{'0' * 64}")  # a forged signature
        assert (await stranger.get(f"{LISTENING}/{blind['id']}")).status_code == 404
        stranger.cookies.clear()
        other = await vote(stranger, blind["id"], 0, first["left"]["letter"])
        assert other.status_code == 404


async def test_revoked_share_closes_every_listening_route(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, _, share = await shared(client, app, tmp_path)
    async with listener(app) as browser:
        blind = (await start_blind(browser, share["token"])).json()
        url = blind["rounds"][0]["left"]["audio_url"]
        assert (await browser.get(url)).status_code == 200
        await client.delete(f"{SHARES}/{share['id']}", headers=owner.headers)
        assert (await start_blind(browser, share["token"])).status_code == 404
        assert (await browser.get(f"{LISTENING}/{blind['id']}")).status_code == 404
        assert (await browser.get(url)).status_code == 404
        assert (await vote(browser, blind["id"], 0, "A")).status_code == 404


def _leaks(text: str, secrets_: list[str], title: str = "") -> list[str]:
    """The secrets in `text`. The render's title is the owner's words and may well list the
    chains compared ("Crunch: 4x12 vs none"); it says what is compared, not which is which."""
    text = text.replace(title, "") if title else text
    return [s for s in secrets_ if s and s.lower() in text.lower()]


async def test_nothing_before_reveal_tells_the_chains_apart(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    """Every byte the blind API sends before reveal: no chain name, id, file name or metric,
    and the same lengths whichever chain is where."""
    _owner, render, share = await shared(client, app, tmp_path, wide=True)
    shared_render = (await client.get(f"{SHARED}/{share['token']}")).json()
    async with services(app).sessionmaker() as session:
        outputs = list(await session.scalars(select(RenderOutput)))
    forbidden = [c["name"] for c in shared_render["chains"]]
    forbidden += [o.path for o in outputs] + [o.sha256 for o in outputs] + [render["id"]]
    forbidden += [f"{level['loudness_after_lufs']}" for level in shared_render["levels"]]
    sizes: dict[str, set[int]] = {}
    json_lengths: set[int] = set()
    header_shapes: set[str] = set()
    for _ in range(2):  # two listeners: two orders
        async with listener(app) as browser:
            blind_response = await start_blind(browser, share["token"])
            body = blind_response.text
            assert not _leaks(body, forbidden, shared_render["title"])
            assert not _leaks(json.dumps(dict(blind_response.headers)), forbidden)
            json_lengths.add(len(body))
            blind: dict[str, Any] = blind_response.json()
            for round_ in blind["rounds"]:
                for side in ("left", "right"):
                    url = round_[side]["audio_url"]
                    assert re.fullmatch(r"/api/v1/listening/[0-9a-f-]{36}/audio/[\w-]{22}", url)
                    take = await browser.get(url)
                    assert take.status_code == 200
                    assert take.headers["content-type"] == "audio/wav"
                    assert take.headers["cache-control"] == "private, no-store"
                    assert "etag" not in take.headers
                    assert "last-modified" not in take.headers
                    assert take.headers["content-disposition"] == 'attachment; filename="take.wav"'
                    assert not _leaks(json.dumps(dict(take.headers)), forbidden)
                    header_shapes.add(
                        json.dumps(sorted(k for k in take.headers if k not in {"x-request-id"}))
                    )
                    sizes.setdefault(blind["dis"][round_["di"]], set()).add(len(take.content))
                    sizes[blind["dis"][round_["di"]]].add(int(take.headers["content-length"]))
            # Mid-test reads are just as blank.
            first = blind["rounds"][0]
            midway = await vote(browser, blind["id"], 0, first["left"]["letter"])
            if blind["total"] > 1:
                assert midway.json()["reveal"] is None
                assert not _leaks(midway.text, forbidden, shared_render["title"])
    assert len(json_lengths) == 1  # the same JSON length for both orders
    assert len(header_shapes) == 1
    assert all(len(found) == 1 for found in sizes.values()), sizes
