"""Pure validation of a shootout body: every problem at once, each at its JSON path.

Pydantic's findings and the library checks are gathered together, so a client sees a wrong
field and a missing capture in the same answer. The library checks walk the *raw* body
leniently, so they still run when other parts of it are malformed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from toneshootout.server.shootout.errors import Problem
from toneshootout.server.shootout.schemas import BLOCK_TYPES, MAX_TONE3000_MODELS, ShootoutIn

KIND_LABELS: Final = {"di_track": "DI track", "capture": "capture", "ir": "IR"}
_WITH_ARTICLE: Final = {"di_track": "a DI track", "capture": "a capture", "ir": "an IR"}
_CAPTURE_FILE_METADATA: Final = ("file_metadata", "metadata")
_TAG_ERRORS: Final = {"union_tag_invalid", "union_tag_not_found"}


@dataclass(frozen=True)
class ItemRef:
    """A library item named by the body: which kind the field expects, and where it is."""

    kind: str
    item_id: uuid.UUID
    path: str


@dataclass(frozen=True)
class ItemFacts:
    """What the checks need to know about one library item the user owns."""

    kind: str
    name: str
    sample_rate: int | None = None
    duration_s: float | None = None
    gear_type: str | None = None
    channels: int | None = None
    architecture: str | None = None
    size_label: str | None = None


def item_facts(kind: str, name: str, metadata: Mapping[str, Any]) -> ItemFacts:
    """Read the facts from a library item's metadata, tolerating absent or odd values."""
    gear = metadata.get("gear_type")
    for section in _CAPTURE_FILE_METADATA:  # the library keeps the .nam's own metadata nested
        nested = metadata.get(section)
        if gear is None and isinstance(nested, Mapping):
            gear = nested.get("gear_type")
    rate = metadata.get("sample_rate")
    duration = metadata.get("duration_s", metadata.get("duration_seconds"))
    channels = metadata.get("channels")
    return ItemFacts(
        kind=kind,
        name=name,
        sample_rate=rate if _is_int(rate) else None,
        duration_s=float(duration) if isinstance(duration, int | float) else None,
        gear_type=gear if isinstance(gear, str) else None,
        channels=channels if _is_int(channels) else None,
        architecture=_text_or_none(metadata.get("architecture")),
        size_label=_text_or_none(metadata.get("size_label")),
    )


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _path(error: ErrorDetails, raw: Mapping[str, Any]) -> str:
    parts: list[str] = []
    loc = error["loc"]
    for i, part in enumerate(loc):
        # Pydantic puts the block's tag in the location of a discriminated union member;
        # the client's JSON has no such level, so leave it out.
        inside_blocks = i >= 2 and loc[i - 2] == "blocks" and isinstance(loc[i - 1], int)
        if inside_blocks and part in BLOCK_TYPES:
            continue
        # A bare DI id is read as `{"di_id": id}`: its problem is at the id the client sent.
        if i == 2 and part == "di_id" and not isinstance(_di_entry(raw, loc[1]), Mapping):
            continue
        parts.append(str(part))
    if error["type"] in _TAG_ERRORS:
        parts.append("type")
    return ".".join(parts) or "(body)"


def parse_body(raw: Mapping[str, Any]) -> tuple[ShootoutIn | None, list[Problem]]:
    """Validate the body's shape; on failure, every pydantic error with its JSON path."""
    try:
        return ShootoutIn.model_validate(raw), []
    except ValidationError as err:
        return None, [Problem(_path(e, raw), e["msg"]) for e in err.errors()]


def _as_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _block_ref(block: Any, path: str) -> ItemRef | None:
    if not isinstance(block, Mapping):
        return None
    for kind, field in (("capture", "capture_id"), ("ir", "ir_id")):
        if block.get("type") == kind:
            item_id = _as_uuid(block.get(field))
            return ItemRef(kind, item_id, f"{path}.{field}") if item_id else None
    return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _di_entry(raw: Mapping[str, Any], index: Any) -> Any:
    entries = _list(raw.get("di_tracks"))
    return entries[index] if isinstance(index, int) and 0 <= index < len(entries) else None


def _di_ids(raw: Mapping[str, Any]) -> list[tuple[int, uuid.UUID, str]]:
    """Each well-formed DI id: its index, and the path of the id (bare, or its `di_id`)."""
    found = []
    for i, value in enumerate(_list(raw.get("di_tracks"))):
        if isinstance(value, Mapping):
            item_id, path = _as_uuid(value.get("di_id")), f"di_tracks.{i}.di_id"
        else:
            item_id, path = _as_uuid(value), f"di_tracks.{i}"
        if item_id is not None:
            found.append((i, item_id, path))
    return found


