"""A succeeded render's results: one recorded file, the metrics CSV, the bundle's contents.

Only files recorded in `render_outputs` are ever served, each resolved under the render's
published folder (storage refuses keys that escape its root).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.engine.report import metrics_csv
from toneshootout.server.db.models.library_item import LibraryItem
from toneshootout.server.db.models.render import Render, RenderOutput
from toneshootout.server.render import repository
from toneshootout.server.render.bundle import BundleEntry, Credit, attribution_text
from toneshootout.server.render.errors import RenderFileNotFound, RenderNotSucceeded
from toneshootout.server.render.files import bundle_name, download_name
from toneshootout.server.render.snapshot import tone3000_credits
from toneshootout.server.render.states import RenderState
from toneshootout.server.storage.base import Storage, read_bytes
from toneshootout.server.storage.files import StoredFile, stored_file

METRICS_CSV = "metrics/metrics.csv"
ATTRIBUTION = "ATTRIBUTION.txt"
# Labels of the capture facts the library keeps from the file (`file_metadata`).
_CAPTURE_FACTS = (
    ("name", "Name"),
    ("modeled_by", "Author"),
    ("gear_make", "Gear make"),
    ("gear_model", "Gear model"),
)


@dataclass(frozen=True)
class MetricsCsv:
    """The metrics table: the engine's own CSV file, or CSV text made from its JSON."""

    file: StoredFile | None = None
    text: str | None = None


def _require_succeeded(render: Render) -> str:
    if render.state != RenderState.SUCCEEDED or render.output_prefix is None:
        raise RenderNotSucceeded(render.state)
    return render.output_prefix


def output_key(render: Render, output: RenderOutput) -> str:
    """The storage key of one recorded output of a succeeded render."""
    return f"{_require_succeeded(render)}/{output.path}"


async def _stored(storage: Storage, render: Render, output: RenderOutput) -> StoredFile:
    name = download_name(render.title, render.number, output.path)
    found = await stored_file(
        storage, output_key(render, output), media_type=output.media_type, filename=name
    )
    if found is None:
        raise RenderFileNotFound()
    return found


async def output_file(
    session: AsyncSession, *, storage: Storage, render: Render, path: str
) -> tuple[StoredFile, RenderOutput]:
    """One recorded output of a succeeded render, as a download, and its row."""
    _require_succeeded(render)
    output = await repository.output(session, render.id, path)
    if output is None:
        raise RenderFileNotFound()
    return await _stored(storage, render, output), output


async def output_bytes(storage: Storage, render: Render, output: RenderOutput) -> bytes:
    """A small recorded output whole (a manifest, a metrics file)."""
    try:
        return await anyio.to_thread.run_sync(read_bytes, storage, output_key(render, output))
    except FileNotFoundError:
        raise RenderFileNotFound() from None


def _metrics_rows(raw: bytes) -> list[dict[str, Any]]:
    rows = json.loads(raw).get("renders", [])
    return [row for row in rows if isinstance(row, dict)]


async def metrics_table(session: AsyncSession, *, storage: Storage, render: Render) -> MetricsCsv:
    """The metrics CSV: the engine's file when it wrote one, else made from the metrics JSON."""
    _require_succeeded(render)
    outputs = await repository.outputs(session, render.id)
    by_suffix = {Path(o.path).suffix: o for o in outputs if o.role == "metrics"}
    if ".csv" in by_suffix:
        return MetricsCsv(file=await _stored(storage, render, by_suffix[".csv"]))
    if ".json" not in by_suffix:
        raise RenderFileNotFound()
    raw = await output_bytes(storage, render, by_suffix[".json"])
    return MetricsCsv(text=metrics_csv(_metrics_rows(raw)))


def _credit(item_id: str, entry: dict[str, str], item: LibraryItem | None) -> Credit:
    details: list[tuple[str, str]] = []
    metadata = item.item_metadata if item is not None else {}
    file_facts = metadata.get("file_metadata") or {}
    for key, label in _CAPTURE_FACTS:
        if isinstance(file_facts.get(key), str) and file_facts[key]:
            details.append((label, file_facts[key]))
    if isinstance(metadata.get("source"), str):
        details.append(("Source", metadata["source"]))
    if item is None:
        details.append(("Note", "no longer in your library"))
    return Credit(kind=entry["kind"], name=entry["name"], sha256=entry["sha256"], details=details)


async def render_credits(session: AsyncSession, render: Render) -> list[Credit]:
    """Every capture and IR the render used, by name, with what the library knows of each."""
    entries: dict[str, dict[str, str]] = render.snapshot.get("items", {})
    used = {k: v for k, v in entries.items() if v.get("kind") in ("capture", "ir")}
    found = await repository.library_items(session, render.owner_id, {uuid.UUID(k) for k in used})
    items = {str(item.id): item for item in found}
    return [
        _credit(k, v, items.get(k)) for k, v in sorted(used.items(), key=lambda e: e[1]["name"])
    ]


async def bundle_entries(
    session: AsyncSession, *, storage: Storage, render: Render
) -> tuple[str, list[BundleEntry]]:
    """The bundle's name and members: every recorded output, the metrics CSV, ATTRIBUTION."""
    _require_succeeded(render)
    folder = bundle_name(render.title, render.number)
    outputs: Sequence[RenderOutput] = await repository.outputs(session, render.id)
    # Each member is checked before the first byte goes out: a missing one is a 404, not a
    # ZIP cut short (the members are then streamed from the store one after another).
    entries = [
        BundleEntry(f"{folder}/{o.path}", (await _stored(storage, render, o)).size, key=key)
        for o in outputs
        for key in [output_key(render, o)]
    ]
    metrics = {Path(o.path).suffix for o in outputs if o.role == "metrics"}
    if ".json" in metrics and ".csv" not in metrics:
        table = await metrics_table(session, storage=storage, render=render)
        data = (table.text or "").encode()
        entries.append(BundleEntry(f"{folder}/{METRICS_CSV}", len(data), data=data))
    credits = await render_credits(session, render)
    # TONE3000's files are never in a bundle (their licences forbid passing them on): only
    # the outputs above, and whom to credit for them.
    tone3000 = tone3000_credits(render.snapshot)
    text = attribution_text(render.title, render.number, credits, tone3000).encode()
    entries.append(BundleEntry(f"{folder}/{ATTRIBUTION}", len(text), data=text))
    return folder, entries
