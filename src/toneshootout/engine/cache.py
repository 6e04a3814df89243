"""A content-addressed disk cache of processed DI × chain signals and per-chain alignments.

An entry's name is the SHA-256 of everything that can change its content (file *contents*,
never paths or names), so an unchanged DI × chain is found again whatever the shootout, the
chain or the file is called, and any edit simply misses. Entries are immutable: written to a
temporary file and renamed, so readers see a whole entry or none, and two processes writing
the same key write the same bytes. Every read is verified (header, length, checksum); a bad
entry is a miss and the recomputed result replaces it. Least recently used entries are evicted
once the folder passes `max_bytes`; a hit refreshes the entry's modification time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import struct
import time
from dataclasses import asdict, dataclass, fields
from importlib.metadata import version
from pathlib import Path
from typing import Any, Final

import numpy as np

from toneshootout import __version__
from toneshootout.engine.align import Alignment
from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.inputs import LoadedBlock, LoadedCapture, LoadedChain, LoadedDi, LoadedIr
from toneshootout.engine.types import Signal

# Bump whenever the processing of one DI × chain (gain, padding, chain, alignment) changes.
CACHE_FORMAT: Final = 1
_MAGIC: Final = b"TSCACHE1"
_SUFFIX: Final = ".entry"
_TEMP_PREFIX: Final = ".tmp-"
_STALE_TEMP_SECONDS: Final = 3600.0  # a writer that crashed left this behind
_HEADER_LENGTH: Final = struct.Struct("<I")
_MAX_HEADER_BYTES: Final = 4096
_SIGNAL_DTYPE: Final = np.dtype("<f4")

# Library versions are part of every key: an upgraded resampler or effect may change bytes.
_SALT: Final = {
    "format": CACHE_FORMAT,
    "engine": __version__,
    **{name: version(name) for name in ("numpy", "scipy", "soxr", "pedalboard")},
}


def _digest(identity: dict[str, Any]) -> str:
    text = json.dumps(identity | {"salt": _SALT}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _block_identity(block: LoadedBlock) -> dict[str, Any]:
    if isinstance(block, LoadedCapture):
        return {"type": "capture", "sha256": block.sha256, "slim": block.block.slim}
    if isinstance(block, LoadedIr):
        return {
            "type": "ir",
            "sha256": block.sha256,
            "channel": block.block.channel,
            "force": block.block.force,
            "skipped": block.skipped,
        }
    return {"type": "effect", "params": block.model_dump(mode="json")}


def _chain_identity(chain: LoadedChain, rate: int) -> dict[str, Any]:
    return {"rate": rate, "blocks": [_block_identity(b) for b in chain.blocks]}


def alignment_key(chain: LoadedChain, rate: int) -> str:
    """The key of a chain's measured alignment: its blocks' contents and the render rate."""
    return _digest({"kind": "alignment", "chain": _chain_identity(chain, rate)})


def pair_key(di: LoadedDi, chain: LoadedChain, rate: int, gain_db: float, pad: int) -> str:
    """The key of one DI run through one chain, before alignment and level matching."""
    region = di.track.region
    identity = {
        "kind": "pair",
        "di": {
            "sha256": di.sha256,
            "channel": di.track.channel,
            "region": None if region is None else [region.start_s, region.end_s],
        },
        "chain": _chain_identity(chain, rate),
        # The drive decided from the policy, not the policy's inputs: the gain is what the
        # chain sees, so it is exact (float.hex) and shared by policies that agree.
        "gain_db": float(gain_db).hex(),
        "pad": pad,
    }
    return _digest(identity)


@dataclass
class CacheStats:
    """What one render did with the cache."""

    hits: int = 0
    misses: int = 0
    corrupt: int = 0  # entries that failed verification (counted as misses too)
    stored: int = 0
    write_errors: int = 0  # the render still succeeds; the entry is just not kept
    evicted: int = 0

    def since(self, earlier: CacheStats) -> CacheStats:
        """The counts added after `earlier` was copied: one render's share of a shared cache."""
        return CacheStats(
            **{f.name: getattr(self, f.name) - getattr(earlier, f.name) for f in fields(self)}
        )


@dataclass(frozen=True)
class _Header:
    key: str
    kind: str
    length: int
    sha256: str

    def encode(self) -> bytes:
        text = json.dumps(asdict(self), sort_keys=True).encode("utf-8")
        return _MAGIC + _HEADER_LENGTH.pack(len(text)) + text


def _parse(blob: bytes, key: str, kind: str) -> bytes | None:
    """The payload of a stored entry, or None if anything about it is wrong."""
    start = len(_MAGIC) + _HEADER_LENGTH.size
    if len(blob) < start or not blob.startswith(_MAGIC):
        return None
    (size,) = _HEADER_LENGTH.unpack_from(blob, len(_MAGIC))
    if size > _MAX_HEADER_BYTES or len(blob) < start + size:
        return None
    try:
        header = _Header(**json.loads(blob[start : start + size]))
    except (ValueError, TypeError):
        return None
    payload = blob[start + size :]
    valid = (
        header.key == key
        and header.kind == kind
        and header.length == len(payload)
        and hashlib.sha256(payload).hexdigest() == header.sha256
    )
    return payload if valid else None


