"""`manifest.json`: everything needed to trace, reproduce and attribute a render.

No timestamps and no absolute paths, so the same inputs and settings give the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from toneshootout.engine.align import Alignment
from toneshootout.engine.inputs import LoadedCapture, LoadedChain, LoadedInputs, LoadedIr
from toneshootout.engine.levels import ChainLevel, LoudnessMatch
from toneshootout.engine.outputs import OutputRecord
from toneshootout.engine.spec import Spec

if TYPE_CHECKING:
    from toneshootout.engine.report import DiReport

MANIFEST_VERSION = 1


def _round(value: Any, digits: int = 4) -> Any:
    if isinstance(value, float):
        return round(value, digits)
    return value


def level_dict(level: ChainLevel) -> dict[str, Any]:
    """A chain's level decision with floats rounded for stable output."""
    return {key: _round(value, 3) for key, value in asdict(level).items()}


def _block_entry(block: object) -> dict[str, Any]:
    if isinstance(block, LoadedCapture):
        info = block.capture.info
        return {
            "type": "capture",
            "file": block.block.path.name,
            "sha256": block.sha256,
            "slim": block.block.slim,
            "architecture": info.architecture,
            "version": info.version,
            "sample_rate": info.sample_rate,
            "name": info.metadata.name,
        }
    if isinstance(block, LoadedIr):
        return {
            "type": "ir",
            "file": block.block.path.name,
            "sha256": block.sha256,
            "channel": block.ir.policy,
            "length_ms": _round(block.ir.length_ms, 3),
            "skipped": block.skipped,
        }
    assert hasattr(block, "model_dump")
    dumped: dict[str, Any] = block.model_dump(mode="json")
    return dumped


def _chain_entry(chain: LoadedChain, alignment: Alignment) -> dict[str, Any]:
    return {
        "name": chain.name,
        "blocks": [_block_entry(b) for b in chain.blocks],
        "alignment": {
            "latency_samples": alignment.latency_samples,
            "polarity": alignment.polarity,
            "peak_ratio": _round(alignment.peak_ratio),
            "ambiguous": alignment.ambiguous,
        },
        "warnings": list(chain.warnings),
    }


def _attribution(inputs: LoadedInputs) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for chain in inputs.chains:
        for block in chain.captures:
            meta = block.capture.info.metadata
            seen[block.sha256] = {
                "file": block.block.path.name,
                "sha256": block.sha256,
                "name": meta.name,
                "modeled_by": meta.modeled_by,
                "gear_make": meta.gear_make,
                "gear_model": meta.gear_model,
            }
    return [seen[key] for key in sorted(seen)]


def build_manifest(
    spec: Spec,
    inputs: LoadedInputs,
    *,
    alignments: Mapping[str, Alignment],
    levels_by_di: Mapping[str, tuple[LoudnessMatch, Mapping[str, float]]],
    reports: Mapping[str, DiReport],
    records: Sequence[OutputRecord],
    engine_version: str,
) -> dict[str, Any]:
    """Assemble the manifest from what the render decided and wrote."""
    settings = spec.settings.model_dump(mode="json")
    settings["render_rate"] = inputs.render_rate
    levels = []
    for di, (match, gains) in levels_by_di.items():
        for chain, level in zip(inputs.chains, match.levels, strict=True):
            levels.append(
                {
                    "di": di,
                    "chain": chain.name,
                    "input_gain_db": _round(gains[chain.name], 3),
                    **level_dict(level),
                }
            )
    return {
        "manifest_version": MANIFEST_VERSION,
        "engine": {"name": "toneshootout", "version": engine_version},
        "title": spec.title,
        "settings": settings,
        "inputs": {
            "di": [
                {
                    "name": d.track.name,
                    "file": d.track.path.name,
                    "sha256": d.sha256,
                    "channel": d.track.channel,
                    "source_rate": d.source_rate,
                    "source_channels": d.source_channels,
                    "region": d.track.region.model_dump() if d.track.region else None,
                    "frames": int(d.samples.shape[0]),
                }
                for d in inputs.dis
            ],
            "chains": [_chain_entry(c, alignments[c.name]) for c in inputs.chains],
        },
        "levels": levels,
        "common_reduction_db": {
            di: _round(match.common_reduction_db, 3) for di, (match, _) in levels_by_di.items()
        },
        "timeline": {di: report.timeline for di, report in reports.items()},
        "outputs": [r.as_dict() for r in records],
        "attribution": _attribution(inputs),
        "warnings": list(inputs.warnings),
    }
