"""A render's frozen input: the shootout body plus the facts of each library item it uses.

Built when the render is submitted, so later edits to the shootout (or renames in the library)
never change what a queued render produces; turned into the engine's `Spec` by the worker, with
file paths from storage. The format is versioned (`"v": 1`) because rows outlive code. Its DI
entries are objects (id, channel, region); snapshots written before those existed hold bare ids,
which read as the defaults (mid, whole DI), so both are still version 1.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from toneshootout.engine.spec import Spec, parse_spec
from toneshootout.server.shootout.schemas import ShootoutIn

SNAPSHOT_VERSION: Final = 1


def item_entry(*, kind: str, name: str, storage_key: str, sha256: str) -> dict[str, str]:
    """The facts of one library item a render needs (no owner, no metadata)."""
    return {"kind": kind, "name": name, "storage_key": storage_key, "sha256": sha256}


def build_snapshot(
    body: ShootoutIn, items: Mapping[uuid.UUID, Mapping[str, str]]
) -> dict[str, Any]:
    """The snapshot of `body`; `items` maps every referenced item id to its `item_entry`."""
    return {
        "v": SNAPSHOT_VERSION,
        "shootout": body.model_dump(mode="json"),
        "items": {str(item_id): dict(entry) for item_id, entry in items.items()},
    }


def snapshot_sha256(snapshot: Mapping[str, Any]) -> str:
    """A stable content hash of the snapshot (canonical JSON)."""
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def unique_names(names: list[str], limit: int = 80) -> list[str]:
    """Display names made unique for the engine (two DIs may share a file name)."""
    seen: set[str] = set()
    result = []
    for name in names:
        candidate, n = name[:limit], 2
        while candidate in seen:
            suffix = f" ({n})"
            candidate, n = name[: limit - len(suffix)] + suffix, n + 1
        seen.add(candidate)
        result.append(candidate)
    return result


def _engine_block(block: Mapping[str, Any], path_of: Callable[[str], Path]) -> dict[str, Any]:
    if block["type"] == "capture":
        out = {k: v for k, v in block.items() if k != "capture_id"}
        return out | {"path": str(path_of(str(block["capture_id"])))}
    if block["type"] == "ir":
        out = {k: v for k, v in block.items() if k != "ir_id"}
        return out | {"path": str(path_of(str(block["ir_id"])))}
    return dict(block)


def to_engine_spec(snapshot: Mapping[str, Any], file_of: Callable[[str], Path]) -> Spec:
    """The engine spec for a snapshot; `file_of(storage_key)` gives each item's local file."""
    if snapshot.get("v") != SNAPSHOT_VERSION:
        raise ValueError(f"unsupported render snapshot version {snapshot.get('v')!r}")
    body = ShootoutIn.model_validate(snapshot["shootout"])
    items: Mapping[str, Mapping[str, str]] = snapshot["items"]

    def path_of(item_id: str) -> Path:
        return file_of(items[item_id]["storage_key"])

    shootout = body.model_dump(mode="json")
    dis = shootout["di_tracks"]  # always objects here, even from a snapshot of bare ids
    names = unique_names([items[d["di_id"]]["name"] for d in dis])
    spec = {
        "title": body.title,
        "settings": shootout["settings"],
        "di": [
            {
                "name": name,
                "path": str(path_of(d["di_id"])),
                "channel": d["channel"],
                "region": d["region"],
            }
            for name, d in zip(names, dis, strict=True)
        ],
        "chain": [
            {"name": c["name"], "blocks": [_engine_block(b, path_of) for b in c["blocks"]]}
            for c in shootout["chains"]
        ],
    }
    return parse_spec(spec, source="render snapshot")
