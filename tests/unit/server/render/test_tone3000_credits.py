"""TONE3000 credits as the render and share APIs show them: safe links, names for blocks and
for the files a manifest's warnings mention."""

from __future__ import annotations

from typing import Any

import pytest

from toneshootout.server.render.credits import tone3000_credits_out, web_link
from toneshootout.server.share.shared_view import chains, input_names, scrub_warnings

CREDIT: dict[str, Any] = {
    "kind": "capture",
    "tone_id": 4201,
    "model_id": 90002,
    "tone_title": "Plexi Lead 100W",
    "model_name": "Gain 7 - SM57",
    "creator": "ampwright",
    "creator_url": "https://www.tone3000.com//ampwright",
    "licence": "t3k",
    "tone_url": "https://www.tone3000.com//plexi-lead-100w-4201",
    "architecture": "2",
    "size": "standard",
}
SNAPSHOT: dict[str, Any] = {
    "v": 1,
    "shootout": {
        "chains": [
            {
                "name": "Plexi",
                "blocks": [
                    {"type": "capture", "tone3000": {"tone_id": 4201, "model_id": 90002}},
                    {"type": "gain", "gain_db": -3.0},
                ],
            }
        ]
    },
    "items": {},
    "tone3000": {"90002": {"model_url": "https://www.tone3000.com/m.nam", "credit": CREDIT}},
}
MANIFEST: dict[str, Any] = {
    "inputs": {
        "chains": [
            {
                "name": "Plexi",
                "blocks": [
                    {"type": "capture", "file": "90002.nam", "sha256": "a", "architecture": "X"},
                    {"type": "gain", "gain_db": -3.0},
                ],
            }
        ]
    },
    "attribution": [{"sha256": "a", "gear_make": "tz-make", "modeled_by": "tone3000"}],
}


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://www.tone3000.com//plexi-4201", True),
        ("http://127.0.0.1:8030//x", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("//evil.example/x", False),
        ("/relative", False),
        ("https://", False),
        ("http://[::1", False),
        ("", False),
        (None, False),
    ],
)
def test_web_link_keeps_only_absolute_http_links(url: str | None, kept: bool) -> None:
    assert web_link(url) == (url if kept else None)


def test_credits_out_spell_the_licence_and_drop_unsafe_links() -> None:
    unsafe = SNAPSHOT | {
        "tone3000": {
            "90002": {
                "model_url": "x",
                "credit": CREDIT | {"tone_url": "javascript:alert(1)", "licence": None},
            }
        }
    }
    (safe,) = tone3000_credits_out(SNAPSHOT)
    assert safe.licence_name.startswith("TONE3000 licence")
    assert safe.tone_url == CREDIT["tone_url"]
    (out,) = tone3000_credits_out(unsafe)
    assert out.tone_url is None
    assert out.licence_name == "licence not stated"
    assert "model_url" not in out.model_dump()


def test_shared_chains_name_tone3000_blocks_from_tone3000_not_the_file() -> None:
    (chain,) = chains(MANIFEST, SNAPSHOT)
    capture, gain = chain.blocks
    assert capture.model_dump() == {
        "type": "capture",
        "name": "Plexi Lead 100W — Gain 7 - SM57 (by ampwright)",
        "source": "tone3000",
        "architecture": "X",
        "gear_make": None,
        "gear_model": None,
        "modeled_by": None,
    }
    assert (gain.type, gain.source) == ("gain", None)


def test_warnings_name_a_tone3000_file_by_its_credit() -> None:
    names = input_names(SNAPSHOT)
    assert names == {"90002.nam": "Plexi Lead 100W — Gain 7 - SM57 (by ampwright)"}
    assert scrub_warnings(["90002.nam runs at 44100 Hz"], MANIFEST, names) == [
        "Plexi Lead 100W — Gain 7 - SM57 (by ampwright) runs at 44100 Hz"
    ]
