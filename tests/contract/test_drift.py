"""The drift comparison itself (runs everywhere; only the live test needs the network)."""

from __future__ import annotations

from tests.contract.drift import compare, compare_nested, json_type, read_fields
from toneshootout.tone3000.wire import EmbeddedUser, Tone

READS = read_fields(Tone)


def test_json_types() -> None:
    values: list[object] = [None, True, 1, 1.5, "x", [], {}]
    assert [json_type(v) for v in values] == [
        "null", "boolean", "number", "number", "string", "array", "object",
    ]  # fmt: skip


def test_a_field_we_read_missing_on_the_real_side_is_drift() -> None:
    drift = compare("tone", {"id": 1}, {"id": 1, "title": "t", "links": []}, READS)
    assert drift.missing == ["tone.title: missing"]
    assert drift.notes == ["tone.links: missing"]  # the fake has it, but we never read it


def test_new_fields_and_changed_types_are_notes() -> None:
    drift = compare(
        "tone", {"id": "1", "title": None, "hologram": {}}, {"id": 1, "title": "t"}, READS
    )
    assert drift.missing == []
    assert drift.notes == [
        "tone.hologram: not in the fake (object)",
        "tone.id: string here, number in the fake",
    ]  # null against a value is no drift: both are allowed


def test_nested_objects_and_first_items_are_compared() -> None:
    drift = compare_nested(
        "tone",
        {"id": 1, "title": "t", "user": {"id": "u"}, "tags": [{"name": "x", "extra": 1}]},
        {"id": 1, "title": "t", "user": {"id": "u", "username": "n"}, "tags": [{"name": "x"}]},
        READS,
        {"user": read_fields(EmbeddedUser), "tags": frozenset({"name"})},
    )
    assert drift.missing == ["tone.user.username: missing"]
    assert drift.notes == ["tone.tags.extra: not in the fake (number)"]
