"""'Try the demo': the engine's demo material into the caller's library, then a shootout.

Every file goes through the library's `ingest` (source "demo", with attribution), which finds
an earlier copy by sha256, so a second call reuses the same items and only adds a shootout.
The shootout is the one `toneshootout demo` renders: two DIs × four chains.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.engine.demo.material import (
    DEMO_TITLE,
    LOUDNESS_TARGET_LUFS,
    SEGMENT_SECONDS,
)
from toneshootout.server.db.models.shootout import Shootout
from toneshootout.server.demo.material import ATTRIBUTION, DemoFile
from toneshootout.server.library.ingest import Incoming, ingest
from toneshootout.server.library.kinds import ItemSource
from toneshootout.server.shootout import service as shootouts
from toneshootout.server.storage.base import Storage
from toneshootout.settings import StorageSettings

# (chain name, capture role, cabinet IR role), as in the engine's demo spec.
CHAINS = (
    ("Clean → 4x12", "clean", "cab_4x12"),
    ("Crunch → 4x12", "crunch", "cab_4x12"),
    ("High Gain → 4x12", "high_gain", "cab_4x12"),
    ("High Gain → 1x12", "high_gain", "cab_1x12"),
)
DI_ROLES = ("riff", "arpeggio")


async def _ingest_one(
    session: AsyncSession,
    *,
    storage: Storage,
    limits: StorageSettings,
    owner_id: uuid.UUID,
    file: DemoFile,
) -> uuid.UUID:
    incoming = Incoming(
        path=file.path,
        size=file.size,
        sha256=file.sha256,
        filename=file.filename,
        source=ItemSource.DEMO,
        attribution=ATTRIBUTION,
        move=False,  # the material is shared by every user's ingest
    )
    ingested = await ingest(
        session,
        storage=storage,
        limits=limits,
        owner_id=owner_id,
        kind=file.kind,
        incoming=incoming,
        reuse_duplicate=True,
    )
    return ingested.item.id


def demo_payload(ids: dict[str, uuid.UUID]) -> dict[str, object]:
    """The demo shootout's body, referring to the owner's items by role."""
    return {
        "title": DEMO_TITLE,
        "di_tracks": [str(ids[role]) for role in DI_ROLES],
        "chains": [
            {
                "name": name,
                "blocks": [
                    {"type": "capture", "capture_id": str(ids[capture])},
                    {"type": "ir", "ir_id": str(ids[cab])},
                ],
            }
            for name, capture, cab in CHAINS
        ],
        "settings": {
            "loudness_target_lufs": LOUDNESS_TARGET_LUFS,
            "segment_seconds": SEGMENT_SECONDS,
        },
    }


async def try_demo(
    session: AsyncSession,
    *,
    storage: Storage,
    limits: StorageSettings,
    files: dict[str, DemoFile],
    owner_id: uuid.UUID,
    long_render_s: float,
) -> Shootout:
    """Put the demo material in the owner's library (reusing earlier copies), make a shootout."""
    ids = {
        role: await _ingest_one(
            session, storage=storage, limits=limits, owner_id=owner_id, file=file
        )
        for role, file in files.items()
    }
    view = await shootouts.create_shootout(
        session, owner_id=owner_id, payload=demo_payload(ids), long_render_s=long_render_s
    )
    return view.shootout
