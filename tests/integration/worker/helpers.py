"""Worker test helpers: users and render rows straight into the database, tiny snapshots."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.conftest import Kit
from toneshootout.server.db.engine import create_sessionmaker
from toneshootout.server.db.models.render import Render, RenderOutput
from toneshootout.server.db.models.user import User
from toneshootout.server.db.session import session_scope
from toneshootout.server.render.events import RenderEvent
from toneshootout.server.render.snapshot import snapshot_sha256
from toneshootout.server.storage.base import read_bytes
from toneshootout.server.storage.local import LocalStorage
from toneshootout.settings import Settings
from toneshootout.worker.context import WorkerContext


@dataclass
class Recorder:
    """An event publisher and job queue that remember what they were given."""

    events: list[RenderEvent] = field(default_factory=list)
    kicks: list[uuid.UUID] = field(default_factory=list)

    async def publish(self, event: RenderEvent) -> None:
        self.events.append(event)

    async def kick(self, render_id: uuid.UUID) -> None:
        self.kicks.append(render_id)

    def states(self, render_id: uuid.UUID) -> list[str]:
        return [e.state for e in self.events if e.render_id == render_id and e.type == "state"]


def build_context(
    settings: Settings, engine: AsyncEngine, recorder: Recorder, **overrides: Any
) -> WorkerContext:
    values: dict[str, Any] = {"storage": LocalStorage(settings.storage_dir)} | overrides
    return WorkerContext(
        settings=settings,
        sessionmaker=create_sessionmaker(engine),
        events=recorder,
        queue=recorder,
        **values,
    )


async def add_user(ctx: WorkerContext) -> uuid.UUID:
    user_id = uuid.uuid4()
    async with session_scope(ctx.sessionmaker) as session:
        session.add(User(id=user_id, email=f"{user_id.hex[:10]}@example.com"))
    return user_id


def _store(ctx: WorkerContext, owner: uuid.UUID, source: Path) -> str:
    key = f"{owner}/library/{uuid.uuid4()}"
    temp = ctx.storage.new_temp_path()
    shutil.copyfile(source, temp)
    ctx.storage.put_file(temp, key)
    return key


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stored_json(ctx: WorkerContext, prefix: str, path: str) -> Any:
    """A recorded output's JSON, read from storage."""
    return json.loads(read_bytes(ctx.storage, f"{prefix}/{path}"))


def stored_names(ctx: WorkerContext, prefix: str) -> list[str]:
    """The keys under `prefix`/, relative to it."""
    return [o.key[len(prefix) + 1 :] for o in ctx.storage.list_prefix(f"{prefix}/")]


def tiny_snapshot(
    ctx: WorkerContext,
    owner: uuid.UUID,
    kit: Kit,
    *,
    di: Path | None = None,
    outputs: tuple[str, ...] = ("wav",),
) -> dict[str, Any]:
    """One short DI × one capture → IR chain, only WAV outputs: a render of about a second."""
    files = {"di": di or kit.dis[1], "capture": kit.captures[0], "ir": kit.irs[0]}
    ids = {role: uuid.uuid4() for role in files}
    items = {
        str(ids[role]): {
            "kind": role,
            "name": f"{role}-{path.name}",
            "storage_key": _store(ctx, owner, path),
            "sha256": sha256_of(path),
        }
        for role, path in files.items()
    }
    shootout = {
        "title": "Worker test",
        "di_tracks": [str(ids["di"])],
        "chains": [
            {
                "name": "Amp",
                "blocks": [
                    {"type": "capture", "capture_id": str(ids["capture"])},
                    {"type": "ir", "ir_id": str(ids["ir"])},
                ],
            }
        ],
        "settings": {"outputs": list(outputs)},
    }
    return {"v": 1, "shootout": shootout, "items": items}


async def add_render(
    ctx: WorkerContext, owner: uuid.UUID, snapshot: dict[str, Any], **values: Any
) -> uuid.UUID:
    render_id = uuid.uuid4()
    async with session_scope(ctx.sessionmaker) as session:
        number = len((await session.scalars(select(Render.id))).all()) + 1
        session.add(
            Render(
                id=render_id,
                owner_id=owner,
                shootout_id=None,
                number=number,
                title="Worker test",
                snapshot=snapshot,
                snapshot_sha256=snapshot_sha256(snapshot),
                max_attempts=values.pop("max_attempts", ctx.settings.render.max_attempts),
                queued_at=values.pop("queued_at", ctx.clock()),
                **values,
            )
        )
    return render_id


async def load(ctx: WorkerContext, render_id: uuid.UUID) -> Render:
    async with ctx.sessionmaker() as session:
        render = await session.get(Render, render_id)
        assert render is not None
        return render


async def outputs_of(ctx: WorkerContext, render_id: uuid.UUID) -> list[RenderOutput]:
    async with ctx.sessionmaker() as session:
        query = select(RenderOutput).where(RenderOutput.render_id == render_id)
        return list((await session.scalars(query)).all())


async def wait_for_state(
    ctx: WorkerContext, render_id: uuid.UUID, states: set[str], timeout: float = 60.0
) -> Render:
    deadline = time.monotonic() + timeout
    while True:
        render = await load(ctx, render_id)
        if render.state in states:
            return render
        if time.monotonic() > deadline:
            raise AssertionError(f"render stayed {render.state!r}, wanted {states}")
        await asyncio.sleep(0.1)
