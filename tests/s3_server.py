"""A throwaway S3-compatible server for the test run, and a TCP proxy that breaks it on demand.

`s3_server()` starts moto in server mode (`python -m moto.server`) as a separate process on a
free loopback port: real HTTP, SigV4-signed requests from boto3, nothing patched in-process.
The test process gets dummy AWS credentials (`AWS_ENV`); tests make their own buckets
(`create_bucket`, unique names), so they stay independent. Under CI=true a server that cannot
be started fails the run (`s3_or_skip`); elsewhere tests that need it skip.

`FaultProxy` listens on another free port and forwards to the server; storage under test is
pointed at the proxy, which can be switched, at any moment and from any process, to

- `up`: forward bytes as they come;
- `down`: reset every open connection and every new one at once (an unreachable bucket);
- `slow <seconds>`: hold each chunk, either way, that long before forwarding it (a bucket that
  answers too late: past a client's read timeout, it looks hung);
- `cut <bytes>`: forward as `up` until that many more bytes went towards the bucket, then go
  `down` (the proxy rewrites its own file): an outage that lands mid-transfer, at a point set
  by bytes, not by time.

The mode lives in a one-line file (`mode_file`), read for every chunk and every new connection,
so another process (the fault harness's cluster, a shell) switches it by rewriting the file:
`write_mode(path, "down")`, or `echo 'slow 5' > path`. The proxy can run in the test process
(`FaultProxy(...).start()`, `proxy.set_mode(...)`) or as a process of its own:

    python -m tests.s3_server proxy --upstream http://127.0.0.1:PORT --mode-file F [--port N]

prints its URL on one line once it listens, and serves until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import functools
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

import pytest

from tests.redis_server import free_port
from toneshootout.settings import S3Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

IN_CI: Final = os.environ.get("CI") == "true"
REPO_ROOT: Final = Path(__file__).resolve().parents[1]  # where `python -m tests.s3_server` runs
REGION: Final = "us-east-1"
# Dummy credentials: moto accepts any; real ones must never be picked up by a test.
AWS_ENV: Final = {
    "AWS_ACCESS_KEY_ID": "test-access-key",
    "AWS_SECRET_ACCESS_KEY": "test-secret-key",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
START_TIMEOUT_S: Final = 60.0  # moto imports a lot; a busy 2-core machine is slow at it
_POLL_S: Final = 0.05
_BUFFER: Final = 64 * 1024


# -- the server ----------------------------------------------------------------------------------


@dataclass
class S3Server:
    """One moto server process on a loopback port."""

    port: int
    root: Path
    process: subprocess.Popen[bytes] | None = field(default=None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = (self.root / "moto.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **AWS_ENV},
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                client(self.url).list_buckets()
                return
            except Exception:  # not listening yet
                time.sleep(0.2)
        tail = (self.root / "moto.log").read_text(errors="replace")[-500:]
        self.stop()
        raise RuntimeError(f"moto server did not start on port {self.port}: {tail}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


@functools.cache
def client(endpoint_url: str) -> S3Client:
    """A plain boto3 client for setting up and inspecting buckets (not the code under test);
    one per endpoint, as boto3 clients are slow to make and safe to share between threads."""
    import boto3  # noqa: PLC0415 -- boto3 is slow to import; only S3 tests pay for it
    from botocore.config import Config  # noqa: PLC0415

    session = boto3.session.Session(
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )
    config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1})
    return session.client("s3", endpoint_url=endpoint_url, config=config)


def create_bucket(endpoint_url: str) -> str:
    """A new empty bucket with a unique name."""
    name = f"ts-test-{uuid.uuid4().hex[:16]}"
    client(endpoint_url).create_bucket(Bucket=name)
    return name


def drop_bucket(endpoint_url: str, name: str) -> None:
    """Delete a bucket and everything in it (open multipart uploads too)."""
    s3 = client(endpoint_url)
    for upload in s3.list_multipart_uploads(Bucket=name).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
        for entry in page.get("Contents", []):
            s3.delete_object(Bucket=name, Key=entry["Key"])
    s3.delete_bucket(Bucket=name)


def s3_settings(bucket: str, endpoint_url: str, **changes: object) -> S3Settings:
    """Settings for `bucket` at `endpoint_url` (the server or a proxy in front of it), with
    5 MiB parts, 1 s timeouts and two tries, so outage tests take seconds."""
    values: dict[str, object] = {
        "bucket": bucket,
        "endpoint_url": endpoint_url,
        "region": REGION,
        "path_style": True,
        "multipart_threshold_bytes": 5 * 1024 * 1024,
        "connect_timeout_seconds": 1.0,
        "read_timeout_seconds": 1.0,
        "max_attempts": 2,
    }
    return S3Settings.model_validate(values | changes)


@contextmanager
def aws_test_credentials() -> Iterator[None]:
    """Dummy AWS credentials (and no config files, no instance metadata) while the block runs."""
    saved = {name: os.environ.get(name) for name in AWS_ENV}
    os.environ.update(AWS_ENV)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def s3_server() -> Iterator[S3Server]:
    """Start moto on a free loopback port; yield it; stop it and delete its folder after."""
    root = Path(tempfile.mkdtemp(prefix="ts-s3-"))
    server = S3Server(port=free_port(), root=root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def s3_or_skip() -> Iterator[S3Server]:
    """`s3_server()`, but outside CI a machine that cannot run moto skips instead of failing."""
    try:
        context = s3_server()
        server = context.__enter__()
    except (RuntimeError, OSError) as err:
        if IN_CI:
            pytest.fail(f"the S3 test server (moto) could not be started: {err}")
        pytest.skip(f"S3 test server unavailable: {err}")
    try:
        yield server
    finally:
        context.__exit__(None, None, None)


# -- the proxy -----------------------------------------------------------------------------------


def write_mode(mode_file: Path, mode: str) -> None:
    """Switch the proxy reading `mode_file` to `up`, `down` or `slow <seconds>` (atomically)."""
    parse_mode(mode)
    staged = mode_file.with_name(f".{mode_file.name}.{os.getpid()}.{threading.get_ident()}")
    staged.write_text(mode + "\n", encoding="utf-8")
    os.replace(staged, mode_file)


def parse_mode(text: str) -> tuple[str, float]:
    """`(name, delay seconds)` of a mode line; ValueError for anything else."""
    words = text.split()
    if words == ["up"] or not words:
        return "up", 0.0
    if words == ["down"]:
        return "down", 0.0
    if len(words) == 2 and words[0] == "slow":
        with suppress(ValueError):
            if float(words[1]) >= 0:
                return "slow", float(words[1])
    if len(words) == 2 and words[0] == "cut":
        with suppress(ValueError):
            if int(words[1]) >= 0:
                return "cut", float(int(words[1]))
    raise ValueError(f"proxy mode is 'up', 'down', 'slow <seconds>' or 'cut <bytes>', not {text!r}")


def _reset(sock: socket.socket) -> None:
    """Close with an RST rather than a FIN: the peer sees 'connection reset'."""
    with suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class FaultProxy:
    """A TCP proxy from a free loopback port to `upstream` (an http URL), steered by a file."""

    def __init__(self, upstream: str, mode_file: Path, port: int = 0) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.mode_file = mode_file
        if not mode_file.exists():
            write_mode(mode_file, "up")
        self._listener = socket.create_server(("127.0.0.1", port))
        self.port = int(self._listener.getsockname()[1])
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._cut_lock = threading.Lock()
        self._sent_since_cut = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def mode(self) -> tuple[str, float]:
        try:
            return parse_mode(self.mode_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return "up", 0.0  # mid-rewrite or garbage: let traffic through

    def set_mode(self, mode: str) -> None:
        write_mode(self.mode_file, mode)

    def up(self) -> None:
        self.set_mode("up")

    def down(self) -> None:
        self.set_mode("down")

    def slow(self, seconds: float) -> None:
        self.set_mode(f"slow {seconds}")

    def cut_after(self, upstream_bytes: int) -> None:
        """Go down once `upstream_bytes` more bytes have been forwarded towards the bucket."""
        with self._cut_lock:
            self._sent_since_cut = 0
        self.set_mode(f"cut {upstream_bytes}")

    def _count_upstream(self, size: int) -> None:
        name, limit = self.mode()
        if name != "cut":
            return
        with self._cut_lock:
            self._sent_since_cut += size
            if self._sent_since_cut >= limit:
                self.set_mode("down")

    def start(self) -> FaultProxy:
        self._spawn(self._accept_loop)
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                readable, _, _ = select.select([self._listener], [], [], _POLL_S)
                if not readable:
                    continue
                conn, _ = self._listener.accept()
            except OSError:
                return  # the listener was closed
            if self.mode()[0] == "down":
                _reset(conn)
                continue
            self._spawn(self._pump, conn)

    def _pump(self, downstream: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            _reset(downstream)
            return
        peers = {downstream: upstream, upstream: downstream}
        # A fault resets both sides; an end of stream closes them gracefully, because a reset
        # discards what the kernel still holds unsent (the tail of a response, seen by the
        # client as "connection reset" after the proxy had come back up).
        graceful = False
        try:
            while not self._stopping.is_set():
                if self.mode()[0] == "down":
                    return
                readable, _, _ = select.select(list(peers), [], [], _POLL_S)
                for source in readable:
                    data = source.recv(_BUFFER)
                    if not data:
                        graceful = True
                        return
                    if not self._hold():
                        return
                    if source is downstream:
                        self._count_upstream(len(data))
                        if self.mode()[0] == "down":
                            return  # cut: these bytes never reach the bucket
                    peers[source].sendall(data)
        except OSError:
            return
        finally:
            for sock in (downstream, upstream):
                if graceful:
                    with suppress(OSError):
                        sock.shutdown(socket.SHUT_WR)
                    sock.close()
                else:
                    _reset(sock)

    def _hold(self) -> bool:
        """Wait out a `slow` mode's delay; False if the proxy went down or stopped meanwhile."""
        name, delay = self.mode()
        deadline = time.monotonic() + delay
        while name == "slow" and time.monotonic() < deadline:
            if self._stopping.wait(_POLL_S):
                return False
            name, _ = self.mode()
        return name != "down"


def _main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.s3_server")
    commands = parser.add_subparsers(dest="command", required=True)
    proxy = commands.add_parser("proxy", help="run a FaultProxy until SIGTERM/SIGINT")
    proxy.add_argument("--upstream", required=True, help="the server's URL, e.g. moto's")
    proxy.add_argument("--mode-file", type=Path, required=True)
    proxy.add_argument("--port", type=int, default=0, help="0: a free port")
    args = parser.parse_args()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with FaultProxy(args.upstream, args.mode_file, args.port) as running:
        print(running.url, flush=True)
        stop.wait()


if __name__ == "__main__":
    _main()
