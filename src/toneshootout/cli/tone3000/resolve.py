"""`render`'s TONE3000 step: a spec whose TONE3000 blocks point at checked local files, and
the credits for the ATTRIBUTION file written next to the renders."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

from toneshootout.cli.errors import CliError
from toneshootout.cli.tone3000.config import BASE_URL_ENV, cache_dir
from toneshootout.cli.tone3000.environment import tone3000_settings
from toneshootout.cli.tone3000.fetch import ModelCache, fetch
from toneshootout.cli.tone3000.refs import Ref, find_refs, hold_places
from toneshootout.cli.tone3000.session import (
    LOGIN_HINT,
    api_for,
    http_client,
    require_login,
    unreachable_text,
)
from toneshootout.engine.spec import Spec, parse_spec, read_spec_data
from toneshootout.tone3000.attribution import Credit, attribution_text
from toneshootout.tone3000.errors import SignInRequired, Tone3000Error, Unreachable

ATTRIBUTION = "ATTRIBUTION"


def load_spec_with_tone3000(
    spec_path: Path, *, say: Callable[[str], None] = lambda _: None
) -> tuple[Spec, list[Credit]]:
    """Load a spec, fetching its TONE3000 models first; no TONE3000 blocks, no network."""
    source = str(spec_path)
    data = read_spec_data(spec_path)
    refs = find_refs(data, source)
    if refs:
        hold_places(refs)
        parse_spec(data, source)  # a typo elsewhere is reported before anything is downloaded
        credits = asyncio.run(_fetch_all(refs, source, say))
    else:
        credits = []
    return parse_spec(data, source).resolve_paths(spec_path.parent), credits


async def _fetch_all(refs: list[Ref], source: str, say: Callable[[str], None]) -> list[Credit]:
    settings = tone3000_settings()
    login = require_login(base_url=os.environ.get(BASE_URL_ENV) or None)
    cache = ModelCache.for_origin(cache_dir(), login.base_url, settings.cache_seconds)
    cache.prepare()
    credits: list[Credit] = []
    done: dict[tuple[str, int, int | None], Path] = {}  # one fetch per model, however often used
    async with http_client() as http:
        api = api_for(http, login, calls_per_minute=settings.calls_per_minute)
        labels: dict[tuple[str, int, int | None], str] = {}
        for ref in refs:
            key = (ref.kind, ref.tone_id, ref.model_id)
            if key in done:
                ref.block["path"] = str(done[key])
                ref.block.setdefault("label", labels[key])
                continue
            try:
                path, found, downloaded = await fetch(
                    api, ref, cache, storage_origins=tuple(settings.storage_origins)
                )
            except SignInRequired:
                again = LOGIN_HINT.replace("first", "again")
                raise CliError(f"your TONE3000 sign-in has expired: {again}") from None
            except Unreachable as err:
                text = unreachable_text(err, login.base_url)
                raise CliError(f"{source}: {ref.label}: {text}") from None
            except (Tone3000Error, CliError) as err:
                raise CliError(f"{source}: {ref.label}: {err}") from None
            done[key] = path
            ref.block["path"] = str(path)
            # The video names the block as TONE3000 does, not by the cached file's name (a
            # label the spec gives wins).
            labels[key] = found.title[:120]
            ref.block.setdefault("label", labels[key])
            credits.append(found)
            say(f"TONE3000: {found.label}, {'downloaded' if downloaded else 'from the cache'}")
    return credits


def write_attribution(out_dir: Path, credits: list[Credit]) -> Path:
    """The ATTRIBUTION file beside the renders: creator, licence and tone page of each model."""
    path = out_dir / ATTRIBUTION
    temporary = out_dir / f".{ATTRIBUTION}.tmp"
    temporary.write_text(attribution_text(credits), encoding="utf-8")
    os.replace(temporary, path)
    return path