def collect_refs(raw: Mapping[str, Any]) -> list[ItemRef]:
    """Every well-formed library id in the body, with the kind its field expects."""
    refs = [ItemRef("di_track", item_id, path) for _, item_id, path in _di_ids(raw)]
    for c, chain in enumerate(_list(raw.get("chains"))):
        blocks = chain.get("blocks") if isinstance(chain, Mapping) else None
        for b, block in enumerate(_list(blocks)):
            ref = _block_ref(block, f"chains.{c}.blocks.{b}")
            if ref is not None:
                refs.append(ref)
    return refs


def check_refs(refs: Iterable[ItemRef], items: Mapping[uuid.UUID, ItemFacts]) -> list[Problem]:
    """Each reference must name an item of the user's library, of the kind the field expects."""
    problems = []
    for ref in refs:
        wanted = KIND_LABELS[ref.kind]
        found = items.get(ref.item_id)
        if found is None:
            # Someone else's item reads exactly like a missing one: nothing leaks.
            problems.append(Problem(ref.path, f"no {wanted} with this id in your library"))
        elif found.kind != ref.kind:
            actual = _WITH_ARTICLE.get(found.kind, found.kind)
            message = f"this library item is {actual}, not {_WITH_ARTICLE[ref.kind]}"
            problems.append(Problem(ref.path, message))
    return problems


def check_duplicates(raw: Mapping[str, Any]) -> list[Problem]:
    """Chain names must be unique (they label the outputs), and each DI listed once."""
    problems = []
    seen_di: dict[uuid.UUID, int] = {}
    for i, item_id, path in _di_ids(raw):
        if item_id in seen_di:
            problems.append(Problem(path, f"already listed at di_tracks.{seen_di[item_id]}"))
        else:
            seen_di[item_id] = i
    seen_names: dict[str, int] = {}
    for c, chain in enumerate(_list(raw.get("chains"))):
        name = chain.get("name") if isinstance(chain, Mapping) else None
        if not isinstance(name, str) or not name.strip():
            continue
        key = name.strip().casefold()
        if key in seen_names:
            message = f"chain name {name.strip()!r} is already used by chains.{seen_names[key]}"
            problems.append(Problem(f"chains.{c}.name", message))
        else:
            seen_names[key] = c
    return problems


def check_tone3000_models(raw: Mapping[str, Any]) -> list[Problem]:
    """At most MAX_TONE3000_MODELS different TONE3000 models (each is looked up on submit)."""
    seen: set[Any] = set()
    for c, chain in enumerate(_list(raw.get("chains"))):
        blocks = chain.get("blocks") if isinstance(chain, Mapping) else None
        for b, block in enumerate(_list(blocks)):
            ref = block.get("tone3000") if isinstance(block, Mapping) else None
            model_id = ref.get("model_id") if isinstance(ref, Mapping) else None
            if not isinstance(model_id, int) or isinstance(model_id, bool) or model_id in seen:
                continue
            seen.add(model_id)
            if len(seen) > MAX_TONE3000_MODELS:
                message = f"a shootout may use at most {MAX_TONE3000_MODELS} TONE3000 models"
                return [Problem(f"chains.{c}.blocks.{b}.tone3000", message)]
    return []


def _di_entry_problems(entry: Mapping[str, Any], facts: ItemFacts, path: str) -> list[Problem]:
    problems = []
    region = entry.get("region")
    end_s = region.get("end_s") if isinstance(region, Mapping) else None
    duration = facts.duration_s
    # A malformed end_s is the shape check's to report; only a number can be past the end.
    if isinstance(end_s, int | float) and duration is not None and end_s > duration:
        message = f"the region ends at {end_s:g} s, after the end of this DI ({duration:g} s)"
        problems.append(Problem(f"{path}.region.end_s", message))
    if entry.get("channel") == "right" and facts.channels == 1:
        message = "this DI is mono: it has no right channel (use left or mid)"
        problems.append(Problem(f"{path}.channel", message))
    return problems


def check_di_entries(raw: Mapping[str, Any], items: Mapping[uuid.UUID, ItemFacts]) -> list[Problem]:
    """Each DI's region must lie within it, and a mono DI has no right channel to pick."""
    problems = []
    for i, item_id, _ in _di_ids(raw):
        entry, facts = _di_entry(raw, i), items.get(item_id)
        if isinstance(entry, Mapping) and facts is not None and facts.kind == "di_track":
            problems += _di_entry_problems(entry, facts, f"di_tracks.{i}")
    return problems


def _path_key(problem: Problem) -> tuple[tuple[int, int | str], ...]:
    # isdigit() alone is true for "¹" too, which int() refuses: only ASCII digits are indices.
    return tuple(
        (0, int(p)) if p.isascii() and p.isdigit() else (1, p) for p in problem.path.split(".")
    )


def ordered(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in document order (numeric indices compared as numbers), without repeats."""
    return sorted(dict.fromkeys(problems), key=_path_key)


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply a JSON merge patch (RFC 7396): objects merge, null removes, anything else replaces."""
    if not isinstance(patch, Mapping):
        return patch
    merged = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged
