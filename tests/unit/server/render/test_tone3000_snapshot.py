"""Snapshots with TONE3000 models: frozen credits and URLs, engine paths, old snapshots intact."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from toneshootout.engine.spec import CaptureBlock, IrBlock
from toneshootout.server.errors import STATUS, status_for
from toneshootout.server.render.errors import (
    Tone3000BadAnswer,
    Tone3000Busy,
    Tone3000Deleted,
    Tone3000Private,
    Tone3000SignInRequired,
    Tone3000Unreachable,
    Tone3000WrongModel,
)
from toneshootout.server.render.snapshot import (
    FrozenModel,
    build_snapshot,
    frozen_models,
    to_engine_spec,
    tone3000_credits,
)
from toneshootout.server.render.tone3000_models import (
    ModelRef,
    check_model,
    domain_error,
    model_refs,
)
from toneshootout.server.shootout.schemas import ShootoutIn
from toneshootout.tone3000.attribution import Credit
from toneshootout.tone3000.errors import (
    BadResponse,
    OAuthError,
    RateLimited,
    SignInRequired,
    Tone3000Error,
    ToneDeleted,
    TonePrivate,
    Unreachable,
)
from toneshootout.tone3000.wire import Model, Tone

DI = uuid.uuid4()
IR = uuid.uuid4()


def _credit(model_id: int, kind: str = "capture") -> Credit:
    return Credit(
        kind=kind,
        tone_id=4201,
        model_id=model_id,
        tone_title="Plexi Lead 100W",
        model_name="Gain 7 - SM57",
        creator="ampwright",
        licence="cc-by",
        tone_url="https://www.tone3000.com//plexi-lead-100w-4201",
    )


def _body() -> ShootoutIn:
    return ShootoutIn.model_validate(
        {
            "title": "t",
            "di_tracks": [str(DI)],
            "chains": [
                {
                    "name": "Amp",
                    "blocks": [
                        {"type": "capture", "tone3000": {"tone_id": 4201, "model_id": 90002}},
                        {"type": "ir", "ir_id": str(IR)},
                        {"type": "gain", "gain_db": -3.0},
                    ],
                }
            ],
        }
    )


def _items() -> dict[uuid.UUID, dict[str, str]]:
    entry = {"name": "riff.wav", "storage_key": f"o/library/{DI}.wav", "sha256": "0" * 64}
    return {
        DI: {"kind": "di_track", **entry},
        IR: {"kind": "ir", "name": "4x12.wav", "storage_key": f"o/library/{IR}.wav", "sha256": "1"},
    }


def _snapshot() -> dict[str, Any]:
    url = "https://www.tone3000.com/api/v1/models/90002/download/abc.nam"
    return build_snapshot(_body(), _items(), {90002: FrozenModel(_credit(90002), url)})


def test_snapshot_freezes_each_model_by_id_and_reads_back() -> None:
    snapshot = _snapshot()
    assert snapshot["tone3000"]["90002"]["model_url"].endswith("/90002/download/abc.nam")
    assert snapshot["tone3000"]["90002"]["credit"]["creator"] == "ampwright"
    (model,) = frozen_models(snapshot).values()
    assert model.credit == _credit(90002)
    assert tone3000_credits(snapshot) == [_credit(90002)]


def test_engine_spec_takes_model_files_from_the_worker() -> None:
    snapshot = _snapshot()
    spec = to_engine_spec(
        snapshot, lambda key: Path("/storage") / key, lambda i: Path(f"/cache/{i}.nam")
    )
    capture, ir, gain = spec.chain[0].blocks
    assert isinstance(capture, CaptureBlock)
    assert isinstance(ir, IrBlock)
    assert str(capture.path) == "/cache/90002.nam"
    assert str(ir.path) == f"/storage/o/library/{IR}.wav"
    assert gain.type == "gain"
    # The files are stored under keys: the video names blocks by these labels instead.
    assert capture.label == "Plexi Lead 100W — Gain 7 - SM57"
    assert ir.label == "4x12.wav"
    with pytest.raises(ValueError, match="TONE3000 model 90002 has no local file"):
        to_engine_spec(snapshot, lambda key: Path("/storage") / key)


def test_a_snapshot_without_tone3000_models_is_as_before() -> None:
    body = ShootoutIn.model_validate(
        {
            "title": "t",
            "di_tracks": [str(DI)],
            "chains": [{"name": "A", "blocks": [{"type": "ir", "ir_id": str(IR)}]}],
        }
    )
    snapshot = build_snapshot(body, _items())
    assert set(snapshot) == {"v", "shootout", "items"}
    assert snapshot["shootout"]["chains"][0]["blocks"][0] == {
        "type": "ir",
        "ir_id": str(IR),
        "channel": "mid",
        "force": False,
    }
    assert frozen_models(snapshot) == {}
    assert tone3000_credits(snapshot) == []
    spec = to_engine_spec(snapshot, lambda key: Path("/storage") / key)
    assert spec.chain[0].blocks[0].type == "ir"


def test_a_malformed_tone3000_entry_fails_the_render_but_not_the_credits() -> None:
    snapshot = _snapshot()
    snapshot["tone3000"]["90002"]["credit"]["model_id"] = "not a number"
    with pytest.raises(ValueError, match="TONE3000 model 90002 does not read"):
        frozen_models(snapshot)
    assert tone3000_credits(snapshot) == []
    assert tone3000_credits({"tone3000": ["a list"]}) == []


def test_model_refs_name_each_tone3000_block_by_path() -> None:
    assert model_refs(_body()) == [ModelRef("capture", 4201, 90002, "chains.0.blocks.0.tone3000")]


REF = ModelRef("capture", 4201, 90002, "chains.0.blocks.0.tone3000")


@pytest.mark.parametrize(
    ("error", "expected", "status"),
    [
        (SignInRequired("x"), Tone3000SignInRequired, 409),
        (TonePrivate("this tone is private on TONE3000"), Tone3000Private, 409),
        (ToneDeleted("this model was deleted from TONE3000"), Tone3000Deleted, 409),
        (RateLimited("busy", 7.2), Tone3000Busy, 429),
        (Unreachable("down"), Tone3000Unreachable, 503),
        (BadResponse("unreadable"), Tone3000BadAnswer, 502),
        (OAuthError("server_error"), Tone3000BadAnswer, 502),
    ],
)
def test_tone3000_refusals_map_to_render_errors(
    error: Tone3000Error, expected: type[Exception], status: int
) -> None:
    mapped = domain_error(error, REF)
    assert type(mapped) is expected
    assert status_for(mapped) == status
    if isinstance(mapped, Tone3000Busy):
        assert mapped.retry_after_seconds == 8
    if isinstance(mapped, Tone3000Private | Tone3000Deleted | Tone3000BadAnswer):
        assert mapped.detail.startswith("chains.0.blocks.0.tone3000 (tone 4201, model 90002): ")
        assert mapped.extra.get("path", REF.path) == REF.path
    assert 502 in STATUS.values()


def _tone(fmt: str) -> Tone:
    return Tone.model_validate({"id": 4201, "title": "Plexi", "format": fmt})


def _model(tone_id: int = 4201) -> Model:
    return Model.model_validate({"id": 90002, "tone_id": tone_id, "model_url": "https://x/m"})


def test_check_model_wants_the_tone_and_the_block_kind() -> None:
    check_model(REF, _tone("nam"), _model())
    with pytest.raises(Tone3000WrongModel, match="not one of tone 4201's models"):
        check_model(REF, _tone("nam"), _model(tone_id=4202))
    with pytest.raises(Tone3000WrongModel, match="has proteus-format models; a capture block"):
        check_model(REF, _tone("proteus"), _model())
    ir = ModelRef("ir", 4201, 90002, "chains.0.blocks.1.tone3000")
    with pytest.raises(Tone3000WrongModel, match="has NAM captures; an IR block needs IRs"):
        check_model(ir, _tone("nam"), _model())
