"""The owner's results: pairs with sign tests, Bradley–Terry for more than two chains, seeds."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.server.listening.helpers import listener, shared, start_blind, vote_all
from tests.integration.server.share.helpers import SHARES
from tests.integration.server.shootout.helpers import register_and_login
from toneshootout.listening.stats import bradley_terry, sign_test
from toneshootout.server.http.ratelimit import RateLimiter


async def test_results_count_every_listeners_votes_per_pair_and_per_di(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, _, share = await shared(client, app, tmp_path, wide=True)
    outcomes: list[tuple[int, int]] = []
    reveals = []
    for side in ("left", "right", "left"):
        async with listener(app) as browser:
            blind = (await start_blind(browser, share["token"])).json()
            done = await vote_all(browser, blind, side=side)
            reveals.append(done["reveal"])
    results = await client.get(f"{SHARES}/{share['id']}/results", headers=owner.headers)
    assert results.status_code == 200, results.text
    body = results.json()
    chains = body["chains"]
    assert len(chains) == 3
    assert len(body["dis"]) == 2
    for reveal in reveals:
        for voted in reveal["your_votes"]:
            outcomes.append((chains.index(voted["winner"]), chains.index(voted["loser"])))
    assert body["listeners"] == 3
    assert body["votes"] == len(outcomes)
    assert [s["listener"] for s in body["sessions"]] == ["Listener 1", "Listener 2", "Listener 3"]
    assert all(isinstance(s["seed"], str) and int(s["seed"]) >= 0 for s in body["sessions"])
    for pair in body["overall"]["pairs"]:
        a, b = chains.index(pair["a"]), chains.index(pair["b"])
        wins_a, wins_b = outcomes.count((a, b)), outcomes.count((b, a))
        assert (pair["wins_a"], pair["wins_b"], pair["n"]) == (wins_a, wins_b, wins_a + wins_b)
        assert pair["p_value"] == pytest.approx(sign_test(wins_a, wins_b))
    expected = bradley_terry(3, outcomes)
    for got, want in zip(body["overall"]["bradley_terry"], expected.strengths, strict=True):
        assert got["chain"] == chains[want.index]
        assert got["strength"] == pytest.approx(want.strength)
    assert [group["di"] for group in body["per_di"]] == body["dis"]
    assert sum(p["n"] for g in body["per_di"] for p in g["pairs"]) == len(outcomes)

    stranger = await register_and_login(client)
    refused = await client.get(f"{SHARES}/{share['id']}/results", headers=stranger.headers)
    assert refused.status_code == 404


async def test_votes_are_rate_limited_per_listener(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    _, _, share = await shared(client, app, tmp_path)
    async with listener(app) as browser:
        blind = (await start_blind(browser, share["token"])).json()
        limiter = app.state.rate_limiter
        assert isinstance(limiter, RateLimiter)
        refused = None
        for _ in range(80):  # repeats are 409s, but every answer counts against the limit
            response = await browser.post(
                f"/api/v1/listening/{blind['id']}/votes",
                json={"round": 0, "choice": blind["rounds"][0]["left"]["letter"]},
            )
            if response.status_code == 429:
                refused = response
                break
        assert refused is not None
        assert int(refused.headers["retry-after"]) >= 1
