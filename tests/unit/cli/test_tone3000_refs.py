"""Finding TONE3000 blocks in a spec mapping, before anything is fetched."""

from __future__ import annotations

from typing import Any

import pytest

from toneshootout.cli.tone3000.refs import PENDING, find_refs, hold_places
from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.spec import parse_spec


def _spec(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {
        "di": [{"name": "Riff", "path": "riff.wav"}],
        "chain": [
            {"name": "A", "blocks": [{"type": "gain", "gain_db": 1.0}, *blocks]},
            {"name": "B", "blocks": [{"type": "capture", "path": "local.nam"}]},
        ],
    }


def test_refs_are_found_with_where_they_are() -> None:
    data = _spec(
        {"type": "capture", "tone3000": {"tone_id": 4201, "model_id": 90001}, "slim": 0.5},
        {"type": "ir", "tone3000": {"tone_id": 4203}},
    )
    capture, ir = find_refs(data, "spec.toml")
    assert (capture.where, capture.kind, capture.tone_id, capture.model_id) == (
        "chain.0.blocks.1",
        "capture",
        4201,
        90001,
    )
    assert (ir.where, ir.kind, ir.model_id) == ("chain.0.blocks.2", "ir", None)
    assert capture.label == "chain 'A' block 2 (TONE3000 tone 4201)"


def test_placeholders_let_the_engine_check_the_rest_of_the_spec() -> None:
    data = _spec({"type": "capture", "tone3000": {"tone_id": 1}, "slim": 0.5})
    refs = find_refs(data, "spec.toml")
    hold_places(refs)
    assert refs[0].block == {"type": "capture", "path": PENDING, "slim": 0.5}
    parse_spec(data, "spec.toml")  # valid once the block has a path


def test_a_spec_without_refs_or_with_odd_shapes_has_none() -> None:
    assert find_refs(_spec(), "s") == []
    assert find_refs({"chain": "nope"}, "s") == []
    assert find_refs({"chain": [1, {"blocks": 2}, {"blocks": [3, "x"]}]}, "s") == []


@pytest.mark.parametrize(
    ("block", "reason"),
    [
        ({"type": "gain", "tone3000": {"tone_id": 1}}, "only capture and ir blocks"),
        ({"tone3000": {"tone_id": 1}}, "only capture and ir blocks"),
        ({"type": "ir", "path": "x.wav", "tone3000": {"tone_id": 1}}, "either path or tone3000"),
        ({"type": "ir", "tone3000": [1]}, "expected { tone_id"),
        ({"type": "ir", "tone3000": {"tone_id": True}}, "tone3000.tone_id"),
        ({"type": "ir", "tone3000": {"tone_id": 1.5}}, "tone3000.tone_id"),
        ({"type": "ir", "tone3000": {"tone_id": -1}}, "greater than 0"),
        ({"type": "ir", "tone3000": {"tone_id": 1, "model_id": 0}}, "tone3000.model_id"),
        ({"type": "ir", "tone3000": {}}, "tone3000.tone_id: Field required"),
        ({"type": "ir", "tone3000": {"tone_id": 1, "url": "x"}}, "tone3000.url: Extra inputs"),
    ],
)
def test_a_bad_block_names_its_field(block: dict[str, Any], reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        find_refs(_spec(block), "spec.toml")
    assert caught.value.source == "spec.toml"
    assert caught.value.reason.startswith("chain.0.blocks.1")
    assert reason in caught.value.reason
