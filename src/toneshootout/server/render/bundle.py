"""The ZIP bundle of a render, streamed as it is written: never whole in memory or on disk.

`zipfile` writes to a non-seekable sink (sizes and CRCs go in data descriptors), the sink hands
each chunk to the response as it is produced, and every blocking step (reading a file,
compressing, CRC) runs in a worker thread, one chunk at a time, so the event loop stays free.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncGenerator, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Final

import anyio

from toneshootout.server.storage.base import Storage
from toneshootout.tone3000.attribution import Credit as Tone3000Credit
from toneshootout.tone3000.attribution import attribution_text as tone3000_attribution

CHUNK_BYTES: Final = 256 * 1024
# Audio and PNG are already dense: storing them costs no CPU and loses nothing.
_COMPRESSED_SUFFIXES: Final = frozenset({".json", ".csv", ".svg", ".txt"})


@dataclass(frozen=True)
class BundleEntry:
    """One member of the ZIP: a stored object (by key) or a few bytes made for the bundle."""

    arcname: str
    size: int
    key: str | None = None
    data: bytes | None = None

    @property
    def compress(self) -> bool:
        return Path(self.arcname).suffix.lower() in _COMPRESSED_SUFFIXES


class _Sink(io.RawIOBase):
    """A write-only, non-seekable stream that keeps what was written until it is taken."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out, self._parts = b"".join(self._parts), []
        return out


def _info(entry: BundleEntry, when: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(entry.arcname, date_time=when.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if entry.compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    info.file_size = entry.size  # lets zipfile pick ZIP64 up front for members over 4 GiB
    return info


def _copy_chunk(source: Iterator[bytes], member: IO[bytes]) -> bool:
    chunk = next(source, b"")
    member.write(chunk)
    return bool(chunk)


async def _write_source(
    member: IO[bytes], sink: _Sink, storage: Storage, key: str
) -> AsyncGenerator[bytes, None]:
    source = await anyio.to_thread.run_sync(storage.read_range, key)
    try:
        while await anyio.to_thread.run_sync(_copy_chunk, source, member):
            if chunk := sink.take():
                yield chunk
    finally:
        close = getattr(source, "close", None)  # a generator: closes the file or the stream
        if close is not None:
            await anyio.to_thread.run_sync(close)


async def stream_zip(
    entries: Sequence[BundleEntry], *, storage: Storage, when: datetime
) -> AsyncGenerator[bytes, None]:
    """The ZIP of `entries`, chunk by chunk, as it is written."""
    sink = _Sink()
    archive = zipfile.ZipFile(sink, mode="w", allowZip64=True)
    for entry in entries:
        member = archive.open(_info(entry, when), "w")
        if entry.data is not None:
            await anyio.to_thread.run_sync(member.write, entry.data)
        elif entry.key is not None:
            chunks = _write_source(member, sink, storage, entry.key)
            try:
                async for chunk in chunks:
                    yield chunk
            finally:
                await chunks.aclose()  # closes the file at once if the client went away
        await anyio.to_thread.run_sync(member.close)
        if chunk := sink.take():
            yield chunk
    await anyio.to_thread.run_sync(archive.close)
    yield sink.take()


@dataclass(frozen=True)
class Credit:
    """A capture or IR used by the render, with what the library knows about it."""

    kind: str
    name: str
    sha256: str
    details: Sequence[tuple[str, str]]  # (label, value), only those present


def attribution_text(
    title: str,
    number: int,
    credits: Sequence[Credit],
    tone3000: Sequence[Tone3000Credit] = (),
) -> str:
    """ATTRIBUTION.txt: every capture and IR the render used, and who made it where known;
    those from TONE3000 in a section of their own (creator, licence, tone page, "Powered by
    TONE3000"), for the files themselves are never in the bundle."""
    lines = [
        f"{title} (render {number})",
        "",
        "This render uses the following captures and impulse responses. Their authors keep",
        "their rights; credit them when you share these files.",
    ]
    for heading, kind in (("Captures", "capture"), ("Impulse responses", "ir")):
        chosen = [c for c in credits if c.kind == kind]
        if not chosen:
            continue
        lines += ["", heading, "-" * len(heading)]
        for credit in chosen:
            lines.append(f"* {credit.name}")
            lines += [f"    {label}: {value}" for label, value in credit.details]
            lines.append(f"    SHA-256: {credit.sha256}")
    if tone3000:
        heading = "From TONE3000"
        lines += ["", heading, "-" * len(heading), tone3000_attribution(tone3000).rstrip()]
    return "\n".join(lines) + "\n"
