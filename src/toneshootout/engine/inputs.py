"""Load and check every input of a spec before any rendering starts.

Everything a render needs is read and validated here, so a bad file fails the render before
a single output is written. Files used by several chains are loaded once.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from toneshootout.engine.audio_io import read_audio
from toneshootout.engine.channels import ChannelPolicy, to_mono
from toneshootout.engine.effects import EffectBlock
from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.hashing import sha256_file
from toneshootout.engine.ir import ImpulseResponse, load_ir
from toneshootout.engine.loudness import MOMENTARY_S
from toneshootout.engine.nam.capture import Capture, load_capture
from toneshootout.engine.resample import resample
from toneshootout.engine.spec import CaptureBlock, DiTrack, IrBlock, Spec
from toneshootout.engine.types import Signal

DEFAULT_RATE = 48000
# Gear types whose captures already include a cabinet; an IR after them doubles the cab.
CAB_GEAR_TYPES = frozenset({"amp_cab", "amp_pedal_cab"})
# The shortest DI, or region of one, a render can use: levels are set from BS.1770 loudness,
# which is measured in 400 ms blocks. Uploads and the shootout API refuse anything shorter.
MIN_DI_SECONDS = MOMENTARY_S


def di_length_problem(seconds: float, *, what: str = "the audio") -> str | None:
    """Why a DI (or region) `seconds` long is too short to render, or None if it is not."""
    if seconds >= MIN_DI_SECONDS:
        return None
    shown = math.floor(10_000.0 * seconds) / 10.0  # rounded down: never "400.0 ms" if short
    return (
        f"{what} is {shown:.1f} ms long: a render needs at least "
        f"{1000.0 * MIN_DI_SECONDS:.0f} ms of audio (loudness is measured in "
        f"{1000.0 * MOMENTARY_S:.0f} ms blocks)"
    )


def check_di_length(seconds: float, source: str, *, what: str = "the audio") -> None:
    """Refuse a DI (or region) too short to render, naming the minimum and the reason."""
    problem = di_length_problem(seconds, what=what)
    if problem is not None:
        raise InvalidInput(source, problem)


@dataclass(frozen=True)
class LoadedDi:
    track: DiTrack
    sha256: str
    source_rate: int
    source_channels: int
    samples: Signal  # mono, at the render rate, region applied, level untouched


@dataclass(frozen=True)
class LoadedCapture:
    block: CaptureBlock
    capture: Capture
    sha256: str


@dataclass(frozen=True)
class LoadedIr:
    block: IrBlock
    ir: ImpulseResponse
    sha256: str
    skipped: bool  # the double-cab guard dropped it


LoadedBlock = LoadedCapture | LoadedIr | EffectBlock


@dataclass(frozen=True)
class LoadedChain:
    name: str
    blocks: tuple[LoadedBlock, ...]
    warnings: tuple[str, ...] = ()

    @property
    def captures(self) -> list[LoadedCapture]:
        return [b for b in self.blocks if isinstance(b, LoadedCapture)]


@dataclass
class LoadedInputs:
    render_rate: int
    dis: list[LoadedDi]
    chains: list[LoadedChain]
    warnings: list[str] = field(default_factory=list)


K = TypeVar("K")
V = TypeVar("V")


def _cached(cache: dict[K, V], key: K, make: Callable[[K], V]) -> V:
    if key not in cache:
        cache[key] = make(key)
    return cache[key]


def _load_ir_key(key: tuple[Path, ChannelPolicy], rate: int) -> ImpulseResponse:
    return load_ir(key[0], rate, key[1])


def _load_di(track: DiTrack, rate: int) -> LoadedDi:
    audio, source_rate = read_audio(track.path)
    mono = to_mono(audio, track.channel, str(track.path))
    if track.region is not None:
        start = round(track.region.start_s * source_rate)
        end = min(round(track.region.end_s * source_rate), mono.shape[0])
        # Clipped at the end of the file, so a region past it is measured as what remains.
        check_di_length(max(end - start, 0) / source_rate, str(track.path), what="the region")
        mono = mono[start:end]
    else:
        check_di_length(mono.shape[0] / source_rate, str(track.path))
    return LoadedDi(
        track=track,
        sha256=sha256_file(track.path),
        source_rate=source_rate,
        source_channels=int(audio.shape[1]),
        samples=resample(mono, source_rate, rate),
    )


def _render_rate(spec: Spec, captures: dict[Path, Capture]) -> int:
    if spec.settings.render_rate is not None:
        return spec.settings.render_rate
    rates = sorted({c.info.sample_rate for c in captures.values()})
    return rates[0] if len(rates) == 1 else DEFAULT_RATE


def _chain_blocks(
    spec_chain_blocks: list[CaptureBlock | IrBlock | EffectBlock],
    captures: dict[Path, Capture],
    irs: dict[tuple[Path, ChannelPolicy], ImpulseResponse],
    hashes: dict[Path, str],
    rate: int,
) -> tuple[list[LoadedBlock], list[str]]:
    blocks: list[LoadedBlock] = []
    warnings: list[str] = []
    cab_before = False
    for block in spec_chain_blocks:
        if isinstance(block, CaptureBlock):
            capture = captures[block.path]
            cab_before = cab_before or capture.info.metadata.gear_type in CAB_GEAR_TYPES
            blocks.append(LoadedCapture(block, capture, hashes[block.path]))
        elif isinstance(block, IrBlock):
            ir = _cached(
                irs, (block.path, block.channel), functools.partial(_load_ir_key, rate=rate)
            )
            skipped = cab_before and not block.force
            if cab_before:
                warnings.append(
                    f"IR {block.path.name} follows a capture that already includes a cabinet; "
                    + (
                        "kept because force = true"
                        if block.force
                        else "skipped (set force = true to keep it)"
                    )
                )
            sha = _cached(hashes, block.path, sha256_file)
            blocks.append(LoadedIr(block, ir, sha, skipped))
        else:
            blocks.append(block)
    return blocks, warnings


def load_inputs(spec: Spec) -> LoadedInputs:
    """Read and validate every DI, capture and IR the spec names; fail before rendering."""
    captures: dict[Path, Capture] = {}
    hashes: dict[Path, str] = {}
    for chain in spec.chain:
        for block in chain.blocks:
            if isinstance(block, CaptureBlock):
                _cached(captures, block.path, load_capture)
                _cached(hashes, block.path, sha256_file)
                if block.slim is not None and not captures[block.path].info.slim_values:
                    raise InvalidInput(
                        str(block.path), "slim is set but this capture is not slimmable"
                    )
    rate = _render_rate(spec, captures)
    irs: dict[tuple[Path, ChannelPolicy], ImpulseResponse] = {}
    chains = []
    warnings: list[str] = []
    for chain in spec.chain:
        blocks, chain_warnings = _chain_blocks(chain.blocks, captures, irs, hashes, rate)
        chains.append(LoadedChain(chain.name, tuple(blocks), tuple(chain_warnings)))
        warnings.extend(f"{chain.name}: {w}" for w in chain_warnings)
        for loaded in blocks:
            if isinstance(loaded, LoadedCapture) and loaded.capture.info.sample_rate != rate:
                warnings.append(
                    f"{chain.name}: {loaded.block.path.name} runs at "
                    f"{loaded.capture.info.sample_rate} Hz; its input is resampled from {rate} Hz"
                )
    dis = [_load_di(track, rate) for track in spec.di]
    return LoadedInputs(render_rate=rate, dis=dis, chains=chains, warnings=warnings)
