"""The public view's scrubbing: input file names in warnings become library names."""

from __future__ import annotations

from toneshootout.server.share.shared_view import (
    UNNAMED_INPUT,
    chains,
    input_names,
    scrub_warnings,
    snapshot_names,
)

ITEM_IR = "11111111-1111-1111-1111-111111111111"
ITEM_CAPTURE = "22222222-2222-2222-2222-222222222222"
ITEM_DI = "33333333-3333-3333-3333-333333333333"
OWNER = "44444444-4444-4444-4444-444444444444"
SNAPSHOT = {
    "v": 1,
    "shootout": {
        "di_tracks": [{"di_id": ITEM_DI}, ITEM_DI],
        "chains": [
            {
                "name": "Amp + cab",
                "blocks": [
                    {"type": "capture", "capture_id": ITEM_CAPTURE},
                    {"type": "ir", "ir_id": ITEM_IR},
                    {"type": "gain", "gain_db": 3.0},
                ],
            }
        ],
    },
    "items": {
        ITEM_IR: {"kind": "ir", "name": "V30 4x12", "storage_key": f"{OWNER}/{ITEM_IR}.wav"},
        ITEM_CAPTURE: {
            "kind": "capture",
            "name": "Plexi",
            "storage_key": f"{OWNER}/{ITEM_CAPTURE}.nam",
        },
        ITEM_DI: {"kind": "di", "name": "riff", "storage_key": f"{OWNER}/{ITEM_DI}.wav"},
    },
}
MANIFEST = {
    "inputs": {
        "chains": [
            {
                "name": "Amp + cab",
                "blocks": [
                    {
                        "type": "capture",
                        "file": f"{ITEM_CAPTURE}.nam",
                        "sha256": "c" * 64,
                        "architecture": "LSTM",
                        "name": "Plexi from file",
                    },
                    {"type": "ir", "file": f"{ITEM_IR}.wav", "sha256": "i" * 64},
                    {"type": "gain", "gain_db": 3.0},
                ],
            }
        ]
    },
    "attribution": [
        {
            "sha256": "c" * 64,
            "file": f"{ITEM_CAPTURE}.nam",
            "gear_make": "Marshall",
            "gear_model": "1959",
            "modeled_by": "Someone",
        }
    ],
    "extra": {"file": "orphan-1234.wav"},
}


def test_warnings_name_inputs_by_their_library_names() -> None:
    warnings = [
        f"Amp + cab: IR {ITEM_IR}.wav follows a capture that already includes a cabinet",
        f"Amp + cab: {ITEM_CAPTURE}.nam runs at 44100 Hz",
        "orphan-1234.wav was odd",
        7,
    ]
    scrubbed = scrub_warnings(warnings, MANIFEST, input_names(SNAPSHOT))
    assert scrubbed == [
        "Amp + cab: IR V30 4x12 follows a capture that already includes a cabinet",
        "Amp + cab: Plexi runs at 44100 Hz",
        f"{UNNAMED_INPUT} was odd",
    ]
    assert not any(ITEM_IR in w or ITEM_CAPTURE in w or OWNER in w for w in scrubbed)


def test_chain_blocks_carry_names_and_gear_but_no_files_or_hashes() -> None:
    (chain,) = chains(MANIFEST, SNAPSHOT)
    dumped = chain.model_dump()
    assert dumped == {
        "name": "Amp + cab",
        "blocks": [
            {
                "type": "capture",
                "name": "Plexi",
                "source": None,
                "architecture": "LSTM",
                "gear_make": "Marshall",
                "gear_model": "1959",
                "modeled_by": "Someone",
            },
            {
                "type": "ir",
                "name": "V30 4x12",
                "source": None,
                "architecture": None,
                "gear_make": None,
                "gear_model": None,
                "modeled_by": None,
            },
            {
                "type": "gain",
                "name": None,
                "source": None,
                "architecture": None,
                "gear_make": None,
                "gear_model": None,
                "modeled_by": None,
            },
        ],
    }


def test_snapshot_names_match_the_engines_unique_di_names() -> None:
    assert snapshot_names(SNAPSHOT) == (["riff", "riff (2)"], ["Amp + cab"])
