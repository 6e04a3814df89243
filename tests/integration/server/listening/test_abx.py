"""ABX runs through the API: trials fixed up front, X drawn server-side, p only at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from tests.integration.server.listening.helpers import LISTENING, listener, shared
from tests.integration.server.render.helpers import services
from tests.integration.server.share.helpers import SHARED, SHARES
from toneshootout.listening.design import abx_design
from toneshootout.listening.stats import abx_p_value, chance_words
from toneshootout.server.db.models.share import ListeningSession


async def _answer(
    browser: httpx.AsyncClient, run_id: str, trial: int, answer: str
) -> httpx.Response:
    return await browser.post(
        f"{LISTENING}/{run_id}/answers", json={"trial": trial, "answer": answer}
    )


async def test_an_8_trial_run_ends_with_the_right_count_and_p_value(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, _, share = await shared(client, app, tmp_path)
    async with listener(app) as browser:
        started = await browser.post(
            f"{SHARED}/{share['token']}/abx", json={"di": 0, "a": 0, "b": 1, "trials": 8}
        )
        assert started.status_code == 201, started.text
        run: dict[str, Any] = started.json()
        assert run["trials"] == 8
        assert run["answered"] == 0
        assert run["feedback"] is False
        assert run["trial"]["index"] == 0
        assert run["result"] is None
        assert run["answers"] is None
        async with services(app).sessionmaker() as session:
            row = await session.scalar(
                select(ListeningSession).where(ListeningSession.kind == "abx")
            )
        assert row is not None
        xs = abx_design(row.seed, 8)
        assert xs == row.design["xs"]
        # Right on the first five, wrong on the last three: 5 of 8.
        x_urls = set()
        for trial, x in enumerate(xs):
            assert run["trial"]["index"] == trial
            x_urls.add(run["trial"]["x_url"])
            take = await browser.get(run["trial"]["x_url"])
            assert take.status_code == 200
            assert len(take.content) == len((await browser.get(run["a"]["audio_url"])).content)
            answer = "AB"[x] if trial < 5 else "AB"[1 - x]
            response = await _answer(browser, run["id"], trial, answer)
            assert response.status_code == 200, response.text
            run = response.json()
            assert run["last"] is None  # no feedback unless asked for
            if trial < 7:
                assert run["result"] is None
        assert len(x_urls) == 8  # a fresh handle per trial, whichever chain X is
        assert run["complete"]
        assert run["trial"] is None
        p_value = abx_p_value(5, 8)
        assert run["result"] == {
            "correct": 5,
            "trials": 8,
            "p_value": pytest.approx(p_value),
            "words": chance_words(5, 8, p_value),
        }
        assert [a["correct"] for a in run["answers"]] == [True] * 5 + [False] * 3
        again = await _answer(browser, run["id"], 8, "A")
        assert again.status_code == 409
        assert again.json()["error"] == "run_complete"

    results = await client.get(f"{SHARES}/{share['id']}/results", headers=owner.headers)
    assert results.status_code == 200, results.text
    (summary,) = results.json()["abx"]
    assert (summary["runs"], summary["completed"], summary["correct"], summary["trials"]) == (
        1,
        1,
        5,
        8,
    )
    assert summary["p_value"] == pytest.approx(p_value)


async def test_stopping_early_gives_no_p_value_and_order_is_enforced(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, _, share = await shared(client, app, tmp_path)
    async with listener(app) as browser:
        run = (
            await browser.post(
                f"{SHARED}/{share['token']}/abx",
                json={"di": 0, "a": 1, "b": 0, "trials": 8, "feedback": True},
            )
        ).json()
        x_next = run["trial"]["x_url"].replace(run["trial"]["x_url"][-22:], "x" * 22)
        assert (await browser.get(x_next)).status_code == 404  # an unknown handle
        skipped = await _answer(browser, run["id"], 3, "A")
        assert skipped.status_code == 409
        assert skipped.json()["error"] == "wrong_trial"
        first = (await _answer(browser, run["id"], 0, "A")).json()
        assert first["last"]["trial"] == 0
        assert isinstance(first["last"]["correct"], bool)
        assert first["result"] is None
        assert first["answers"] is None
        read = (await browser.get(f"{LISTENING}/{run['id']}")).json()
        assert read["answered"] == 1
        assert read["result"] is None
    results = (await client.get(f"{SHARES}/{share['id']}/results", headers=owner.headers)).json()
    (summary,) = results["abx"]
    assert summary["runs"] == 1
    assert summary["completed"] == 0
    assert summary["p_value"] is None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"di": 0, "a": 0, "b": 0}, 422),
        ({"di": 5, "a": 0, "b": 1}, 422),
        ({"di": 0, "a": 0, "b": 9}, 422),
        ({"di": 0, "a": 0, "b": 1, "trials": 7}, 422),
        ({"di": 0, "a": 0, "b": 1, "trials": 65}, 422),
        ({"di": 0, "a": 0}, 422),
        ({"di": 0, "a": 0, "b": 1, "extra": 1}, 422),
    ],
)
async def test_bad_abx_starts_are_refused(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path, body: dict[str, Any], status: int
) -> None:
    _, _, share = await shared(client, app, tmp_path)
    async with listener(app) as browser:
        response = await browser.post(f"{SHARED}/{share['token']}/abx", json=body)
        assert response.status_code == status, response.text
        assert response.json()["detail"]
