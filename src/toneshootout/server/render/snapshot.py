"""A render's frozen input: the shootout body plus the facts of each library item it uses.

Built when the render is submitted, so later edits to the shootout (or renames in the library)
never change what a queued render produces; turned into the engine's `Spec` by the worker, with
file paths from storage. The format is versioned (`"v": 1`) because rows outlive code. Its DI
entries are objects (id, channel, region); snapshots written before those existed hold bare ids,
which read as the defaults (mid, whole DI), so both are still version 1.

Blocks may name a TONE3000 model instead of a library item. Such a snapshot has a `tone3000`
key: per model id, whom to credit (`tone3000.attribution.Credit`, frozen at submit) and the
`model_url` the worker downloads it from with the owner's sign-in. Snapshots without TONE3000
blocks have no such key, exactly as before, so it is still version 1 (an older worker refuses
such a snapshot as invalid input: its blocks lack a library id).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from toneshootout.engine.spec import Spec, parse_spec
from toneshootout.server.shootout.schemas import ShootoutIn
from toneshootout.tone3000.attribution import Credit

SNAPSHOT_VERSION: Final = 1
TONE3000_KEY: Final = "tone3000"


def item_entry(*, kind: str, name: str, storage_key: str, sha256: str) -> dict[str, str]:
    """The facts of one library item a render needs (no owner, no metadata)."""
    return {"kind": kind, "name": name, "storage_key": storage_key, "sha256": sha256}


@dataclass(frozen=True)
class FrozenModel:
    """A TONE3000 model as a render's snapshot holds it: whom to credit, where its file is."""

    credit: Credit
    model_url: str

    def entry(self) -> dict[str, Any]:
        return {"model_url": self.model_url, "credit": self.credit.model_dump(mode="json")}


def build_snapshot(
    body: ShootoutIn,
    items: Mapping[uuid.UUID, Mapping[str, str]],
    tone3000: Mapping[int, FrozenModel] | None = None,
) -> dict[str, Any]:
    """The snapshot of `body`; `items` maps every referenced item id to its `item_entry`,
    `tone3000` every TONE3000 model id of its blocks to what was looked up at submit."""
    snapshot = {
        "v": SNAPSHOT_VERSION,
        "shootout": body.model_dump(mode="json"),
        "items": {str(item_id): dict(entry) for item_id, entry in items.items()},
    }
    if tone3000:
        snapshot[TONE3000_KEY] = {str(i): model.entry() for i, model in sorted(tone3000.items())}
    return snapshot


def frozen_models(snapshot: Mapping[str, Any]) -> dict[int, FrozenModel]:
    """The snapshot's TONE3000 models by model id ({} for a snapshot without any).

    ValueError for an entry that does not read: a render must not run on half its facts.
    """
    found: dict[int, FrozenModel] = {}
    raw = snapshot.get(TONE3000_KEY) or {}
    if not isinstance(raw, Mapping):
        raise ValueError("the snapshot's TONE3000 models do not read")
    for key, entry in raw.items():
        try:
            model = FrozenModel(Credit.model_validate(entry["credit"]), str(entry["model_url"]))
        except (KeyError, TypeError, ValidationError) as err:
            raise ValueError(f"the snapshot's TONE3000 model {key} does not read") from err
        found[model.credit.model_id] = model
    return found


def model_file_name(credit: Credit) -> str:
    """The local file name of a TONE3000 model (what a render's manifest calls it)."""
    return f"{credit.model_id}.{'nam' if credit.kind == 'capture' else 'wav'}"


def tone3000_credits(snapshot: Mapping[str, Any]) -> list[Credit]:
    """Whom to credit for the TONE3000 models a render used, in the order of their ids;
    [] for a snapshot without any (or one that does not read: credits never fail a page)."""
    try:
        return [model.credit for model in frozen_models(snapshot).values()]
    except ValueError:
        return []


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


_LIBRARY_FIELDS: Final = {"capture": "capture_id", "ir": "ir_id"}


def _no_tone3000_files(model_id: int) -> Path:
    raise ValueError(f"TONE3000 model {model_id} has no local file (the worker downloads it)")


@dataclass(frozen=True)
class _Files:
    """Where a snapshot's files are, and what people call them."""

    path_of: Callable[[str], Path]  # library item id → local file
    label_of: Callable[[str], str]  # library item id → its name in the library
    model_path_of: Callable[[int], Path]  # TONE3000 model id → local file
    model_label_of: Callable[[int], str]  # TONE3000 model id → its name there


def _engine_block(block: Mapping[str, Any], files: _Files) -> dict[str, Any]:
    field = _LIBRARY_FIELDS.get(block["type"])
    if field is None:
        return dict(block)
    out = {k: v for k, v in block.items() if k not in (field, "tone3000")}
    ref = block.get("tone3000")
    if ref:
        model_id = int(ref["model_id"])
        path, label = files.model_path_of(model_id), files.model_label_of(model_id)
    else:
        path, label = files.path_of(str(block[field])), files.label_of(str(block[field]))
    # Files are stored under keys, not names: the label is what the video shows instead.
    return out | {"path": str(path), "label": label[:120] or None}


def to_engine_spec(
    snapshot: Mapping[str, Any],
    file_of: Callable[[str], Path],
    tone3000_file_of: Callable[[int], Path] = _no_tone3000_files,
) -> Spec:
    """The engine spec for a snapshot; `file_of(storage_key)` gives each item's local file,
    `tone3000_file_of(model_id)` each TONE3000 model's (downloaded by the worker)."""
    if snapshot.get("v") != SNAPSHOT_VERSION:
        raise ValueError(f"unsupported render snapshot version {snapshot.get('v')!r}")
    body = ShootoutIn.model_validate(snapshot["shootout"])
    items: Mapping[str, Mapping[str, str]] = snapshot["items"]

    models = frozen_models(snapshot)

    def model_label(model_id: int) -> str:
        found = models.get(model_id)
        return "" if found is None else found.credit.title

    files = _Files(
        path_of=lambda item_id: file_of(items[item_id]["storage_key"]),
        label_of=lambda item_id: str(items[item_id].get("name") or ""),
        model_path_of=tone3000_file_of,
        model_label_of=model_label,
    )

    shootout = body.model_dump(mode="json")
    dis = shootout["di_tracks"]  # always objects here, even from a snapshot of bare ids
    names = unique_names([items[d["di_id"]]["name"] for d in dis])
    spec = {
        "title": body.title,
        "settings": shootout["settings"],
        "di": [
            {
                "name": name,
                "path": str(files.path_of(d["di_id"])),
                "channel": d["channel"],
                "region": d["region"],
            }
            for name, d in zip(names, dis, strict=True)
        ],
        "chain": [
            {
                "name": c["name"],
                "blocks": [_engine_block(b, files) for b in c["blocks"]],
            }
            for c in shootout["chains"]
        ],
    }
    return parse_spec(spec, source="render snapshot")
