"""Built-in effect blocks (AUDIO.md §8): typed, range-checked parameters run through pedalboard.

Every block is a strict pydantic model: unknown block types, unknown fields, out-of-range or
non-finite values are refused, never skipped. Processing is mono, in float32, with a fresh
plugin per call (so no state leaks between renders and the output is reproducible).
"""

import math
from collections.abc import Mapping
from typing import Annotated, Any, Final, Literal, Union

import numpy as np
import pedalboard
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.types import Signal

_BUFFER_FRAMES: Final = 8192
MAX_TAIL_SECONDS: Final = 30.0
_TAIL_FLOOR: Final = 1e-3  # tails are counted until they fall 60 dB below the input level
_ECHO_MARGIN_S: Final = 0.05
_NYQUIST_MARGIN: Final = 0.45  # filter cutoffs must stay below this fraction of the rate

FrequencyHz = Annotated[float, Field(ge=10.0, le=20000.0)]
GainDb = Annotated[float, Field(ge=-24.0, le=24.0)]
Q = Annotated[float, Field(ge=0.1, le=10.0)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
Slope = Literal[6, 12, 18, 24]


def _param(
    title: str,
    description: str,
    unit: str | None = None,
    *,
    ge: float | None = None,
    le: float | None = None,
) -> Any:
    """A parameter's label, help text and unit (so a generated form can label its controls)."""
    extra: dict[str, Any] | None = {"unit": unit} if unit else None
    return Field(ge=ge, le=le, title=title, description=description, json_schema_extra=extra)


def _config(title: str) -> ConfigDict:
    """Strict: unknown fields and non-finite numbers are refused; titled for forms."""
    return ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, title=title)


_CUTOFF = "Corner frequency, Hz"
_SHELF_Q = "Shelf steepness (Q); 0.707 is the usual gentle shelf"


class Gain(BaseModel):
    """A static gain change."""

    model_config = _config("Gain")
    type: Literal["gain"] = "gain"
    gain_db: Annotated[float, _param("Gain", "Gain change, dB", "dB", ge=-60.0, le=24.0)] = 0.0


class NoiseGate(BaseModel):
    """A downward expander that closes below the threshold."""

    model_config = _config("Noise gate")
    type: Literal["noise_gate"] = "noise_gate"
    threshold_db: Annotated[
        float, _param("Threshold", "Level below which the gate closes, dB", "dB", ge=-100.0, le=0.0)
    ] = -60.0
    ratio: Annotated[
        float, _param("Ratio", "Expansion ratio below the threshold", ":1", ge=1.0, le=100.0)
    ] = 10.0
    attack_ms: Annotated[float, _param("Attack", "Time to open, ms", "ms", ge=0.1, le=100.0)] = 1.0
    release_ms: Annotated[
        float, _param("Release", "Time to close, ms", "ms", ge=1.0, le=2000.0)
    ] = 100.0


class Compressor(BaseModel):
    """A feed-forward compressor with make-up gain."""

    model_config = _config("Compressor")
    type: Literal["compressor"] = "compressor"
    threshold_db: Annotated[
        float, _param("Threshold", "Level above which it compresses, dB", "dB", ge=-60.0, le=0.0)
    ] = -20.0
    ratio: Annotated[
        float, _param("Ratio", "Compression ratio above the threshold", ":1", ge=1.0, le=20.0)
    ] = 4.0
    attack_ms: Annotated[
        float, _param("Attack", "Time to start compressing, ms", "ms", ge=0.1, le=200.0)
    ] = 5.0
    release_ms: Annotated[
        float, _param("Release", "Time to let go, ms", "ms", ge=1.0, le=2000.0)
    ] = 100.0
    makeup_gain_db: Annotated[
        float, _param("Make-up gain", "Gain after compression, dB", "dB", ge=0.0, le=24.0)
    ] = 0.0


class Boost(BaseModel):
    """A pre-amp drive: tanh soft clipping after `drive_db` of gain, then an output level."""

    model_config = _config("Boost")
    type: Literal["boost"] = "boost"
    drive_db: Annotated[
        float, _param("Drive", "Gain into the soft clipper, dB", "dB", ge=0.0, le=60.0)
    ] = 12.0
    level_db: Annotated[
        float, _param("Level", "Output level after the clipper, dB", "dB", ge=-60.0, le=24.0)
    ] = 0.0


class Highpass(BaseModel):
    """A high-pass filter built from 1 to 4 cascaded first-order sections (6 dB/oct each)."""

    model_config = _config("High-pass filter")
    type: Literal["highpass"] = "highpass"
    cutoff_hz: Annotated[FrequencyHz, _param("Cutoff", _CUTOFF, "Hz")] = 80.0
    slope_db_per_octave: Annotated[
        Slope, _param("Slope", "Roll-off below the cutoff, dB per octave", "dB/oct")
    ] = 12


