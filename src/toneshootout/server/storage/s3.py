"""Storage in an S3-compatible bucket, through boto3.

Objects are staged in a local folder (`new_temp_path`) and uploaded whole by boto3's managed
transfer, which goes multipart above `multipart_threshold_bytes`; a failed multipart upload is
aborted (by s3transfer, and once more here in case that abort failed too), so an error leaves no
object and the staged file in place. Every call has short connect/read timeouts and a few
retries ("standard" mode), so a bucket that is down or slow raises `StorageUnavailable` within
seconds instead of holding a request. Keys are checked as LocalStorage checks them.

An upload that an outage interrupted may still leave an incomplete multipart upload behind
when even the abort could not reach the bucket: give the bucket a lifecycle rule that aborts
incomplete multipart uploads after a day (docs/SERVICE.md, "Configuration").
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Final
from urllib.parse import quote

import boto3
from boto3.s3.transfer import TransferConfig, create_transfer_manager
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError
from botocore.response import StreamingBody

from toneshootout.server.storage.base import CHUNK_BYTES, StorageUnavailable, StoredObject
from toneshootout.server.storage.copies import CopyCache
from toneshootout.server.storage.staging import Staging
from toneshootout.settings import S3Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import MultipartUploadTypeDef, ObjectIdentifierTypeDef

# S3 deletes at most this many keys per DeleteObjects request.
DELETE_BATCH: Final = 1000
# Parallel part uploads of one file (the machines have few cores; the network is the limit).
TRANSFER_THREADS: Final = 4
# Error codes that mean "not now" (or "not us": a bucket that refuses or lacks our credentials
# cannot store anything either), as opposed to a bad request of ours.
_UNAVAILABLE_CODES: Final = frozenset(
    {
        "SlowDown",
        "ServiceUnavailable",
        "InternalError",
        "RequestTimeout",
        "RequestTimeTooSkewed",
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "TooManyRequestsException",
        "BandwidthLimitExceeded",
        "NoSuchBucket",
        "AccessDenied",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "InvalidToken",
    }
)
_MISSING_CODES: Final = frozenset({"NoSuchKey", "404", "NotFound"})
_MAX_DETAIL: Final = 300


class S3Storage:
    """Objects in one bucket; temp files in the local `staging` folder."""

    def __init__(self, settings: S3Settings, staging: Path) -> None:
        if not settings.bucket:
            raise ValueError("S3 storage needs a bucket (TONESHOOTOUT_STORAGE__S3__BUCKET)")
        self.bucket = settings.bucket
        self._settings = settings
        self._staging = Staging(staging)
        self._copies = CopyCache(staging / "copies", settings.copy_cache_bytes)
        self._client = _client(settings, settings.endpoint_url, settings.max_attempts)
        # Cleanup after a failed upload tries once: the bucket is probably still down.
        self._cleanup_client = _client(settings, settings.endpoint_url, 1)
        # SigV4 signs the host, so URLs for browsers are signed for the host they will use.
        self._presigner = (
            _client(settings, settings.public_endpoint_url, settings.max_attempts)
            if settings.public_endpoint_url
            else self._client
        )
        self._transfer = TransferConfig(
            multipart_threshold=settings.multipart_threshold_bytes,
            multipart_chunksize=settings.multipart_threshold_bytes,
            max_concurrency=TRANSFER_THREADS,
        )

    # -- staging ------------------------------------------------------------------------------

    def new_temp_path(self) -> Path:
        return self._staging.new_path()

    def sweep_temp(self, *, older_than_seconds: float) -> int:
        """Stale staging files, and multipart uploads a killed process left open in the bucket.

        An open multipart upload is invisible as an object but its parts are stored (and
        billed); one started longer ago than the grace belongs to no live request, as a
        staging file that old does.
        """
        removed = self._staging.sweep(older_than_seconds=older_than_seconds)
        cutoff = time.time() - older_than_seconds
        with self._answering("sweeping abandoned multipart uploads"):
            pages = self._client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket
            )
            for page in pages:
                for key, upload_id in abandoned_uploads(page.get("Uploads", []), cutoff):
                    self._client.abort_multipart_upload(
                        Bucket=self.bucket, Key=key, UploadId=upload_id
                    )
                    removed += 1
        return removed

    def free_bytes(self) -> int:
        return shutil.disk_usage(self._staging.folder).free

    def is_ready(self) -> bool:
        if not self._staging.is_writable():
            return False
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError):
            return False
        return True

    # -- writing ------------------------------------------------------------------------------

    def put_file(self, temp: Path, key: str) -> None:
        self._upload(str(temp), checked_key(key))
        temp.unlink()

    def put_stream(self, key: str, chunks: Iterable[bytes]) -> int:
        reader = _ChunkReader(chunks)
        self._upload(io.BufferedReader(reader, CHUNK_BYTES), checked_key(key))
        return reader.size

    def _upload(self, source: str | BinaryIO, key: str) -> None:
        """Store a file (by name) or a stream as `key`; multipart above the threshold."""
        with (
            self._cleaned_up_on_error(key),
            self._answering(f"storing {key}"),
            create_transfer_manager(self._client, self._transfer) as transfers,
        ):
            transfers.upload(source, self.bucket, key).result()

    def delete(self, key: str) -> None:
        key = checked_key(key)
        with self._answering(f"deleting {key}"):
            self._client.delete_object(Bucket=self.bucket, Key=key)

    def delete_prefix(self, prefix: str) -> int:
        prefix = checked_prefix(prefix)
        deleted = 0
        batch: list[ObjectIdentifierTypeDef] = []
        for stored in self.list_prefix(prefix):
            batch.append({"Key": stored.key})
            if len(batch) == DELETE_BATCH:
                deleted += self._delete_batch(batch)
                batch = []
        if batch:
            deleted += self._delete_batch(batch)
        return deleted

    def _delete_batch(self, batch: list[ObjectIdentifierTypeDef]) -> int:
        with self._answering(f"deleting {len(batch)} objects"):
            answer = self._client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
            )
        errors = answer.get("Errors", [])
        if errors:
            first = errors[0]
            raise StorageUnavailable(
                f"bucket {self.bucket!r} kept {len(errors)} of {len(batch)} objects "
                f"({first.get('Code', '?')} for {first.get('Key', '?')})"
            )
        return len(batch)

    # -- reading ------------------------------------------------------------------------------

    def stat(self, key: str) -> StoredObject | None:
        key = checked_key(key)
        try:
            with self._answering(f"looking up {key}"):
                head = self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as err:
            if _code(err) in _MISSING_CODES:
                return None
            raise
        return StoredObject(key, head["ContentLength"], head["LastModified"].timestamp())

    def read_range(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        key = checked_key(key)
        if start < 0 or (end is not None and end < 0):
            raise ValueError(f"a byte range starts and ends at 0 or later, not {start}..{end}")
        if end is not None and end <= start:
            if self.stat(key) is None:
                raise FileNotFoundError(f"no stored object {key!r}")
            return iter(())
        try:
            with self._answering(f"reading {key}"):
                if start == 0 and end is None:
                    answer = self._client.get_object(Bucket=self.bucket, Key=key)
                else:
                    last = "" if end is None else str(end - 1)
                    answer = self._client.get_object(
                        Bucket=self.bucket, Key=key, Range=f"bytes={start}-{last}"
                    )
        except ClientError as err:
            if _code(err) in _MISSING_CODES:
                raise FileNotFoundError(f"no stored object {key!r}") from None
            if _code(err) == "InvalidRange":  # starts at or past the end (or an empty object)
                return iter(())
            raise
        return self._chunks(answer["Body"], key)

    def _chunks(self, body: StreamingBody, key: str) -> Iterator[bytes]:
        try:
            with self._answering(f"reading {key}"):
                while block := body.read(CHUNK_BYTES):
                    yield block
        finally:
            body.close()

    def download(self, key: str, target: Path) -> None:
        chunks = self.read_range(key)  # a missing object fails here, before any file is made
        partial = target.with_name(f".{target.name}.{secrets.token_hex(8)}.part")
        try:
            with partial.open("wb") as f:
                for block in chunks:
                    f.write(block)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)

    def cached_copy(self, key: str) -> Path:
        return self._copies.copy_of(checked_key(key), self.download)

    def list_prefix(self, prefix: str) -> Iterator[StoredObject]:
        prefix = checked_prefix(prefix)  # checked at the call, not at the first item
        return self._listing(prefix)

    def _listing(self, prefix: str) -> Iterator[StoredObject]:
        pages = self._client.get_paginator("list_objects_v2")
        with self._answering(f"listing {prefix}"):
            for page in pages.paginate(Bucket=self.bucket, Prefix=prefix):
                for entry in page.get("Contents", []):
                    yield StoredObject(
                        entry["Key"], entry["Size"], entry["LastModified"].timestamp()
                    )

    def presigned_url(
        self, key: str, *, filename: str, media_type: str, expires_seconds: int
    ) -> str | None:
        key = checked_key(key)
        if not self._settings.presign_downloads:
            return None  # configured to stream downloads through the API
        with self._answering(f"signing a URL for {key}"):
            return self._presigner.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": key,
                    "ResponseContentDisposition": attachment(filename),
                    "ResponseContentType": media_type,
                },
                ExpiresIn=expires_seconds,
            )

    # -- errors -------------------------------------------------------------------------------

    @contextmanager
    def _answering(self, doing: str) -> Iterator[None]:
        """Turn "the bucket did not answer" into `StorageUnavailable`; other errors pass."""
        try:
            yield
        except (BotoCoreError, ClientError) as err:
            if not _is_unavailable(err):
                raise
            why = str(err) if isinstance(err, BotoCoreError) else _client_error_summary(err)
            detail = f"bucket {self.bucket!r} did not answer while {doing}: {why}"
            raise StorageUnavailable(detail[:_MAX_DETAIL]) from err

    @contextmanager
    def _cleaned_up_on_error(self, key: str) -> Iterator[None]:
        """On any failure, make sure `key` holds nothing: no object, no open multipart upload.

        A PUT whose answer was lost may have been stored all the same, and s3transfer's abort
        of a failed multipart upload fails when the bucket is down. Both are retried once here,
        best-effort: what still cannot be removed is an orphan for the janitor.
        """
        try:
            yield
        except BaseException:
            with suppress(BotoCoreError, ClientError):
                self._abort_uploads(key)
            with suppress(BotoCoreError, ClientError):
                self._cleanup_client.delete_object(Bucket=self.bucket, Key=key)
            raise

    def _abort_uploads(self, key: str) -> None:
        listing = self._cleanup_client.list_multipart_uploads(Bucket=self.bucket, Prefix=key)
        for upload in listing.get("Uploads", []):
            if upload.get("Key") == key and "UploadId" in upload:
                self._cleanup_client.abort_multipart_upload(
                    Bucket=self.bucket, Key=key, UploadId=upload["UploadId"]
                )


class _ChunkReader(io.RawIOBase):
    """An iterable of byte chunks as a non-seekable file, counting what it hands out."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = b""
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        self.size += n
        return n


