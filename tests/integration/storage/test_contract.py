"""The Storage protocol, one contract for every backend: a local folder and an S3 bucket (moto).

Prefixes are plain string prefixes on both (`a/b` selects `a/b/…` and `a/bc/…`, `a/b/` only
the first); listings come in key order. The S3 runs add what only a bucket has: multipart
uploads, presigned URLs, and outages (a proxy in front of the server, taken down or slowed).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.s3_server import FaultProxy, S3Server, client, s3_settings
from toneshootout.server.storage.base import Storage, StorageUnavailable, put_tree, read_bytes
from toneshootout.server.storage.local import LocalStorage
from toneshootout.server.storage.s3 import S3Storage, abandoned_uploads

MIB = 1024 * 1024
THRESHOLD = 5 * MIB  # s3_settings' multipart threshold, the smallest the settings allow
# An outage must be answered within seconds; this bound only catches a hang (it is many times
# the configured timeouts, so a slow machine does not fail it).
OUTAGE_BOUND_S = 30.0
BAD_KEYS = ["", "/abs", "../x", "a/../../x", "a/../b", ".tmp/x", ".tmp/a.part"]
BAD_PREFIXES = ["", "/", "//", ".tmp/", ".", "x/../", "../", "x/../.tmp/"]


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    server: S3Server = request.getfixturevalue("s3_server")
    bucket: str = request.getfixturevalue("s3_bucket")
    return S3Storage(s3_settings(bucket, server.url), staging=tmp_path / "staging")


@pytest.fixture
def bucket_storage(s3_server: S3Server, s3_bucket: str, tmp_path: Path) -> S3Storage:
    return S3Storage(s3_settings(s3_bucket, s3_server.url), staging=tmp_path / "staging")


@pytest.fixture
def proxied(fault_proxy: FaultProxy, s3_bucket: str, tmp_path: Path) -> S3Storage:
    """S3 storage that reaches its bucket through the fault proxy."""
    return S3Storage(s3_settings(s3_bucket, fault_proxy.url), staging=tmp_path / "staging")


def staged(storage: Storage, data: bytes) -> Path:
    temp = storage.new_temp_path()
    temp.write_bytes(data)
    return temp


def store(storage: Storage, key: str, data: bytes) -> None:
    storage.put_file(staged(storage, data), key)


def keys(storage: Storage, prefix: str) -> list[str]:
    return [entry.key for entry in storage.list_prefix(prefix)]


# -- writing and reading ---------------------------------------------------------------------------


def test_put_file_stores_the_file_and_consumes_the_temp(storage: Storage) -> None:
    temp = staged(storage, b"hello world")
    storage.put_file(temp, "owner/a.wav")
    assert not temp.exists()
    assert read_bytes(storage, "owner/a.wav") == b"hello world"
    stored = storage.stat("owner/a.wav")
    assert stored is not None
    assert (stored.key, stored.size) == ("owner/a.wav", 11)
    assert abs(stored.modified - time.time()) < 24 * 3600


def test_put_file_takes_a_file_from_outside_the_staging_folder(
    storage: Storage, tmp_path: Path
) -> None:
    outside = tmp_path / "scratch" / "out.bin"
    outside.parent.mkdir()
    outside.write_bytes(b"rendered")
    storage.put_file(outside, "owner/renders/r/a1/out.bin")
    assert not outside.exists()
    assert read_bytes(storage, "owner/renders/r/a1/out.bin") == b"rendered"


def test_put_stream_returns_the_size_and_stores_the_bytes(storage: Storage) -> None:
    size = storage.put_stream("owner/s.bin", iter([b"ab", b"", b"cde", b"f" * 300_000]))
    assert size == 5 + 300_000
    assert read_bytes(storage, "owner/s.bin") == b"abcde" + b"f" * 300_000


def test_an_empty_object(storage: Storage) -> None:
    assert storage.put_stream("owner/empty", iter([])) == 0
    stored = storage.stat("owner/empty")
    assert stored is not None
    assert stored.size == 0
    assert read_bytes(storage, "owner/empty") == b""
    assert b"".join(storage.read_range("owner/empty", 0, 10)) == b""
    assert b"".join(storage.read_range("owner/empty", 3)) == b""


def test_put_stream_that_fails_stores_nothing_and_passes_the_error_on(storage: Storage) -> None:
    # Past the multipart threshold, so a bucket has started a multipart upload when it fails.
    def chunks() -> Iterator[bytes]:
        for _ in range(6):
            yield b"x" * MIB
        raise RuntimeError("the client went away")

    with pytest.raises(RuntimeError, match="went away"):
        storage.put_stream("owner/partial.bin", chunks())
    assert storage.stat("owner/partial.bin") is None
    assert keys(storage, "owner/") == []


def test_put_replaces_nothing_else_and_a_key_can_be_rewritten(storage: Storage) -> None:
    store(storage, "owner/a", b"one")
    store(storage, "owner/b", b"other")
    store(storage, "owner/a", b"two")
    assert read_bytes(storage, "owner/a") == b"two"
    assert read_bytes(storage, "owner/b") == b"other"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, None, b"0123456789"),
        (2, 5, b"234"),
        (7, None, b"789"),  # to the end
        (9, 10, b"9"),  # the last byte
        (8, 100, b"89"),  # an end past the object is clipped
        (10, None, b""),  # starting at the end
        (10, 12, b""),
        (50, None, b""),  # starting past the end
        (5, 5, b""),  # an empty range
        (6, 3, b""),  # an end before the start
    ],
)
def test_read_range(storage: Storage, start: int, end: int | None, expected: bytes) -> None:
    store(storage, "owner/digits", b"0123456789")
    assert b"".join(storage.read_range("owner/digits", start, end)) == expected


def test_read_range_comes_in_bounded_chunks(storage: Storage) -> None:
    data = os.urandom(600_000)
    store(storage, "owner/big", data)
    chunks = list(storage.read_range("owner/big", 1, 599_999))
    assert b"".join(chunks) == data[1:599_999]
    assert max(len(c) for c in chunks) <= 256 * 1024


@pytest.mark.parametrize(("start", "end"), [(0, None), (3, 8), (5, 5), (7, None)])
def test_read_range_of_a_missing_key_fails_at_the_call(
    storage: Storage, start: int, end: int | None
) -> None:
    with pytest.raises(FileNotFoundError):
        storage.read_range("owner/missing", start, end)  # not iterated: the call itself fails


def test_stat_of_missing_keys_and_of_folders(storage: Storage) -> None:
    store(storage, "owner/sub/file", b"x")
    assert storage.stat("owner/missing") is None
    assert storage.stat("owner/sub") is None  # a folder of keys is no object
    assert storage.stat("nobody/at/all") is None


def test_download_copies_the_object_and_replaces_the_target(
    storage: Storage, tmp_path: Path
) -> None:
    data = os.urandom(300_000)
    store(storage, "owner/d.wav", data)
    target = tmp_path / "cache" / "d.wav"
    target.parent.mkdir()
    target.write_bytes(b"stale")
    storage.download("owner/d.wav", target)
    assert target.read_bytes() == data
    assert sorted(p.name for p in target.parent.iterdir()) == ["d.wav"]


def test_download_of_a_missing_key_fails_and_leaves_the_target(
    storage: Storage, tmp_path: Path
) -> None:
    target = tmp_path / "kept.wav"
    target.write_bytes(b"kept")
    with pytest.raises(FileNotFoundError):
        storage.download("owner/missing", target)
    assert target.read_bytes() == b"kept"
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["kept.wav"]


def test_delete_removes_one_key_and_a_missing_key_is_fine(storage: Storage) -> None:
    store(storage, "owner/a", b"a")
    store(storage, "owner/b", b"b")
    storage.delete("owner/a")
    storage.delete("owner/a")
    storage.delete("owner/never")
    assert storage.stat("owner/a") is None
    assert keys(storage, "owner/") == ["owner/b"]


def test_put_tree_stores_a_folder_under_a_prefix(storage: Storage, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    (folder / "audio").mkdir(parents=True)
    (folder / "manifest.json").write_text("{}")
    (folder / "audio" / "a.flac").write_bytes(b"flac")
    written = put_tree(storage, folder, "owner/renders/r/a1")
    assert written == ["owner/renders/r/a1/audio/a.flac", "owner/renders/r/a1/manifest.json"]
    assert keys(storage, "owner/renders/r/") == written


# -- prefixes --------------------------------------------------------------------------------------

LAYOUT = {
    "a/b/1": b"1",
    "a/b/2/deep": b"22",
    "a/b-1": b"333",
    "a/bc/3": b"4444",
    "a/c/4": b"5",
    "ab/5": b"6",
}


@pytest.fixture
def laid_out(storage: Storage) -> Storage:
    for key, data in LAYOUT.items():
        store(storage, key, data)
    return storage


def test_list_prefix_is_a_string_prefix_in_key_order(laid_out: Storage) -> None:
    assert keys(laid_out, "a/b/") == ["a/b/1", "a/b/2/deep"]
    assert keys(laid_out, "a/b") == ["a/b-1", "a/b/1", "a/b/2/deep", "a/bc/3"]
    assert keys(laid_out, "a/") == ["a/b-1", "a/b/1", "a/b/2/deep", "a/bc/3", "a/c/4"]
    assert keys(laid_out, "a") == [*keys(laid_out, "a/"), "ab/5"]
    assert keys(laid_out, "a/b/2/deep") == ["a/b/2/deep"]
    assert keys(laid_out, "a/x") == []
    assert keys(laid_out, "nothing/") == []


def test_list_prefix_gives_sizes(laid_out: Storage) -> None:
    sizes = {entry.key: entry.size for entry in laid_out.list_prefix("a/")}
    assert sizes == {key: len(data) for key, data in LAYOUT.items() if key.startswith("a/")}


def test_delete_prefix_with_a_slash_keeps_the_siblings(laid_out: Storage) -> None:
    assert laid_out.delete_prefix("a/b/") == 2
    assert keys(laid_out, "a") == ["a/b-1", "a/bc/3", "a/c/4", "ab/5"]


def test_delete_prefix_without_a_slash_is_a_string_prefix(laid_out: Storage) -> None:
    assert laid_out.delete_prefix("a/b") == 4
    assert keys(laid_out, "a") == ["a/c/4", "ab/5"]
    assert laid_out.delete_prefix("a/b") == 0
    assert laid_out.delete_prefix("missing/") == 0


def test_delete_prefix_removes_more_than_one_batch(storage: Storage) -> None:
    for i in range(1001):  # S3 deletes at most 1000 keys per request
        storage.put_stream(f"owner/many/{i:04d}", iter([b"x"]))
    store(storage, "owner/kept", b"k")
    assert storage.delete_prefix("owner/many/") == 1001
    assert keys(storage, "owner/") == ["owner/kept"]


@pytest.mark.parametrize("prefix", BAD_PREFIXES)
def test_prefixes_reaching_the_root_the_temp_folder_or_out_are_refused(
    laid_out: Storage, prefix: str
) -> None:
    with pytest.raises(ValueError, match="storage"):
        laid_out.delete_prefix(prefix)
    with pytest.raises(ValueError, match="storage"):
        laid_out.list_prefix(prefix)
    assert len(keys(laid_out, "a")) == 6


@pytest.mark.parametrize("key", BAD_KEYS)
def test_bad_keys_are_refused_by_every_method(storage: Storage, key: str, tmp_path: Path) -> None:
    temp = staged(storage, b"x")
    for call in (
        lambda: storage.put_file(temp, key),
        lambda: storage.put_stream(key, iter([b"x"])),
        lambda: storage.stat(key),
        lambda: storage.read_range(key),
        lambda: storage.download(key, tmp_path / "target"),
        lambda: storage.delete(key),
        lambda: storage.presigned_url(
            key, filename="f", media_type="audio/wav", expires_seconds=60
        ),
    ):
        with pytest.raises(ValueError, match="storage key"):
            call()
    assert temp.exists()


# -- staging, capacity, readiness, the transitional methods -------------------------------------


def test_temp_paths_are_fresh_private_and_swept_when_stale(storage: Storage) -> None:
    first, second = storage.new_temp_path(), storage.new_temp_path()
    assert first != second
    assert first.exists()
    assert first.stat().st_size == 0
    assert first.stat().st_mode & 0o777 == 0o600
    old = time.time() - 7200
    os.utime(first, (old, old))
    assert storage.sweep_temp(older_than_seconds=3600) == 1
    assert not first.exists()
    assert second.exists()


def test_free_bytes_and_readiness(storage: Storage) -> None:
    assert storage.free_bytes() > 0
    assert storage.is_ready()


def test_a_missing_bucket_is_not_ready(s3_server: S3Server, tmp_path: Path) -> None:
    storage = S3Storage(s3_settings("ts-no-such-bucket", s3_server.url), staging=tmp_path)
    assert not storage.is_ready()
    with pytest.raises(StorageUnavailable, match="ts-no-such-bucket"):
        storage.read_range("owner/a")


# -- what only a bucket has ----------------------------------------------------------------------


def test_large_files_go_up_in_parts(bucket_storage: S3Storage, s3_server: S3Server) -> None:
    data = os.urandom(THRESHOLD + MIB)
    store(bucket_storage, "owner/big.wav", data)
    head = client(s3_server.url).head_object(Bucket=bucket_storage.bucket, Key="owner/big.wav")
    assert head["ETag"].strip('"').endswith("-2")  # two parts: 5 MiB and 1 MiB
    digest = hashlib.sha256(b"".join(bucket_storage.read_range("owner/big.wav"))).digest()
    assert digest == hashlib.sha256(data).digest()


def test_small_files_go_up_whole(bucket_storage: S3Storage, s3_server: S3Server) -> None:
    store(bucket_storage, "owner/small.wav", b"x" * MIB)
    head = client(s3_server.url).head_object(Bucket=bucket_storage.bucket, Key="owner/small.wav")
    assert "-" not in head["ETag"]


def test_a_failed_multipart_stream_leaves_no_upload_open(
    bucket_storage: S3Storage, s3_server: S3Server
) -> None:
    def chunks() -> Iterator[bytes]:
        yield os.urandom(THRESHOLD + MIB)
        raise RuntimeError("cut")

    with pytest.raises(RuntimeError, match="cut"):
        bucket_storage.put_stream("owner/cut.bin", chunks())
    uploads = client(s3_server.url).list_multipart_uploads(Bucket=bucket_storage.bucket)
    assert uploads.get("Uploads", []) == []


def test_the_sweep_aborts_multipart_uploads_a_killed_process_left_open(
    bucket_storage: S3Storage, s3_server: S3Server
) -> None:
    """A process killed mid-upload never aborts its multipart upload: the janitor's sweep does.

    moto lists every upload as initiated in 2010, so the grace is tested on its own below.
    """
    s3 = client(s3_server.url)
    left = s3.create_multipart_upload(Bucket=bucket_storage.bucket, Key="owner/killed.wav")
    s3.upload_part(
        Bucket=bucket_storage.bucket,
        Key="owner/killed.wav",
        UploadId=left["UploadId"],
        PartNumber=1,
        Body=os.urandom(THRESHOLD),
    )
    assert bucket_storage.sweep_temp(older_than_seconds=0) == 1
    assert s3.list_multipart_uploads(Bucket=bucket_storage.bucket).get("Uploads", []) == []
    assert bucket_storage.stat("owner/killed.wav") is None


def test_only_uploads_started_before_the_grace_count_as_abandoned() -> None:
    now = datetime.now(UTC)
    uploads: list[Any] = [
        {"Key": "o/old", "UploadId": "1", "Initiated": now - timedelta(hours=2)},
        {"Key": "o/live", "UploadId": "2", "Initiated": now - timedelta(minutes=5)},
        {"Key": "o/unknown", "UploadId": "3"},
    ]
    cutoff = (now - timedelta(hours=1)).timestamp()
    assert list(abandoned_uploads(uploads, cutoff)) == [("o/old", "1")]


def test_local_storage_has_no_presigned_urls(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    assert (
        storage.presigned_url("o/a", filename="a", media_type="audio/wav", expires_seconds=9)
        is None
    )


def test_presigned_url_serves_the_object_as_a_named_attachment(
    bucket_storage: S3Storage,
) -> None:
    store(bucket_storage, "owner/take.flac", b"fLaC-bytes")
    url = bucket_storage.presigned_url(
        "owner/take.flac",
        filename="Riff – take 1.flac",
        media_type="audio/flac",
        expires_seconds=60,
    )
    assert url is not None
    assert "X-Amz-Signature=" in url
    assert "X-Amz-Expires=60" in url
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.content == b"fLaC-bytes"
    assert response.headers["content-type"] == "audio/flac"
    assert response.headers["content-disposition"] == (
        'attachment; filename="Riff _ take 1.flac"; '
        "filename*=UTF-8''Riff%20%E2%80%93%20take%201.flac"
    )


def test_presigned_urls_are_signed_for_the_public_endpoint(
    fault_proxy: FaultProxy, s3_server: S3Server, s3_bucket: str, tmp_path: Path
) -> None:
    # The servers reach the bucket directly; browsers through another host (the proxy here).
    settings = s3_settings(s3_bucket, s3_server.url, public_endpoint_url=fault_proxy.url)
    storage = S3Storage(settings, staging=tmp_path)
    store(storage, "owner/a.wav", b"RIFF")
    url = storage.presigned_url(
        "owner/a.wav", filename="a.wav", media_type="audio/wav", expires_seconds=300
    )
    assert url is not None
    assert url.startswith(f"{fault_proxy.url}/{s3_bucket}/owner/a.wav?")
    assert httpx.get(url).content == b"RIFF"


def test_presigning_can_be_turned_off(s3_server: S3Server, s3_bucket: str, tmp_path: Path) -> None:
    settings = s3_settings(s3_bucket, s3_server.url, presign_downloads=False)
    storage = S3Storage(settings, staging=tmp_path)
    assert (
        storage.presigned_url("o/a", filename="a", media_type="audio/wav", expires_seconds=9)
        is None
    )


# -- outages -------------------------------------------------------------------------------------


def _unavailable_quickly(call: object) -> StorageUnavailable:
    began = time.monotonic()
    with pytest.raises(StorageUnavailable) as raised:
        call()  # type: ignore[operator]
    assert time.monotonic() - began < OUTAGE_BOUND_S
    return raised.value


def test_a_bucket_that_is_down_raises_storage_unavailable(
    proxied: S3Storage, fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    store(proxied, "owner/a", b"a")
    fault_proxy.down()
    target = tmp_path / "t"
    for call in (
        lambda: proxied.stat("owner/a"),
        lambda: proxied.read_range("owner/a"),
        lambda: proxied.download("owner/a", target),
        lambda: proxied.delete("owner/a"),
        lambda: proxied.delete_prefix("owner/"),
        lambda: list(proxied.list_prefix("owner/")),
        lambda: proxied.put_stream("owner/b", iter([b"b"])),
    ):
        error = _unavailable_quickly(call)
        assert proxied.bucket in str(error)
        assert "test-secret-key" not in str(error)
        assert error.retry_after_seconds > 0
    assert not proxied.is_ready()
    assert not target.exists()
    fault_proxy.up()
    assert read_bytes(proxied, "owner/a") == b"a"
    assert proxied.is_ready()


@pytest.mark.parametrize("size", [10, THRESHOLD + MIB], ids=["whole", "multipart"])
def test_put_file_during_an_outage_keeps_the_temp_and_stores_nothing(
    proxied: S3Storage, fault_proxy: FaultProxy, s3_server: S3Server, size: int
) -> None:
    temp = staged(proxied, b"z" * size)
    fault_proxy.down()
    _unavailable_quickly(lambda: proxied.put_file(temp, "owner/up.wav"))
    assert temp.stat().st_size == size
    s3 = client(s3_server.url)
    assert s3.list_objects_v2(Bucket=proxied.bucket).get("KeyCount") == 0
    fault_proxy.up()
    proxied.put_file(temp, "owner/up.wav")  # the caller's retry works once the bucket is back
    assert not temp.exists()
    assert read_bytes(proxied, "owner/up.wav") == b"z" * size


def test_a_bucket_that_hangs_raises_storage_unavailable(
    proxied: S3Storage, fault_proxy: FaultProxy
) -> None:
    store(proxied, "owner/a", b"a")
    fault_proxy.slow(600)  # far past the 1 s read timeout: looks hung
    error = _unavailable_quickly(lambda: proxied.stat("owner/a"))
    assert "timeout" in str(error).lower()
    fault_proxy.up()
    assert proxied.stat("owner/a") is not None


def test_a_bucket_going_down_mid_read_raises_storage_unavailable(
    proxied: S3Storage, fault_proxy: FaultProxy
) -> None:
    store(proxied, "owner/long", os.urandom(16 * MIB))
    chunks = proxied.read_range("owner/long")
    next(chunks)
    fault_proxy.down()
    _unavailable_quickly(lambda: list(chunks))
