"""Capture and IR blocks that name a TONE3000 model instead of a library item."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from toneshootout.server.shootout.checks import (
    ItemFacts,
    check_tone3000_models,
    collect_refs,
    parse_body,
)
from toneshootout.server.shootout.estimate import UNKNOWN_SPEED, estimated_render_seconds
from toneshootout.server.shootout.render_warnings import find_warnings
from toneshootout.server.shootout.schemas import CaptureBlockIn, IrBlockIn, shootout_schema

DI = str(uuid.uuid4())
CAPTURE = str(uuid.uuid4())
IR = str(uuid.uuid4())
AMP = {"tone_id": 4201, "model_id": 90002}
CAB = {"tone_id": 4203, "model_id": 90010}


def _body(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"title": "t", "di_tracks": [DI], "chains": [{"name": "A", "blocks": list(blocks)}]}


def _problems(*blocks: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in parse_body(_body(*blocks))[1]]


def test_tone3000_blocks_parse_and_dump_without_a_library_id() -> None:
    body, problems = parse_body(
        _body({"type": "capture", "tone3000": AMP, "slim": 0.5}, {"type": "ir", "tone3000": CAB})
    )
    assert problems == []
    assert body is not None
    capture, ir = body.chains[0].blocks
    assert isinstance(capture, CaptureBlockIn)
    assert isinstance(ir, IrBlockIn)
    assert (capture.capture_id, ir.ir_id) == (None, None)
    dumped = body.model_dump(mode="json")["chains"][0]["blocks"]
    assert dumped == [
        {"type": "capture", "tone3000": AMP, "slim": 0.5},
        {"type": "ir", "tone3000": CAB, "channel": "mid", "force": False},
    ]


def test_library_blocks_dump_exactly_as_before() -> None:
    body, _ = parse_body(
        _body({"type": "capture", "capture_id": CAPTURE}, {"type": "ir", "ir_id": IR})
    )
    assert body is not None
    assert body.model_dump(mode="json")["chains"][0]["blocks"] == [
        {"type": "capture", "capture_id": CAPTURE, "slim": None},
        {"type": "ir", "ir_id": IR, "channel": "mid", "force": False},
    ]


@pytest.mark.parametrize(
    ("block", "field"),
    [
        ({"type": "capture"}, "capture_id"),
        ({"type": "capture", "capture_id": None, "tone3000": None}, "capture_id"),
        ({"type": "ir"}, "ir_id"),
        ({"type": "ir", "tone3000": None, "channel": "left"}, "ir_id"),
    ],
)
def test_a_block_without_a_file_is_refused_at_its_library_field(
    block: dict[str, Any], field: str
) -> None:
    (problem,) = _problems(block)
    assert problem == (
        f"chains.0.blocks.0.{field}",
        f"give {field} (from your library) or tone3000 (a model on TONE3000)",
    )


@pytest.mark.parametrize(
    ("block", "field"),
    [
        ({"type": "capture", "capture_id": CAPTURE, "tone3000": AMP}, "capture_id"),
        ({"type": "ir", "tone3000": CAB, "ir_id": IR}, "ir_id"),
    ],
)
def test_a_block_with_two_files_is_refused(block: dict[str, Any], field: str) -> None:
    (problem,) = _problems(block)
    assert problem[0] == f"chains.0.blocks.0.{field}"
    assert "not both" in problem[1]


@pytest.mark.parametrize(
    ("ref", "paths"),
    [
        ({"tone_id": "4201", "model_id": 90002}, ["tone3000.tone_id"]),  # strict: no strings
        ({"tone_id": 4201, "model_id": True}, ["tone3000.model_id"]),  # nor booleans
        ({"tone_id": 4201.0, "model_id": 90002}, ["tone3000.tone_id"]),  # nor floats
        ({"tone_id": 0, "model_id": -3}, ["tone3000.tone_id", "tone3000.model_id"]),
        ({"tone_id": 4201}, ["tone3000.model_id"]),
        ({"tone_id": 4201, "model_id": 90002, "url": "x"}, ["tone3000.url"]),
        ("4201/90002", ["tone3000"]),
        ([4201, 90002], ["tone3000"]),
    ],
)
def test_a_malformed_tone3000_ref_is_refused_at_its_field_alone(ref: Any, paths: list[str]) -> None:
    found = [path for path, _ in _problems({"type": "capture", "tone3000": ref})]
    assert found == [f"chains.0.blocks.0.{p}" for p in paths]


def test_collect_refs_leaves_tone3000_blocks_out() -> None:
    raw = _body({"type": "capture", "tone3000": AMP}, {"type": "ir", "ir_id": IR})
    assert [(r.kind, str(r.item_id)) for r in collect_refs(raw)] == [("di_track", DI), ("ir", IR)]


def test_tone3000_blocks_are_not_missing_items_nor_speed_facts() -> None:
    body, _ = parse_body(
        _body({"type": "capture", "tone3000": AMP}, {"type": "ir", "tone3000": CAB})
    )
    assert body is not None
    facts = {uuid.UUID(DI): ItemFacts("di_track", "riff.wav", duration_s=30.0)}
    assert find_warnings(body, facts, long_render_s=3600.0) == []
    library, _ = parse_body(_body({"type": "capture", "capture_id": CAPTURE}))
    assert library is not None
    # Unknown captures (deleted ones, TONE3000 ones before a render) count as a standard A1.
    assert UNKNOWN_SPEED > 0
    assert estimated_render_seconds(body, facts) == estimated_render_seconds(library, facts)


def test_schema_offers_tone3000_beside_the_library_field() -> None:
    items = shootout_schema()["properties"]["chains"]["items"]["properties"]["blocks"]["items"]
    variants = {v["properties"]["type"]["const"]: v for v in items["oneOf"]}
    for kind, field in (("capture", "capture_id"), ("ir", "ir_id")):
        props = variants[kind]["properties"]
        assert variants[kind]["required"] == ["type"]
        ref = next(p for p in props["tone3000"]["anyOf"] if p.get("type") == "object")
        assert ref["required"] == ["tone_id", "model_id"]
        assert ref["properties"]["tone_id"] == {
            "description": "The tone's id on TONE3000",
            "exclusiveMinimum": 0,
            "title": "Tone",
            "type": "integer",
        }
        assert ref["additionalProperties"] is False
        assert "tone3000" in props[field]["description"]


def _many(models: list[int]) -> dict[str, Any]:
    blocks = [{"type": "capture", "tone3000": {"tone_id": 1, "model_id": m}} for m in models]
    chains = [{"name": f"c{i}", "blocks": blocks[i : i + 14]} for i in range(0, len(blocks), 14)]
    return {"title": "t", "di_tracks": [DI], "chains": chains}


def test_a_shootout_uses_at_most_forty_tone3000_models() -> None:
    assert check_tone3000_models(_many([*range(1, 41), 1, 2])) == []  # repeats are free
    (problem,) = check_tone3000_models(_many(list(range(1, 42))))
    assert problem.path == "chains.2.blocks.12.tone3000"  # the 41st different model
    assert problem.message == "a shootout may use at most 40 TONE3000 models"
    assert check_tone3000_models({"chains": [{"blocks": [{"tone3000": "x"}, 7]}, None]}) == []