class Lowpass(BaseModel):
    """A low-pass filter built from 1 to 4 cascaded first-order sections (6 dB/oct each)."""

    model_config = _config("Low-pass filter")
    type: Literal["lowpass"] = "lowpass"
    cutoff_hz: Annotated[FrequencyHz, _param("Cutoff", _CUTOFF, "Hz")] = 8000.0
    slope_db_per_octave: Annotated[
        Slope, _param("Slope", "Roll-off above the cutoff, dB per octave", "dB/oct")
    ] = 12


class LowShelf(BaseModel):
    """A low-shelf EQ band."""

    model_config = _config("Low shelf")
    type: Literal["lowshelf"] = "lowshelf"
    cutoff_hz: Annotated[FrequencyHz, _param("Frequency", _CUTOFF, "Hz")] = 200.0
    gain_db: Annotated[GainDb, _param("Gain", "Boost or cut below the frequency, dB", "dB")] = 0.0
    q: Annotated[Q, _param("Q", _SHELF_Q)] = 0.7071


class HighShelf(BaseModel):
    """A high-shelf EQ band."""

    model_config = _config("High shelf")
    type: Literal["highshelf"] = "highshelf"
    cutoff_hz: Annotated[FrequencyHz, _param("Frequency", _CUTOFF, "Hz")] = 4000.0
    gain_db: Annotated[GainDb, _param("Gain", "Boost or cut above the frequency, dB", "dB")] = 0.0
    q: Annotated[Q, _param("Q", _SHELF_Q)] = 0.7071


class Peak(BaseModel):
    """A peaking (bell) EQ band."""

    model_config = _config("Peak EQ")
    type: Literal["peak"] = "peak"
    cutoff_hz: Annotated[FrequencyHz, _param("Frequency", "Centre frequency, Hz", "Hz")] = 1000.0
    gain_db: Annotated[GainDb, _param("Gain", "Boost or cut at the frequency, dB", "dB")] = 0.0
    q: Annotated[Q, _param("Q", "Bandwidth: higher is narrower")] = 1.0


class Chorus(BaseModel):
    """A modulated-delay chorus."""

    model_config = _config("Chorus")
    type: Literal["chorus"] = "chorus"
    rate_hz: Annotated[float, _param("Rate", "Modulation speed, Hz", "Hz", ge=0.01, le=10.0)] = 1.0
    depth: Annotated[Fraction, _param("Depth", "Modulation depth, 0 to 1")] = 0.25
    centre_delay_ms: Annotated[
        float,
        _param("Centre delay", "Delay the modulation swings around, ms", "ms", ge=1.0, le=50.0),
    ] = 7.0
    feedback: Annotated[
        float, _param("Feedback", "Share of the output fed back, 0 to 0.9", ge=0.0, le=0.9)
    ] = 0.0
    mix: Annotated[Fraction, _param("Mix", "Wet share of the output, 0 (dry) to 1 (wet)")] = 0.5


class Delay(BaseModel):
    """A feedback echo."""

    model_config = _config("Delay")
    type: Literal["delay"] = "delay"
    delay_ms: Annotated[
        float, _param("Time", "Time between echoes, ms", "ms", ge=1.0, le=2000.0)
    ] = 400.0
    feedback: Annotated[
        float, _param("Feedback", "Share of each echo fed back, 0 to 0.95", ge=0.0, le=0.95)
    ] = 0.3
    mix: Annotated[Fraction, _param("Mix", "Wet share of the output, 0 (dry) to 1 (wet)")] = 0.3


class Reverb(BaseModel):
    """An algorithmic (Freeverb-style) room reverb; levels are pedalboard's wet/dry gains."""

    model_config = _config("Reverb")
    type: Literal["reverb"] = "reverb"
    room_size: Annotated[Fraction, _param("Room size", "Size of the room, 0 to 1")] = 0.5
    damping: Annotated[Fraction, _param("Damping", "High-frequency damping, 0 to 1")] = 0.5
    wet_level: Annotated[Fraction, _param("Wet level", "Reverb level, 0 to 1")] = 0.33
    dry_level: Annotated[Fraction, _param("Dry level", "Direct-signal level, 0 to 1")] = 0.4


EffectBlock = Annotated[
    Union[  # noqa: UP007 -- the brief's contract spells the union out
        Gain,
        NoiseGate,
        Compressor,
        Boost,
        Highpass,
        Lowpass,
        LowShelf,
        HighShelf,
        Peak,
        Chorus,
        Delay,
        Reverb,
    ],
    Field(discriminator="type"),
]
EFFECT_TYPES: Final[tuple[str, ...]] = (
    "gain",
    "noise_gate",
    "compressor",
    "boost",
    "highpass",
    "lowpass",
    "lowshelf",
    "highshelf",
    "peak",
    "chorus",
    "delay",
    "reverb",
)
_EFFECT_ADAPTER: Final[TypeAdapter[EffectBlock]] = TypeAdapter(EffectBlock)


