"""Receive one multipart file into a temp file, counting every byte against a cap (REQ-13, 18).

The body is parsed as it arrives (never buffered whole, never spooled by the framework), so the
cap holds whatever Content-Length claimed. Exactly one part is accepted, a file named `file`;
anything else is refused. Disk writes and hashing run in a worker thread, in ~1 MiB blocks, to
keep the event loop free. The caller owns the temp file and deletes it on every path.
"""

from __future__ import annotations

import errno
import hashlib
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import anyio.to_thread
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from toneshootout.server.library.errors import InvalidUpload, StorageFull, UploadTooLarge

FIELD_NAME = "file"
# Room for the boundary lines and part headers around the file's own bytes.
MULTIPART_OVERHEAD_BYTES = 16 * 1024
_FLUSH_BYTES = 1024 * 1024
_MAX_PART_HEADERS = 4
_MAX_HEADER_BYTES = 2048
_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


@dataclass(frozen=True)
class ReceivedFile:
    """The file as written to the temp path."""

    path: Path
    size: int
    sha256: str
    client_filename: str  # only ever used to derive a display name


def multipart_boundary(content_type: str | None) -> bytes:
    """The boundary of a multipart/form-data body, or InvalidUpload."""
    media_type, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if media_type != b"multipart/form-data" or not boundary:
        raise InvalidUpload("expected a multipart/form-data body with one part named 'file'")
    return boundary


class _OnePartCollector:
    """Parser callbacks: one `file` part, its bytes buffered for the next flush."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.parts = 0
        self.size = 0
        self.finished = False
        self.filename: str | None = None
        self.pending = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._field = bytearray()
        self._value = bytearray()

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > 1:
            raise InvalidUpload("send exactly one part, the file named 'file'")
        self._headers.clear()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[bytes(self._field).strip().lower()] = bytes(self._value).strip()
        self._field.clear()
        self._value.clear()

    def on_headers_finished(self) -> None:
        disposition, options = parse_options_header(self._headers.get(b"content-disposition"))
        name = options.get(b"name")
        if disposition != b"form-data" or name != FIELD_NAME.encode():
            raise InvalidUpload("the only accepted part is the file named 'file'")
        filename = options.get(b"filename")
        if filename is None:
            raise InvalidUpload("the 'file' part must be a file upload (it has no filename)")
        self.filename = filename.decode("utf-8", errors="replace")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        self.size += end - start
        if self.size > self.max_bytes:
            raise UploadTooLarge(f"the file is larger than the {self.max_bytes}-byte limit")
        self.pending += data[start:end]

    def on_end(self) -> None:
        self.finished = True

    def callbacks(self) -> dict[str, object]:
        names = (
            "part_begin",
            "header_field",
            "header_value",
            "header_end",
            "headers_finished",
            "part_data",
            "end",
        )
        return {f"on_{name}": getattr(self, f"on_{name}") for name in names}


class _Sink:
    """The temp file and its running SHA-256; every method is called from a worker thread."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def write(self, block: bytes) -> None:
        try:
            self.handle.write(block)
        except OSError as error:
            if error.errno in _DISK_FULL:
                raise StorageFull("the server is out of storage space; try again later") from None
            raise
        self.digest.update(block)


async def _flush(collector: _OnePartCollector, sink: _Sink, *, force: bool = False) -> None:
    if collector.pending and (force or len(collector.pending) >= _FLUSH_BYTES):
        block = bytes(collector.pending)
        collector.pending.clear()
        await anyio.to_thread.run_sync(sink.write, block)


async def _feed(
    body: AsyncIterable[bytes], parser: MultipartParser, collector: _OnePartCollector, sink: _Sink
) -> None:
    received = 0
    limit = collector.max_bytes + MULTIPART_OVERHEAD_BYTES
    async for chunk in body:
        received += len(chunk)
        if received > limit:  # headers, preamble or epilogue padding count too
            raise UploadTooLarge(f"the request body is larger than the {limit}-byte limit")
        try:
            parser.write(chunk)
        except MultipartParseError as error:
            raise InvalidUpload(f"malformed multipart body ({error})") from None
        await _flush(collector, sink)
    try:
        parser.finalize()
    except MultipartParseError as error:
        raise InvalidUpload(f"malformed multipart body ({error})") from None
    await _flush(collector, sink, force=True)


async def receive_single_file(
    body: AsyncIterable[bytes], *, content_type: str | None, temp: Path, max_bytes: int
) -> ReceivedFile:
    """Stream the one `file` part of a multipart body into `temp`, refusing past `max_bytes`."""
    collector = _OnePartCollector(max_bytes)
    parser = MultipartParser(
        multipart_boundary(content_type),
        collector.callbacks(),  # type: ignore[arg-type]  # python-multipart's TypedDict
        max_header_count=_MAX_PART_HEADERS,
        max_header_size=_MAX_HEADER_BYTES,
    )
    handle = await anyio.to_thread.run_sync(temp.open, "wb")
    try:
        sink = _Sink(handle)
        await _feed(body, parser, collector, sink)
    finally:
        await anyio.to_thread.run_sync(handle.close)
    if not collector.finished or collector.filename is None:
        raise InvalidUpload("the body ended before the file part was complete")
    if collector.size == 0:
        raise InvalidUpload("the uploaded file is empty")
    return ReceivedFile(
        path=temp,
        size=collector.size,
        sha256=sink.digest.hexdigest(),
        client_filename=collector.filename,
    )
