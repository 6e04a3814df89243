"""What a listening test needs to know about a shared render, and nothing the listener sees.

DI and chain names in the render's order, each (DI, chain) render's file, and per DI the one
length, channel count and level every blind take of it is served at (docs/LISTENING.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import soundfile as sf
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.models.share import Share
from toneshootout.server.render import results
from toneshootout.server.render.errors import RenderFileNotFound
from toneshootout.server.share import service as share_service
from toneshootout.server.storage.base import Storage


@dataclass(frozen=True)
class RenderFacts:
    title: str
    dis: list[str]
    chains: list[str]
    paths: dict[tuple[int, int], str]  # (DI index, chain index) → output path of its render
    loudness: dict[tuple[int, int], float]  # integrated loudness after matching (LUFS)


@dataclass(frozen=True)
class TakeLayout:
    """How every blind take of one DI is served."""

    frames: int
    channels: int
    gain_db: dict[int, float]  # per chain index: down to the quietest chain of the DI


async def render_facts(session: AsyncSession, storage: Storage, share: Share) -> RenderFacts:
    shared = await share_service.shared_render(session, storage=storage, share=share, token="")
    dis = list(shared.dis)
    chains = [chain.name for chain in shared.chains]
    paths = {
        (dis.index(o.di), chains.index(o.chain)): o.path
        for o in shared.outputs
        if o.role == "chain_render" and o.di in dis and o.chain in chains
    }
    return RenderFacts(
        title=shared.title,
        dis=dis,
        chains=chains,
        paths=paths,
        loudness=_loudness(shared.levels, dis, chains),
    )


def _loudness(
    levels: list[dict[str, Any]], dis: list[str], chains: list[str]
) -> dict[tuple[int, int], float]:
    found: dict[tuple[int, int], float] = {}
    for level in levels:
        value = level.get("loudness_after_lufs")
        if (
            level.get("di") in dis
            and level.get("chain") in chains
            and isinstance(value, int | float)
        ):
            found[(dis.index(level["di"]), chains.index(level["chain"]))] = float(value)
    return found


async def local_take(
    session: AsyncSession,
    storage: Storage,
    share: Share,
    facts: RenderFacts,
    *,
    di: int,
    chain: int,
) -> Path:
    render = await share_service.shared_render_row(session, share)
    file, _ = await results.output_file(
        session, storage=storage, render=render, path=facts.paths[(di, chain)]
    )
    # Decoded by the API itself (to level and mask it), so it needs a file it can seek.
    try:
        return await anyio.to_thread.run_sync(storage.cached_copy, file.key)
    except FileNotFoundError:
        raise RenderFileNotFound() from None


async def take_layout(
    session: AsyncSession, storage: Storage, share: Share, facts: RenderFacts, di: int
) -> TakeLayout:
    """One length (the longest), one channel count (the widest), one level (the quietest)."""
    frames, channels = 0, 1
    for chain in range(len(facts.chains)):
        local = await local_take(session, storage, share, facts, di=di, chain=chain)
        info = await anyio.to_thread.run_sync(sf.info, str(local))
        frames, channels = max(frames, int(info.frames)), max(channels, int(info.channels))
    levels = [facts.loudness.get((di, chain)) for chain in range(len(facts.chains))]
    known = [level for level in levels if level is not None]
    quietest = min(known) if known else 0.0
    gains = {
        chain: (quietest - level if level is not None else 0.0)
        for chain, level in enumerate(levels)
    }
    return TakeLayout(frames=frames, channels=min(channels, 2), gain_db=gains)
