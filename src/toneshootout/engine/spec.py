"""The shootout spec: DI tracks × chains of typed blocks, plus render settings.

A spec is loaded from TOML (paths relative to the spec file) or built in code. Validation
collects every problem at once, each with the dotted path of the field that is wrong.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from toneshootout.engine.channels import ChannelPolicy
from toneshootout.engine.effects import EffectBlock
from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.levels import InputLevelPolicy
from toneshootout.engine.video.layout import VideoSize

Name = Annotated[str, Field(min_length=1, max_length=80)]
OutputKind = Literal["wav", "flac", "mp3", "montage", "metrics", "null_tests", "plots", "video"]
DEFAULT_OUTPUTS: tuple[OutputKind, ...] = ("wav", "montage", "metrics", "null_tests", "plots")
MAX_SPEC_BYTES = 256 * 1024


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Region(_Strict):
    """A stretch of a DI track, in seconds from its start."""

    start_s: float = Field(0.0, ge=0.0)
    end_s: float = Field(gt=0.0)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end_s <= self.start_s:
            raise ValueError("end_s must be after start_s")
        return self


class DiTrack(_Strict):
    name: Name
    path: Path
    channel: ChannelPolicy = "mid"
    region: Region | None = None


# What a block is called where people see it (the video's cards); files stored under ids
# (the service's storage keys) need it, or a viewer reads a key instead of a name.
BlockLabel = Annotated[
    str | None,
    Field(
        min_length=1,
        max_length=120,
        description="The block's name in the video; default: the capture's own name or the "
        "file name",
    ),
]


class CaptureBlock(_Strict):
    type: Literal["capture"]
    path: Path
    slim: float | None = Field(None, ge=0.0, le=1.0)
    label: BlockLabel = None


class IrBlock(_Strict):
    type: Literal["ir"]
    path: Path
    channel: ChannelPolicy = "mid"
    force: bool = Field(False, description="Keep this IR even after an amp+cab capture")
    label: BlockLabel = None


Block = Annotated[CaptureBlock | IrBlock | EffectBlock, Field(discriminator="type")]


class Chain(_Strict):
    name: Name
    blocks: list[Block] = Field(min_length=1, max_length=16)


class Settings(_Strict):
    """How a shootout is rendered: rate, input level, loudness matching, montage, outputs."""

    render_rate: int | None = Field(
        None,
        ge=22050,
        le=192000,
        title="Render rate",
        description="Sample rate of the outputs, Hz; unset: the captures' rate (48 kHz if mixed)",
        json_schema_extra={"unit": "Hz"},
    )
    input_level: InputLevelPolicy = Field(
        "rms",
        title="Input level",
        description="How each DI's level is set before the chains: rms (to the target RMS), "
        "as_recorded (untouched) or calibrated (from the interface's dBu at 0 dBFS)",
    )
    input_rms_dbfs: float = Field(
        -18.0,
        ge=-60.0,
        le=0.0,
        title="Input RMS",
        description="The DI's RMS level when input level is rms, dBFS",
        json_schema_extra={"unit": "dBFS"},
    )
    interface_dbu_at_0dbfs: float = Field(
        12.0,
        ge=-20.0,
        le=30.0,
        title="Interface level",
        description="The recording interface's analogue level at 0 dBFS, dBu (calibrated input)",
        json_schema_extra={"unit": "dBu"},
    )
    loudness_target_lufs: float = Field(
        -18.0,
        ge=-60.0,
        le=-5.0,
        title="Loudness target",
        description="Every chain's output is matched to this integrated loudness, LUFS",
        json_schema_extra={"unit": "LUFS"},
    )
    true_peak_ceiling_dbtp: float = Field(
        -1.0,
        ge=-20.0,
        le=0.0,
        title="True-peak ceiling",
        description="No output peaks above this; all chains are lowered together if needed, dBTP",
        json_schema_extra={"unit": "dBTP"},
    )
    segment_seconds: float = Field(
        4.0,
        ge=0.5,
        le=60.0,
        title="Montage segment",
        description="Length of each chain's turn in the montage, s",
        json_schema_extra={"unit": "s"},
    )
    crossfade_ms: float = Field(
        10.0,
        ge=0.0,
        le=500.0,
        title="Montage crossfade",
        description="Crossfade between montage segments, ms",
        json_schema_extra={"unit": "ms"},
    )
    gap_seconds: float = Field(
        0.0,
        ge=0.0,
        le=10.0,
        title="Montage gap",
        description="Silence between montage segments, s",
        json_schema_extra={"unit": "s"},
    )
    outputs: list[OutputKind] = Field(
        default_factory=lambda: list(DEFAULT_OUTPUTS),
        title="Outputs",
        description="What the render writes: audio per chain (wav, flac, mp3), the montage, "
        "metrics, null tests, plots and an MP4 video of the montage per DI",
    )
    video_size: VideoSize = Field(
        "1920x1080",
        title="Video size",
        description="Picture size of the video, in pixels: 1920x1080, 1280x720 or square 1080x1080",
    )


class Spec(_Strict):
    title: Name = "Shootout"
    settings: Settings = Field(default_factory=Settings)
    di: list[DiTrack] = Field(min_length=1, max_length=32)
    chain: list[Chain] = Field(min_length=1, max_length=32)

    @model_validator(mode="after")
    def unique_names(self) -> Self:
        for label, names in (
            ("di", [d.name for d in self.di]),
            ("chain", [c.name for c in self.chain]),
        ):
            seen: set[str] = set()
            for name in names:
                if name in seen:
                    raise ValueError(f"{label} name {name!r} is used twice")
                seen.add(name)
        return self

    def resolve_paths(self, base_dir: Path) -> Spec:
        """Return a copy whose relative file paths are taken from `base_dir`."""

        def absolute(p: Path) -> Path:
            return p if p.is_absolute() else (base_dir / p)

        di = [d.model_copy(update={"path": absolute(d.path)}) for d in self.di]
        chains = [
            c.model_copy(
                update={
                    "blocks": [
                        b.model_copy(update={"path": absolute(b.path)})
                        if isinstance(b, CaptureBlock | IrBlock)
                        else b
                        for b in c.blocks
                    ]
                }
            )
            for c in self.chain
        ]
        return self.model_copy(update={"di": di, "chain": chains})


def _describe(err: ValidationError) -> str:
    problems = []
    for item in err.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        problems.append(f"{where}: {item['msg']}")
    return "; ".join(problems)


def parse_spec(data: dict[str, object], source: str) -> Spec:
    """Validate a spec mapping; every problem is reported with its field path."""
    try:
        return Spec.model_validate(data)
    except ValidationError as err:
        raise InvalidInput(source, _describe(err)) from None


def read_spec_data(path: Path) -> dict[str, Any]:
    """Read a TOML spec file into a plain mapping (size, encoding and syntax checked)."""
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InvalidInput(source, f"cannot read spec: {err.strerror or err}") from None
    if len(raw) > MAX_SPEC_BYTES:
        raise InvalidInput(source, f"spec is larger than {MAX_SPEC_BYTES // 1024} KiB")
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidInput(source, "spec is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as err:
        raise InvalidInput(source, f"not valid TOML: {err}") from None


def load_spec(path: Path) -> Spec:
    """Load a TOML spec and resolve its file paths relative to the spec's folder."""
    return parse_spec(read_spec_data(path), str(path)).resolve_paths(path.parent)
