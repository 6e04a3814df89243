"""A worker's own scratch folder, `data_dir/scratch/`: local files no other machine ever reads.

With object storage nothing a worker renders from or into is on a shared disk. Under `scratch/`:
- `inputs/<sha[:2]>/<sha256>.<ext>`: library files by content (`inputs.InputCache`), and
  `inputs/.tmp/` for downloads in progress;
- `renders/<render id>-a<attempt>/`: one attempt's work: `inputs/` (hard links to the cached
  files it renders from, so an eviction never pulls a file from under it) and `out/` (the
  engine's output folder, uploaded to the attempt's storage prefix, then removed);
- `engine-cache/<owner id>/`: the engine's per-owner cache of processed DI × chain audio.
Worker processes on one machine may share the folder: every write is a private temp file
renamed into place, and the janitor decides what is stale from the database, not from memory.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Final

from toneshootout.settings import Settings

SCRATCH_DIR: Final = "scratch"
ATTEMPT_INPUTS: Final = "inputs"
ATTEMPT_OUTPUTS: Final = "out"
_ATTEMPT_FOLDER = re.compile(r"^([0-9a-f-]{36})-a(\d+)$")


def scratch_root(settings: Settings) -> Path:
    return (settings.data_dir / SCRATCH_DIR).resolve()


def inputs_root(settings: Settings) -> Path:
    """The input cache (`inputs.InputCache`)."""
    return scratch_root(settings) / "inputs"


def renders_root(settings: Settings) -> Path:
    """Where attempts work; each attempt has its own folder (`attempt_folder`)."""
    return scratch_root(settings) / "renders"


def engine_cache_folder(settings: Settings, owner_id: uuid.UUID) -> Path:
    """The engine's render cache of one owner (never shared between owners or machines)."""
    return engine_cache_root(settings) / str(owner_id)


def engine_cache_root(settings: Settings) -> Path:
    return scratch_root(settings) / "engine-cache"


def attempt_folder(settings: Settings, render_id: uuid.UUID, attempt: int) -> Path:
    return renders_root(settings) / f"{render_id}-a{attempt}"


def parse_attempt_folder(name: str) -> tuple[uuid.UUID, int] | None:
    """(render id, attempt) of an attempt folder's name, or None for anything else."""
    match = _ATTEMPT_FOLDER.match(name)
    if match is None:
        return None
    try:
        return uuid.UUID(match.group(1)), int(match.group(2))
    except ValueError:
        return None
