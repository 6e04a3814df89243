"""Warnings about valid shootouts: double cab, sample rates, long renders, deleted items."""

from __future__ import annotations

import uuid
from typing import Any

from toneshootout.server.shootout.checks import ItemFacts
from toneshootout.server.shootout.render_warnings import find_warnings
from toneshootout.server.shootout.schemas import ShootoutIn

DI = uuid.uuid4()
AMP_CAB = uuid.uuid4()
AMP = uuid.uuid4()
IR = uuid.uuid4()
FACTS = {
    DI: ItemFacts("di_track", "riff.wav", sample_rate=48000, duration_s=30.0),
    AMP_CAB: ItemFacts("capture", "combo.nam", sample_rate=48000, gear_type="amp_cab"),
    AMP: ItemFacts("capture", "head.nam", sample_rate=48000, gear_type="amp"),
    IR: ItemFacts("ir", "4x12.wav", sample_rate=48000),
}


def _capture(item: uuid.UUID) -> dict[str, Any]:
    return {"type": "capture", "capture_id": str(item)}


def _ir(force: bool = False) -> dict[str, Any]:
    return {"type": "ir", "ir_id": str(IR), "force": force}


def _warnings(
    chains: list[list[dict[str, Any]]],
    facts: dict[uuid.UUID, ItemFacts] = FACTS,
    long_render_s: float = 3600.0,
) -> list[tuple[str, str]]:
    body = ShootoutIn.model_validate(
        {
            "title": "t",
            "di_tracks": [str(DI)],
            "chains": [{"name": f"c{i}", "blocks": blocks} for i, blocks in enumerate(chains)],
        }
    )
    return [(w.code, w.path) for w in find_warnings(body, facts, long_render_s=long_render_s)]


def test_find_warnings_is_empty_for_an_ordinary_shootout() -> None:
    assert _warnings([[_capture(AMP), _ir()], [_capture(AMP_CAB)]]) == []


def test_find_warnings_flags_an_ir_after_an_amp_cab_capture() -> None:
    chains = [[_capture(AMP_CAB), {"type": "gain"}, _ir()], [_capture(AMP), _ir()]]
    assert _warnings(chains) == [("double_cab", "chains.0.blocks.2")]


def test_find_warnings_accepts_a_forced_ir_or_a_later_plain_amp() -> None:
    assert _warnings([[_capture(AMP_CAB), _ir(force=True)]]) == []
    assert _warnings([[_capture(AMP_CAB), _capture(AMP), _ir()]]) == []


def test_find_warnings_flags_mixed_capture_rates_and_a_di_at_another_rate() -> None:
    facts = FACTS | {
        AMP: ItemFacts("capture", "head.nam", sample_rate=44100),
        DI: ItemFacts("di_track", "riff.wav", sample_rate=96000, duration_s=30.0),
    }
    assert _warnings([[_capture(AMP)], [_capture(AMP_CAB)]], facts) == [
        ("capture_rates_differ", "chains"),
        ("di_rate_differs", "di_tracks.0"),
    ]


def test_find_warnings_flags_di_seconds_times_chains_over_the_threshold() -> None:
    chains = [[_capture(AMP)], [_capture(AMP_CAB)]]
    assert _warnings(chains, long_render_s=60.0) == []
    assert _warnings(chains, long_render_s=59.0) == [("long_render", "di_tracks")]


def test_find_warnings_names_items_deleted_from_the_library() -> None:
    facts = {k: v for k, v in FACTS.items() if k != IR}
    assert _warnings([[_capture(AMP), _ir()]], facts) == [
        ("missing_item", "chains.0.blocks.1.ir_id")
    ]
