"""Shootouts for browser tests, built through the API from the engine's demo material."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from tests.e2e.api import BrowserApi
from toneshootout.engine.demo.di import synthesize_di_riff
from toneshootout.engine.demo.material import write_demo_material

DI_SECONDS = 12.0  # long enough to seek ±5 s and loop inside it, short enough to render fast
RATE = 48000
LEAD_IN = RATE // 4  # silence before the first note, so each chain's onset can be found


@dataclass(frozen=True)
class Material:
    di: Path
    captures: list[Path]
    irs: list[Path]


def make_material(root: Path) -> Material:
    write_demo_material(root / "material")
    di = root / "riff.wav"
    riff = synthesize_di_riff(RATE, DI_SECONDS, 7)
    silence = np.zeros((LEAD_IN, *riff.shape[1:]), dtype=riff.dtype)
    sf.write(di, np.concatenate([silence, riff]), RATE, subtype="PCM_24")
    return Material(
        di=di,
        captures=sorted((root / "material" / "captures").glob("*.nam")),
        irs=sorted((root / "material" / "irs").glob("*.wav")),
    )


def two_chain_shootout(api: BrowserApi, material: Material, title: str) -> dict[str, Any]:
    """Upload a DI, two captures and an IR; save a shootout with two chains."""
    di = api.upload("di-tracks", material.di)
    captures = [api.upload("captures", path) for path in material.captures[:2]]
    ir = api.upload("irs", material.irs[0])
    chains = [
        {
            "name": f"Amp {letter}",
            "blocks": [
                {"type": "capture", "capture_id": capture["id"]},
                {"type": "ir", "ir_id": ir["id"]},
            ],
        }
        for letter, capture in zip("AB", captures, strict=True)
    ]
    body = {"title": title, "di_tracks": [di["id"]], "chains": chains}
    shootout: dict[str, Any] = api.call("POST", "/api/v1/shootouts", body, 201)
    return shootout


def three_chain_shootout(
    api: BrowserApi, material: Material, title: str, names: tuple[str, str, str]
) -> dict[str, Any]:
    """Upload a DI, the three demo captures and an IR; save a shootout with a chain each."""
    di = api.upload("di-tracks", material.di)
    captures = [api.upload("captures", path) for path in material.captures[:3]]
    ir = api.upload("irs", material.irs[0])
    chains = [
        {
            "name": name,
            "blocks": [
                {"type": "capture", "capture_id": capture["id"]},
                {"type": "ir", "ir_id": ir["id"]},
            ],
        }
        for name, capture in zip(names, captures, strict=True)
    ]
    body = {"title": title, "di_tracks": [di["id"]], "chains": chains}
    shootout: dict[str, Any] = api.call("POST", "/api/v1/shootouts", body, 201)
    return shootout


def submit(api: BrowserApi, shootout_id: str) -> dict[str, Any]:
    render: dict[str, Any] = api.call("POST", f"/api/v1/shootouts/{shootout_id}/renders", {}, 202)
    return render
