"""The public view of a shared render, made from its manifest, metrics and recorded outputs.

The same facts the owner's render page reads from `manifest.json` (the page's `viewOfManifest`),
minus everything private: the manifest's `file` and `sha256` keys (storage names and hashes of
the owner's inputs), storage paths, ids and the owner. Warnings name inputs by their file, so
those names are replaced by the library names the chains show. Only chain renders, montages,
plots and videos (each with its poster and description) are listed, each at a share-scoped URL.
TONE3000 models are named and credited from what TONE3000 said of them at submit (creator,
licence, tone page), never linked as files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any, Final
from urllib.parse import quote

from toneshootout.server.db.models.render import RenderOutput
from toneshootout.server.render.bundle import Credit
from toneshootout.server.render.credits import tone3000_credits_out
from toneshootout.server.render.snapshot import model_file_name, tone3000_credits, unique_names
from toneshootout.server.render.videos import VIDEO_ROLES, LinkedOutput, videos
from toneshootout.server.share.schemas import (
    SharedAlignment,
    SharedBlock,
    SharedChain,
    SharedCredit,
    SharedOutput,
    SharedRender,
    Visibility,
)

# The video is the montage with its labels: chain names and each block under the name the
# owner gave it (the engine spec's `label`, never the stored file's key), the level decisions
# and the credits; nothing the page does not show already.
SHARED_ROLES: Final = frozenset({"chain_render", "montage", "plot"}) | VIDEO_ROLES
SHARED_API: Final = "/api/v1/shared"
# Credit details meant for the owner only ("no longer in your library").
_OWNER_ONLY_DETAILS: Final = frozenset({"Note"})
_CAPTURE_FACTS: Final = ("gear_make", "gear_model", "modeled_by")
UNNAMED_INPUT: Final = "an input"


@dataclass(frozen=True)
class ShareFacts:
    """What the view needs of the share and its render (no ids, no owner)."""

    token: str
    title: str
    finished_at: datetime | None
    voting_open: bool
    visibility: Visibility


def page_url(token: str) -> str:
    return f"/s/{token}"


def embed_url(token: str) -> str:
    return f"/embed/{token}"


def file_url(token: str, path: str) -> str:
    return f"{SHARED_API}/{token}/files/{quote(path)}"


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def input_names(snapshot: Mapping[str, Any]) -> dict[str, str]:
    """The library name of every input, by its stored file name (what the manifest's `file` is)."""
    items: Mapping[str, Mapping[str, str]] = snapshot.get("items", {})
    names = {
        PurePosixPath(entry["storage_key"]).name: entry["name"]
        for entry in items.values()
        if isinstance(entry.get("storage_key"), str) and isinstance(entry.get("name"), str)
    }
    # The worker names a TONE3000 model's file after the model (`model_file_name`).
    return names | {model_file_name(c): c.label for c in tone3000_credits(snapshot)}


@dataclass(frozen=True)
class _BlockName:
    name: str | None
    source: str | None = None  # "tone3000": named from TONE3000, its file's facts unused


def _block_name(
    block: Mapping[str, Any], items: Mapping[str, Any], labels: Mapping[int, str]
) -> _BlockName:
    ref = block.get("tone3000")
    if isinstance(ref, Mapping):
        model_id = ref.get("model_id")
        return _BlockName(labels.get(model_id) if isinstance(model_id, int) else None, "tone3000")
    item_id = block.get("capture_id") or block.get("ir_id")
    return _BlockName(_str(items.get(str(item_id), {}).get("name")) if item_id else None)


def _block_names(snapshot: Mapping[str, Any]) -> list[list[_BlockName]]:
    """Per chain, per block, the name of the block's item (None for effects)."""
    items: Mapping[str, Mapping[str, str]] = snapshot.get("items", {})
    labels = {credit.model_id: credit.label for credit in tone3000_credits(snapshot)}
    chains = snapshot.get("shootout", {}).get("chains", [])
    return [
        [_block_name(block, items, labels) for block in _dicts(chain.get("blocks"))]
        for chain in _dicts(chains)
    ]


def _files(value: Any) -> Iterable[str]:
    """Every `file` value anywhere in a manifest fragment."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "file" and isinstance(inner, str) and inner:
                yield inner
            else:
                yield from _files(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _files(inner)


def scrub_warnings(
    warnings: Sequence[Any], manifest: Mapping[str, Any], names: Mapping[str, str]
) -> list[str]:
    """The warnings with every input file name replaced by its library name (or "an input")."""
    replacements = {file: names.get(file, UNNAMED_INPUT) for file in _files(manifest)}
    scrubbed = []
    for warning in warnings:
        if not isinstance(warning, str):
            continue
        text = warning
        for file in sorted(replacements, key=len, reverse=True):  # longest first: no partials
            text = text.replace(file, replacements[file])
        scrubbed.append(text)
    return scrubbed


def _block(entry: Mapping[str, Any], named: _BlockName, facts: Mapping[str, Any]) -> SharedBlock:
    kind = str(entry.get("type", "block"))
    if named.source == "tone3000":
        # A TONE3000 file's own metadata is the trainer's placeholders ("tz-make"): unused.
        architecture = _str(entry.get("architecture")) if kind == "capture" else None
        return SharedBlock(type=kind, name=named.name, source="tone3000", architecture=architecture)
    if kind != "capture":
        return SharedBlock(type=kind, name=named.name)
    return SharedBlock(
        type=kind,
        name=named.name or _str(entry.get("name")),
        architecture=_str(entry.get("architecture")),
        **{fact: _str(facts.get(fact)) for fact in _CAPTURE_FACTS},
    )


def chains(manifest: Mapping[str, Any], snapshot: Mapping[str, Any]) -> list[SharedChain]:
    """Each chain's blocks as rendered, named as in the owner's library."""
    # The manifest's capture facts come from the file itself; matched by hash, never shown.
    facts = {a.get("sha256"): a for a in _dicts(manifest.get("attribution"))}
    names = _block_names(snapshot)
    result = []
    for index, chain in enumerate(_dicts(manifest.get("inputs", {}).get("chains"))):
        chain_names = names[index] if index < len(names) else []
        blocks = [
            _block(
                entry,
                chain_names[j] if j < len(chain_names) else _BlockName(None),
                facts.get(entry.get("sha256"), {}),
            )
            for j, entry in enumerate(_dicts(chain.get("blocks")))
        ]
        result.append(SharedChain(name=str(chain.get("name", "")), blocks=blocks))
    return result


def _alignment(manifest: Mapping[str, Any]) -> list[SharedAlignment]:
    found = []
    for chain in _dicts(manifest.get("inputs", {}).get("chains")):
        found_alignment = chain.get("alignment")
        aligned: dict[str, Any] = found_alignment if isinstance(found_alignment, dict) else {}
        found.append(
            SharedAlignment(
                chain=str(chain.get("name", "")),
                latency_samples=aligned.get("latency_samples"),
                polarity=aligned.get("polarity"),
                ambiguous=aligned.get("ambiguous"),
            )
        )
    return found


def _credit(credit: Credit) -> SharedCredit:
    details = [
        (label, value) for label, value in credit.details if label not in _OWNER_ONLY_DETAILS
    ]
    source = next((value for label, value in credit.details if label == "Source"), None)
    return SharedCredit(kind=credit.kind, name=credit.name, details=details, source=source)


def _outputs(token: str, outputs: Sequence[RenderOutput]) -> list[SharedOutput]:
    return [
        SharedOutput(
            role=o.role,
            di=o.di,
            chain=o.chain,
            path=o.path,
            size_bytes=o.size_bytes,
            media_type=o.media_type,
            url=file_url(token, o.path),
        )
        for o in outputs
        if o.role in SHARED_ROLES
    ]


def _metrics(metrics: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {key: _dicts(metrics.get(key)) for key in ("renders", "null_tests")}


def shared_render(
    facts: ShareFacts,
    *,
    manifest: Mapping[str, Any],
    metrics: Mapping[str, Any],
    snapshot: Mapping[str, Any],
    outputs: Sequence[RenderOutput],
    credits: Sequence[Credit],
) -> SharedRender:
    """The public view of a shared render."""
    inputs = manifest.get("inputs", {})
    names = input_names(snapshot)
    settings = manifest.get("settings")
    timeline = manifest.get("timeline")
    reductions = manifest.get("common_reduction_db")
    files = _outputs(facts.token, outputs)
    return SharedRender(
        title=facts.title,
        finished_at=facts.finished_at,
        voting_open=facts.voting_open,
        visibility=facts.visibility,
        dis=[str(d.get("name", "")) for d in _dicts(inputs.get("di"))],
        chains=chains(manifest, snapshot),
        settings=dict(settings) if isinstance(settings, dict) else {},
        levels=_dicts(manifest.get("levels")),
        common_reduction_db=dict(reductions) if isinstance(reductions, dict) else {},
        timeline=(
            {di: _dicts(segments) for di, segments in timeline.items()}
            if isinstance(timeline, dict)
            else {}
        ),
        alignment=_alignment(manifest),
        warnings=scrub_warnings(manifest.get("warnings") or [], manifest, names),
        metrics=_metrics(metrics),
        outputs=files,
        videos=videos(LinkedOutput(f.role, f.di, f.url) for f in files),
        attribution=[_credit(c) for c in credits],
        tone3000_credits=tone3000_credits_out(snapshot),
        embed_url=embed_url(facts.token),
        page_url=page_url(facts.token),
    )


def snapshot_names(snapshot: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The DI and chain names of a render, from its snapshot (as the engine names them)."""
    items: Mapping[str, Mapping[str, str]] = snapshot.get("items", {})
    shootout = snapshot.get("shootout", {})
    di_ids = [
        str(d.get("di_id")) if isinstance(d, dict) else str(d)
        for d in shootout.get("di_tracks", [])
    ]
    dis = unique_names([str(items.get(i, {}).get("name", "DI")) for i in di_ids])
    chain_names = [str(c.get("name", "")) for c in _dicts(shootout.get("chains"))]
    return dis, chain_names