def parse_effect(data: Mapping[str, Any], source: str) -> EffectBlock:
    """Validate one block's JSON-like spec; refusals name the field and the reason."""
    try:
        return _EFFECT_ADAPTER.validate_python(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "block"
        raise InvalidInput(f"{source}.{where}", first["msg"]) from error


def apply_effect(block: EffectBlock, x: Signal, rate: int) -> Signal:
    """Run 1-D float32 audio through one block; the output has the input's length."""
    if x.ndim != 1:
        raise InvalidInput(block.type, f"audio of shape {x.shape}: expected 1-D")
    if rate <= 0:
        raise InvalidInput(block.type, f"sample rate must be positive, got {rate}")
    cutoff = getattr(block, "cutoff_hz", None)
    if cutoff is not None and cutoff >= _NYQUIST_MARGIN * rate:
        raise InvalidInput(
            f"{block.type}.cutoff_hz", f"{cutoff:g} Hz is too close to Nyquist at {rate} Hz"
        )
    if x.shape[0] == 0:
        return np.zeros(0, dtype=np.float32)
    audio = np.ascontiguousarray(x, dtype=np.float32)
    for plugin in _plugins(block):
        audio = plugin(audio, float(rate), buffer_size=_BUFFER_FRAMES, reset=True)
    return np.ascontiguousarray(audio, dtype=np.float32).reshape(x.shape[0])


def effect_tail_seconds(block: EffectBlock) -> float:
    """Silence the caller should append so a delay, chorus or reverb tail is not cut off."""
    if isinstance(block, Delay):
        tail = _echo_tail(block.delay_ms / 1000.0, block.feedback, block.mix)
    elif isinstance(block, Chorus):
        # The modulated delay reaches about twice the centre delay at full depth.
        tail = _echo_tail(2.0 * block.centre_delay_ms / 1000.0, block.feedback, block.mix)
    elif isinstance(block, Reverb):
        tail = _reverb_tail(block.room_size)
    else:
        return 0.0
    return min(tail, MAX_TAIL_SECONDS)


def _echo_tail(delay_s: float, feedback: float, level: float) -> float:
    """Time until the repeats (level × feedback^k) fall 60 dB below the input."""
    repeats = 0
    if level > _TAIL_FLOOR and feedback > 0.0:
        repeats = max(0, math.ceil(math.log(_TAIL_FLOOR / level) / math.log(feedback)))
    # The last audible repeat starts at the end of the span: keep a little room for it.
    return delay_s * (1 + repeats) + _ECHO_MARGIN_S


def _reverb_tail(room_size: float) -> float:
    """RT60 of Freeverb's longest comb (≈37 ms, feedback 0.7 + 0.28 × room size) plus margin."""
    comb_feedback = 0.7 + 0.28 * room_size
    rt60 = 3.0 * 0.0372 / -math.log10(comb_feedback)
    return rt60 + 0.1


def _plugins(block: EffectBlock) -> list[pedalboard.Plugin]:
    match block:
        case Gain():
            return [pedalboard.Gain(gain_db=block.gain_db)]
        case NoiseGate():
            return [
                pedalboard.NoiseGate(
                    threshold_db=block.threshold_db,
                    ratio=block.ratio,
                    attack_ms=block.attack_ms,
                    release_ms=block.release_ms,
                )
            ]
        case Compressor():
            return [
                pedalboard.Compressor(
                    threshold_db=block.threshold_db,
                    ratio=block.ratio,
                    attack_ms=block.attack_ms,
                    release_ms=block.release_ms,
                ),
                pedalboard.Gain(gain_db=block.makeup_gain_db),
            ]
        case Boost():
            return [
                pedalboard.Distortion(drive_db=block.drive_db),
                pedalboard.Gain(gain_db=block.level_db),
            ]
        case Highpass() | Lowpass():
            return _first_order_cascade(block)
        case _:
            return [_eq_or_modulation_plugin(block)]


def _first_order_cascade(block: Highpass | Lowpass) -> list[pedalboard.Plugin]:
    sections = block.slope_db_per_octave // 6
    kind = pedalboard.HighpassFilter if isinstance(block, Highpass) else pedalboard.LowpassFilter
    return [kind(cutoff_frequency_hz=block.cutoff_hz) for _ in range(sections)]


def _eq_or_modulation_plugin(block: EffectBlock) -> pedalboard.Plugin:
    match block:
        case LowShelf():
            return pedalboard.LowShelfFilter(block.cutoff_hz, block.gain_db, block.q)
        case HighShelf():
            return pedalboard.HighShelfFilter(block.cutoff_hz, block.gain_db, block.q)
        case Peak():
            return pedalboard.PeakFilter(block.cutoff_hz, block.gain_db, block.q)
        case Chorus():
            return pedalboard.Chorus(
                rate_hz=block.rate_hz,
                depth=block.depth,
                centre_delay_ms=block.centre_delay_ms,
                feedback=block.feedback,
                mix=block.mix,
            )
        case Delay():
            return pedalboard.Delay(
                delay_seconds=block.delay_ms / 1000.0, feedback=block.feedback, mix=block.mix
            )
        case Reverb():
            return pedalboard.Reverb(
                room_size=block.room_size,
                damping=block.damping,
                wet_level=block.wet_level,
                dry_level=block.dry_level,
                width=1.0,
                freeze_mode=0.0,
            )
    raise InvalidInput(block.type, "no processor for this block type")
