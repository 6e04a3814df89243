"""Where render outputs go and how each one is recorded in the manifest.

Every file is written inside a staging folder and listed with its role, relative path,
SHA-256 and, for per-pair files, the DI and chain it belongs to.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toneshootout.engine.hashing import sha256_file


def slugify(name: str) -> str:
    """A filesystem-safe ASCII slug; user names never reach paths unfiltered."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:48] or "item"


def unique_slugs(names: list[str]) -> dict[str, str]:
    """Map names to slugs, suffixing -2, -3 … where two names slug alike."""
    taken: set[str] = set()
    result: dict[str, str] = {}
    for name in names:
        base = slugify(name)
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        result[name] = slug
    return result


@dataclass(frozen=True)
class OutputRecord:
    role: str
    path: str  # relative to the render folder, POSIX separators
    sha256: str
    di: str | None = None
    chain: str | None = None
    chains: tuple[str, ...] | None = None
    format: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"role": self.role, "path": self.path, "sha256": self.sha256}
        for key in ("di", "chain", "format"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.chains is not None:
            out["chains"] = list(self.chains)
        return out


@dataclass
class OutputFolder:
    """A staging folder that records every file written into it."""

    root: Path
    records: list[OutputRecord] = field(default_factory=list)

    def path(self, relative: str) -> Path:
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def record(self, role: str, written: Path, **labels: Any) -> None:
        rel = written.relative_to(self.root).as_posix()
        self.records.append(
            OutputRecord(role=role, path=rel, sha256=sha256_file(written), **labels)
        )

    def write_json(self, relative: str, data: Any, role: str, **labels: Any) -> Path:
        target = self.path(relative)
        target.write_text(dumps_json(data), encoding="utf-8")
        self.record(role, target, **labels)
        return target


def dumps_json(data: Any) -> str:
    """Stable JSON: sorted keys, no NaN, a trailing newline (same data, same bytes)."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
