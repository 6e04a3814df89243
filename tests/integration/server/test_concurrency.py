"""REQ-33: 200 parallel requests, reads and writes mixed, on each database.

Every request must succeed, get a session of its own, and leave no sign in the logs or warnings
of a session shared across tasks (IllegalStateChangeError), a lazy load outside the greenlet
(MissingGreenlet) or a driver connection used by two tasks at once (asyncpg's "another
operation is in progress").
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.server.shootout.helpers import (
    SHOOTOUTS,
    Account,
    Library,
    add_item,
    register_and_login,
    shootout_body,
)
from toneshootout.server.state import Services

PARALLEL = 200
FORBIDDEN = (
    "IllegalStateChangeError",
    "MissingGreenlet",
    "another operation is in progress",
    "non-checked-in connection",  # a session dropped without being closed
)


class RecordingSessionmaker:
    """Wraps the app's sessionmaker and keeps every session it hands out."""

    def __init__(self, inner: async_sessionmaker[AsyncSession]) -> None:
        self.inner = inner
        self.sessions: list[AsyncSession] = []

    def __call__(self, **kwargs: Any) -> AsyncSession:
        session = self.inner(**kwargs)
        self.sessions.append(session)
        return session


def _record_sessions(app: FastAPI) -> RecordingSessionmaker:
    services = app.state.services
    assert isinstance(services, Services)
    recorder = RecordingSessionmaker(services.sessionmaker)
    as_maker = cast(async_sessionmaker[AsyncSession], recorder)  # called the same way
    app.state.services = dataclasses.replace(services, sessionmaker=as_maker)
    return recorder


@dataclasses.dataclass(frozen=True)
class Player:
    account: Account
    body: dict[str, Any]
    shootout_ids: list[str]


async def _library(app: FastAPI, owner: Account) -> Library:
    """A library whose DI track carries the full metadata the list route renders."""
    di = {"channels": 1, "peak_dbfs": -6.0, "integrated_lufs": -20.0}
    return Library(
        di=await add_item(app, owner, "di_track", sample_rate=48000, duration_s=20.0, **di),
        amp=await add_item(
            app, owner, "capture", sample_rate=48000, file_metadata={"gear_type": "amp"}
        ),
        combo=await add_item(
            app, owner, "capture", sample_rate=48000, file_metadata={"gear_type": "amp_cab"}
        ),
        ir=await add_item(app, owner, "ir", sample_rate=48000, length_ms=200.0, channels=1),
    )


async def _player(client: httpx.AsyncClient, app: FastAPI) -> Player:
    account = await register_and_login(client)
    body = shootout_body(await _library(app, account))
    ids = []
    for _ in range(2):
        created = await client.post(SHOOTOUTS, json=body, headers=account.headers)
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    return Player(account, body, ids)


Call = Callable[[], Awaitable[httpx.Response]]


def _mixed_calls(client: httpx.AsyncClient, players: list[Player]) -> list[Call]:
    """PARALLEL calls cycling through list, read, create, patch and /me for each player."""

    def calls_for(player: Player, n: int) -> list[Call]:
        headers = player.account.headers
        shootout = f"{SHOOTOUTS}/{player.shootout_ids[n % 2]}"
        return [
            lambda: client.get("/api/v1/di-tracks", headers=headers),
            lambda: client.get(shootout, headers=headers),
            lambda: client.post(SHOOTOUTS, json=player.body, headers=headers),
            lambda: client.patch(shootout, json={"title": f"take {n}"}, headers=headers),
            lambda: client.get("/api/v1/me", headers=headers),
            lambda: client.get(SHOOTOUTS, headers=headers),
        ]

    rounds = (calls_for(player, n) for n, player in enumerate(itertools.cycle(players)))
    return list(itertools.islice(itertools.chain.from_iterable(rounds), PARALLEL))


async def test_parallel_requests_all_succeed_with_a_session_each(
    client: httpx.AsyncClient,
    app: FastAPI,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    recwarn: pytest.WarningsRecorder,
) -> None:
    players = [await _player(client, app) for _ in range(3)]
    calls = _mixed_calls(client, players)
    caplog.set_level(logging.INFO)
    recorder = _record_sessions(app)

    responses = await asyncio.gather(*(call() for call in calls))

    failures = [(r.request.method, r.url.path, r.status_code, r.text[:200]) for r in responses]
    failures = [f for f in failures if f[2] not in (200, 201)]
    assert failures == []
    assert len(recorder.sessions) == PARALLEL  # one session per request, none shared
    assert len({id(s) for s in recorder.sessions}) == PARALLEL
    seen = caplog.text + capsys.readouterr().err + "".join(str(w.message) for w in recwarn)
    assert [word for word in FORBIDDEN if word in seen] == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
