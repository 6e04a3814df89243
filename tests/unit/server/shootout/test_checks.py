"""Body validation without a database: paths, lenient reference collection, merge patch."""

from __future__ import annotations

import json
import uuid
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from toneshootout.server.shootout.checks import (
    ItemFacts,
    ItemRef,
    check_duplicates,
    check_refs,
    collect_refs,
    item_facts,
    merge_patch,
    ordered,
    parse_body,
)
from toneshootout.server.shootout.errors import Problem
from toneshootout.server.shootout.schemas import ShootoutIn, request_body_doc
from toneshootout.server.shootout.service import copy_title

DI = str(uuid.uuid4())
CAPTURE = str(uuid.uuid4())


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Plexi vs JCM",
        "di_tracks": [DI],
        "chains": [{"name": "A", "blocks": [{"type": "capture", "capture_id": CAPTURE}]}],
    }
    return body | changes


def _paths(raw: dict[str, Any]) -> list[str]:
    return [p.path for p in parse_body(raw)[1]]


def test_parse_body_fills_engine_defaults_when_valid() -> None:
    body, problems = parse_body(_body())
    assert problems == []
    assert body is not None
    assert body.settings.loudness_target_lufs == -18.0
    assert body.chains[0].blocks[0].type == "capture"


def test_parse_body_paths_leave_out_the_block_tag() -> None:
    chains = [
        {"name": "A", "blocks": [{"type": "gain", "gain_db": 99}]},
        {"name": "B", "blocks": [{"type": "capture"}, {"type": "ir", "ir_id": "x", "oops": 1}]},
    ]
    assert _paths(_body(chains=chains)) == [
        "chains.0.blocks.0.gain_db",
        "chains.1.blocks.0.capture_id",
        "chains.1.blocks.1.ir_id",
        "chains.1.blocks.1.oops",
    ]


def test_parse_body_points_unknown_block_types_at_type() -> None:
    chains = [{"name": "A", "blocks": [{"type": "eq"}, {"gain_db": 1}]}]
    assert _paths(_body(chains=chains)) == ["chains.0.blocks.0.type", "chains.0.blocks.1.type"]


def test_parse_body_refuses_non_finite_numbers_and_unknown_fields() -> None:
    raw = _body(settings={"loudness_target_lufs": float("nan")}, owner_id="me")
    assert _paths(raw) == ["settings.loudness_target_lufs", "owner_id"]


def test_parse_body_requires_a_di_and_a_chain() -> None:
    assert _paths(_body(di_tracks=[], chains=[])) == ["di_tracks", "chains"]


def test_collect_refs_skips_malformed_parts_but_keeps_good_ids() -> None:
    raw = {
        "di_tracks": [DI, "not-a-uuid", 7],
        "chains": [
            "junk",
            {"blocks": [{"type": "capture", "capture_id": CAPTURE}, {"type": "ir"}, None]},
            {"blocks": "junk"},
        ],
    }
    assert collect_refs(raw) == [
        ItemRef("di_track", uuid.UUID(DI), "di_tracks.0"),
        ItemRef("capture", uuid.UUID(CAPTURE), "chains.1.blocks.0.capture_id"),
    ]


def test_check_refs_reports_missing_and_wrong_kind() -> None:
    refs = [
        ItemRef("di_track", uuid.UUID(DI), "di_tracks.0"),
        ItemRef("capture", uuid.UUID(CAPTURE), "chains.0.blocks.0.capture_id"),
    ]
    items = {uuid.UUID(CAPTURE): ItemFacts(kind="ir", name="cab.wav")}
    assert check_refs(refs, items) == [
        Problem("di_tracks.0", "no DI track with this id in your library"),
        Problem("chains.0.blocks.0.capture_id", "this library item is an IR, not a capture"),
    ]


def test_check_duplicates_finds_repeated_chain_names_and_dis() -> None:
    chains = [{"name": "Plexi"}, {"name": "JCM"}, {"name": " plexi "}]
    problems = check_duplicates({"di_tracks": [DI, DI], "chains": chains})
    assert [p.path for p in problems] == ["di_tracks.1", "chains.2.name"]
    assert "chains.0" in problems[1].message


def test_ordered_sorts_indices_numerically_and_drops_repeats() -> None:
    problems = [Problem("chains.10.name", "x"), Problem("chains.2.name", "x")]
    problems += [Problem("chains.2.name", "x"), Problem("di_tracks", "y")]
    assert [p.path for p in ordered(problems)] == ["chains.2.name", "chains.10.name", "di_tracks"]


def test_item_facts_reads_nested_capture_metadata() -> None:
    facts = item_facts(
        "capture", "amp.nam", {"sample_rate": 48000, "file_metadata": {"gear_type": "amp_cab"}}
    )
    assert facts == ItemFacts("capture", "amp.nam", 48000, None, "amp_cab")


def test_item_facts_ignores_values_of_the_wrong_type() -> None:
    facts = item_facts("di_track", "di.wav", {"sample_rate": "48k", "duration_s": True})
    assert facts.sample_rate is None


def test_copy_title_stays_within_the_limit() -> None:
    assert copy_title("Plexi") == "Plexi (copy)"
    long = copy_title("x" * 80)
    assert len(long) == 80
    assert long.endswith(" (copy)")


json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=5)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)
json_objects = st.dictionaries(st.text(max_size=3), json_values, max_size=4)


@given(json_objects)
def test_merge_patch_with_empty_patch_keeps_the_target(target: dict[str, Any]) -> None:
    assert merge_patch(target, {}) == target


@given(json_objects, json_objects)
def test_merge_patch_sets_every_non_null_non_object_value(
    target: dict[str, Any], patch: dict[str, Any]
) -> None:
    merged = merge_patch(target, patch)
    for key, value in patch.items():
        if value is None:
            assert key not in merged
        elif not isinstance(value, dict):
            assert merged[key] == value
    for key in target.keys() - patch.keys():
        assert merged[key] == target[key]


def test_merge_patch_merges_nested_objects() -> None:
    target = {"title": "A", "settings": {"crossfade_ms": 5.0, "gap_seconds": 1.0}}
    patch = {"settings": {"crossfade_ms": 20.0, "gap_seconds": None}}
    assert merge_patch(target, patch) == {"title": "A", "settings": {"crossfade_ms": 20.0}}


def test_request_body_doc_is_self_contained() -> None:
    doc = request_body_doc(ShootoutIn)
    text = json.dumps(doc)
    assert "$ref" not in text
    assert "$defs" not in text
    schema = doc["requestBody"]["content"]["application/json"]["schema"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"title", "di_tracks", "chains"}


def test_ordered_takes_only_ascii_digits_as_indices() -> None:
    problems = [Problem("settings.¹", "x"), Problem("settings.2", "y")]
    assert [p.path for p in ordered(problems)] == ["settings.2", "settings.¹"]