class ChainCache:
    """Processed DI × chain signals and chain alignments on disk, keyed by content."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise InvalidInput("cache", f"max_bytes must be positive, got {max_bytes}")
        self.root = root
        self.max_bytes = max_bytes
        self.stats = CacheStats()
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InvalidInput(str(root), f"cannot create cache folder: {err.strerror}") from None

    def _path(self, key: str) -> Path:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise InvalidInput("cache", f"key {key!r} is not a SHA-256 hex digest")
        return self.root / key[:2] / f"{key}{_SUFFIX}"

    def _read(self, key: str, kind: str, size: int | None = None) -> bytes | None:
        path = self._path(key)
        try:
            blob = path.read_bytes()
        except OSError:
            self.stats.misses += 1
            return None
        payload = _parse(blob, key, kind)
        if payload is None or (size is not None and len(payload) != size):
            self.stats.corrupt += 1
            self.stats.misses += 1
            return None
        # The LRU clock: a hit makes the entry the newest. It may have been evicted by another
        # process meanwhile, which is harmless: we already hold its bytes.
        with contextlib.suppress(OSError):
            os.utime(path)
        self.stats.hits += 1
        return payload

    def _write(self, key: str, kind: str, payload: bytes) -> None:
        header = _Header(key, kind, len(payload), hashlib.sha256(payload).hexdigest()).encode()
        if len(header) + len(payload) > self.max_bytes:
            return  # it would evict everything else and then itself
        path = self._path(key)
        temp = path.with_name(f"{_TEMP_PREFIX}{key[:16]}-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            path.parent.mkdir(exist_ok=True)
            # No fsync: a torn entry after a crash fails its checksum and is recomputed.
            with temp.open("wb") as f:
                f.write(header)
                f.write(payload)
            os.replace(temp, path)
        except OSError:
            self.stats.write_errors += 1
            with contextlib.suppress(OSError):
                temp.unlink(missing_ok=True)
            return
        self.stats.stored += 1
        self.evict()

    def get_signal(self, key: str, length: int) -> Signal | None:
        """The stored mono float32 signal of `length` samples for `key`, or None."""
        payload = self._read(key, "signal", length * _SIGNAL_DTYPE.itemsize)
        if payload is None:
            return None
        return np.frombuffer(payload, dtype=_SIGNAL_DTYPE).astype(np.float32)

    def put_signal(self, key: str, signal: Signal) -> None:
        """Store a mono float32 signal under `key` (best effort: a full disk is not an error)."""
        if signal.ndim != 1 or signal.dtype != np.float32:
            raise InvalidInput("cache", f"expected mono float32, got {signal.dtype} {signal.shape}")
        self._write(key, "signal", np.ascontiguousarray(signal, dtype=_SIGNAL_DTYPE).tobytes())

    def get_alignment(self, key: str) -> Alignment | None:
        """The stored alignment for `key`, or None."""
        payload = self._read(key, "alignment")
        if payload is None:
            return None
        try:
            return Alignment(**json.loads(payload))
        except (ValueError, TypeError, InvalidInput):
            self.stats.corrupt += 1
            return None

    def put_alignment(self, key: str, alignment: Alignment) -> None:
        """Store a measured alignment under `key` (floats round-trip exactly through JSON)."""
        self._write(key, "alignment", json.dumps(asdict(alignment), sort_keys=True).encode())

    def _entries(self) -> list[tuple[int, str, int, Path]]:
        entries = []
        now = time.time()
        for folder in self.root.iterdir() if self.root.is_dir() else []:
            for path in folder.iterdir() if folder.is_dir() else []:
                try:
                    status = path.stat()
                except OSError:
                    continue  # removed by another process
                if path.name.startswith(_TEMP_PREFIX):
                    if now - status.st_mtime > _STALE_TEMP_SECONDS:
                        path.unlink(missing_ok=True)
                elif path.name.endswith(_SUFFIX):
                    entries.append((status.st_mtime_ns, path.name, status.st_size, path))
        return entries

    def size_bytes(self) -> int:
        """Bytes held by complete entries."""
        return sum(size for _, _, size, _ in self._entries())

    def evict(self) -> int:
        """Delete least recently used entries until the folder fits `max_bytes`."""
        entries = sorted(self._entries())
        total = sum(size for _, _, size, _ in entries)
        removed = 0
        for _, _, size, path in entries:
            if total <= self.max_bytes:
                break
            try:
                path.unlink()
                removed += 1
            except FileNotFoundError:
                pass  # another process evicted it first; it no longer counts either way
            except OSError:
                continue
            total -= size
        self.stats.evicted += removed
        return removed