def _client(settings: S3Settings, endpoint_url: str | None, max_attempts: int) -> S3Client:
    config = Config(
        connect_timeout=settings.connect_timeout_seconds,
        read_timeout=settings.read_timeout_seconds,
        retries={"mode": "standard", "max_attempts": max_attempts},
        signature_version="s3v4",
        s3={"addressing_style": "path" if settings.path_style else "auto"},
    )
    # A session per client: boto3's default session is shared state no thread may race on.
    session = boto3.session.Session()
    return session.client(
        "s3", endpoint_url=endpoint_url, region_name=settings.region, config=config
    )


def _code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


def _status(err: ClientError) -> int:
    return int(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def _is_unavailable(err: BotoCoreError | ClientError) -> bool:
    if isinstance(err, ClientError):
        return _status(err) >= 500 or _status(err) == 429 or _code(err) in _UNAVAILABLE_CODES
    # Connections refused or reset, timeouts, cut streams, no credentials: all but our own
    # malformed call.
    return not isinstance(err, ParamValidationError)


def _client_error_summary(err: ClientError) -> str:
    message = str(err.response.get("Error", {}).get("Message", "")).strip()
    summary = f"{_code(err) or 'error'} (HTTP {_status(err)})"
    return f"{summary}: {message}" if message else summary


# -- keys -----------------------------------------------------------------------------------------


def abandoned_uploads(
    uploads: Iterable[MultipartUploadTypeDef], cutoff: float
) -> Iterator[tuple[str, str]]:
    """(key, upload id) of each listed multipart upload started before `cutoff` (epoch s)."""
    for upload in uploads:
        started = upload.get("Initiated")
        if started is None or started.timestamp() > cutoff:
            continue
        if "Key" in upload and "UploadId" in upload:
            yield upload["Key"], upload["UploadId"]


def checked_key(key: str) -> str:
    """`key` if it names an object as LocalStorage would accept it, else ValueError."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(part in {"", ".", ".."} for part in parts):
        raise ValueError(f"bad storage key {key!r}: empty, absolute or with an empty/dot segment")
    if parts[0] == ".tmp":
        raise ValueError(f"storage key reaches the temp folder: {key!r}")
    return key


def checked_prefix(prefix: str) -> str:
    """`prefix` if it selects part of the store (never all of it), else ValueError."""
    parts = prefix.split("/")
    if not prefix.strip("/"):
        raise ValueError(f"refusing the whole storage root: {prefix!r}")
    if prefix.startswith("/") or any(part in {".", ".."} for part in parts):
        raise ValueError(f"bad storage prefix {prefix!r}: absolute or with a dot segment")
    if parts[0].startswith("."):
        raise ValueError(f"storage prefix reaches the temp folder: {prefix!r}")
    return prefix


def attachment(filename: str) -> str:
    """A Content-Disposition `attachment` with an ASCII `filename` and, when needed, the
    RFC 8187 `filename*` (as the API's own downloads send)."""
    fallback = "".join(
        "_" if not 32 <= ord(char) <= 126 or char in '"\\%;' else char for char in filename
    )
    header = f'attachment; filename="{fallback}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header
