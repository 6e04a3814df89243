"""Fetch what a spec's TONE3000 blocks ask for: metadata, the file, the same checks as an upload.

Files go to a per-user cache (`$XDG_CACHE_HOME/toneshootout/tone3000/`, 0700) and are kept
for `TONESHOOTOUT_TONE3000__CACHE_SECONDS` (an hour by default): a short-lived per-user copy,
as TONE3000's terms allow, never a catalogue mirror. The tone and model are asked for on every
render all the same, so a tone made private or deleted since is refused with its reason.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from toneshootout.cli.errors import CliError
from toneshootout.cli.tone3000.refs import Ref
from toneshootout.engine.audio_io import probe_audio
from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.ir import MAX_IR_SECONDS, load_ir
from toneshootout.engine.nam.capture import load_capture
from toneshootout.engine.nam.format import MAX_FILE_BYTES as MAX_CAPTURE_BYTES
from toneshootout.tone3000.api import Tone3000Api
from toneshootout.tone3000.attribution import Credit, credit
from toneshootout.tone3000.download import download, origin
from toneshootout.tone3000.wire import Model, Tone

MAX_IR_BYTES = 5 * 1024 * 1024  # as an uploaded IR (StorageSettings.max_ir_bytes)
_FORMAT_OF = {"capture": "nam", "ir": "ir"}


@dataclass(frozen=True)
class ModelCache:
    """One folder per TONE3000 origin (a fake's files never pass for the real service's)."""

    root: Path
    max_age_seconds: float

    @classmethod
    def for_origin(cls, cache_root: Path, base_url: str, max_age_seconds: float) -> ModelCache:
        key = hashlib.sha256(origin(base_url).encode()).hexdigest()[:16]
        return cls(cache_root / key, max_age_seconds)

    def prepare(self) -> None:
        """Create the folder (owner only) and drop files older than the allowed age."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.root.chmod(0o700)
        self.root.parent.chmod(0o700)
        for entry in self.root.iterdir():
            if not self.fresh(entry):
                entry.unlink(missing_ok=True)

    def path(self, kind: str, tone_id: int, model_id: int) -> Path:
        return self.root / f"tone{tone_id}-model{model_id}.{'nam' if kind == 'capture' else 'wav'}"

    def fresh(self, path: Path) -> bool:
        try:
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            return False
        return path.is_file() and 0 <= age < self.max_age_seconds


def _refuse(reason: str) -> CliError:
    return CliError(reason)  # the caller names the block and the spec


def _check_kind(ref: Ref, tone: Tone) -> None:
    if tone.format == _FORMAT_OF[ref.kind]:
        return
    if tone.format == "ir":
        raise _refuse(f'“{tone.title}” is an IR: use type = "ir" for it')
    if tone.format == "nam":
        raise _refuse(f'“{tone.title}” is a NAM capture: use type = "capture" for it')
    kind = tone.format or "unknown"
    raise _refuse(f"“{tone.title}” is a {kind} model; only NAM captures and IRs render")


def _describe(model: Model) -> str:
    """`90002 “Gain 7 - SM57” (A1, standard)`: enough to choose a model_id by."""
    arch = model.architecture_version
    details = [f"A{arch}" if arch in ("1", "2") else arch, model.size]
    extra = ", ".join(d for d in details if d)
    return f"{model.id} “{model.name}”" + (f" ({extra})" if extra else "")


async def _pick_model(api: Tone3000Api, ref: Ref, tone: Tone) -> Model:
    if ref.model_id is not None:
        model = await api.model(ref.model_id)
        if model.tone_id != tone.id:
            raise _refuse(f"model {model.id} belongs to tone {model.tone_id}, not this one")
        return model
    models = await api.models(tone)
    if len(models) == 1:
        return models[0]
    if not models:
        raise _refuse(f"“{tone.title}” has no models to download")
    choices = "; ".join(_describe(m) for m in models[:12])
    more = f"; and {len(models) - 12} more" if len(models) > 12 else ""
    raise _refuse(
        f"“{tone.title}” has {len(models)} models, pick one with model_id: {choices}{more}"
    )


def _validate(ref: Ref, path: Path) -> None:
    """The checks an upload of the same kind gets; a file that fails them is deleted."""
    try:
        if ref.kind == "capture":
            load_capture(path)
        else:
            info = probe_audio(path, max_seconds=MAX_IR_SECONDS)
            load_ir(path, info.sample_rate)  # at its own rate: validation, no resampling
    except InvalidInput as err:
        path.unlink(missing_ok=True)
        what = "NAM capture" if ref.kind == "capture" else "impulse response"
        raise _refuse(f"the file from TONE3000 is not a valid {what}: {err.reason}") from None


async def fetch(
    api: Tone3000Api,
    ref: Ref,
    cache: ModelCache,
    *,
    storage_origins: tuple[str, ...],
) -> tuple[Path, Credit, bool]:
    """The validated local file for `ref`, its credit, and whether it was downloaded now."""
    tone = await api.tone(ref.tone_id)
    _check_kind(ref, tone)
    model = await _pick_model(api, ref, tone)
    path = cache.path(ref.kind, tone.id, model.id)
    if cache.fresh(path):
        try:
            _validate(ref, path)
            return path, credit(ref.kind, tone, model), False
        except CliError:
            pass  # damaged since it was stored (and now deleted): fetch it again
    limit = MAX_CAPTURE_BYTES if ref.kind == "capture" else MAX_IR_BYTES
    await download(api, model.model_url, path, max_bytes=limit, storage_origins=storage_origins)
    path.chmod(0o600)
    _validate(ref, path)
    return path, credit(ref.kind, tone, model), True
