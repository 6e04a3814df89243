"""Storage backends side by side: uploads (throughput, API CPU per MB) and downloads (first byte).

One API process (uvicorn, one worker) on a local folder and one on an S3 bucket of a moto
server over loopback HTTP, alternated within each repeat. Uploads: `--files` distinct 50 MB
WAVs posted one after another; throughput is their bytes over the wall time, and the API's CPU
per MB is its process's user + system time over the same span (moto's own CPU is the bucket's,
not counted). Downloads: time to the first body byte of one stored 50 MB DI, proxied by the API
(an in-page read) on each backend, and a download link on S3 (307 to a presigned URL, then the
bucket itself). moto is a Python server, far slower than a real bucket: the S3 figures show what
the API spends and adds, not what S3 itself would give.
Run: .venv/bin/python -m bench.storage_io [--files 4] [--repeats 3] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from tests.s3_server import S3Server, aws_test_credentials, create_bucket, s3_server

from bench.api_server import register, running_service, service_env
from bench.api_uploads import TARGET_BYTES, write_sine
from bench.sections import machine_line, update_section

MB = 1_000_000
NAVIGATE = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
BACKENDS = ("local", "s3")


@dataclass
class Figures:
    """Per backend: uploads (MB/s, API CPU ms per MB) and first-byte times (ms)."""

    upload_mb_s: dict[str, list[float]]
    cpu_ms_per_mb: dict[str, list[float]]
    first_byte_ms: dict[str, list[float]]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _settings_env(backend: str, server: S3Server | None) -> dict[str, str]:
    extra = {
        "TONESHOOTOUT_STORAGE__MAX_DI_BYTES": str(2 * TARGET_BYTES),
        "TONESHOOTOUT_STORAGE__QUOTA_BYTES": str(100 * TARGET_BYTES),
        "TONESHOOTOUT_STORAGE__UPLOAD_RATE_PER_MINUTE": "1000",
    }
    if backend == "s3":
        assert server is not None
        extra |= {
            "TONESHOOTOUT_STORAGE__BACKEND": "s3",
            "TONESHOOTOUT_STORAGE__S3__BUCKET": create_bucket(server.url),
            "TONESHOOTOUT_STORAGE__S3__ENDPOINT_URL": server.url,
            "TONESHOOTOUT_STORAGE__S3__PATH_STYLE": "true",
            "TONESHOOTOUT_STORAGE__S3__REGION": "us-east-1",
            "TONESHOOTOUT_STORAGE__S3__READ_TIMEOUT_SECONDS": "60",
        }
    return extra


def _upload(client: httpx.Client, token: str, path: Path) -> str:
    with path.open("rb") as handle:
        answer = client.post(
            "/api/v1/di-tracks",
            files={"file": (path.name, handle, "audio/wav")},
            headers={"Authorization": f"Bearer {token}"},
        )
    if answer.status_code != 201:
        raise RuntimeError(f"upload answered {answer.status_code}: {answer.text[:200]}")
    return str(answer.json()["id"])


def _first_byte_ms(client: httpx.Client, url: str, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    with client.stream("GET", url, headers=headers, follow_redirects=True) as answer:
        if answer.status_code != 200:
            raise RuntimeError(f"download answered {answer.status_code}")
        elapsed = None
        # Drained whole, so the next request starts on a quiet server.
        for chunk in answer.iter_raw():
            if elapsed is None and chunk:
                elapsed = time.perf_counter() - started
    if elapsed is None:
        raise RuntimeError("the download was empty")
    return 1000.0 * elapsed


def _one_backend(
    backend: str, server: S3Server | None, files: list[Path], root: Path, figures: Figures
) -> None:
    folder = Path(tempfile.mkdtemp(dir=root, prefix=f"{backend}-"))
    env = service_env(folder, f"sqlite+aiosqlite:///{folder / 'db.sqlite'}", {})
    env |= _settings_env(backend, server)
    with running_service(env, workers=1) as service:
        _, token = asyncio.run(register(service.base))
        pid = service.pid
        with httpx.Client(base_url=service.base, timeout=600.0) as client:
            cpu, started = _cpu_seconds(pid), time.perf_counter()
            ids = [_upload(client, token, path) for path in files]
            wall, cpu = time.perf_counter() - started, _cpu_seconds(pid) - cpu
            megabytes = sum(path.stat().st_size for path in files) / MB
            figures.upload_mb_s[backend].append(megabytes / wall)
            figures.cpu_ms_per_mb[backend].append(1000.0 * cpu / megabytes)
            url = f"/api/v1/di-tracks/{ids[0]}/file"
            auth = {"Authorization": f"Bearer {token}"}
            figures.first_byte_ms[f"{backend} proxied"].append(_first_byte_ms(client, url, auth))
            if backend == "s3":
                link = _first_byte_ms(client, url, auth | NAVIGATE)
                figures.first_byte_ms["s3 presigned"].append(link)


@contextmanager
def _bucket_server() -> Iterator[S3Server]:
    with aws_test_credentials(), s3_server() as server:
        yield server


def measure(files: int, repeats: int) -> Figures:
    figures = Figures(
        {b: [] for b in BACKENDS},
        {b: [] for b in BACKENDS},
        {k: [] for k in ("local proxied", "s3 proxied", "s3 presigned")},
    )
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        sines = []
        for i in range(files):
            path = root / f"sine-{i}.wav"
            write_sine(path, 110.0 * (i + 1))
            sines.append(path)
        with _bucket_server() as server:
            for repeat in range(repeats):
                order = BACKENDS if repeat % 2 == 0 else BACKENDS[::-1]
                for backend in order:
                    _one_backend(backend, server, sines, root, figures)
    return figures


def report(figures: Figures, files: int, repeats: int) -> str:
    def med(values: list[float]) -> float:
        return statistics.median(values)

    local_up, s3_up = med(figures.upload_mb_s["local"]), med(figures.upload_mb_s["s3"])
    local_cpu, s3_cpu = med(figures.cpu_ms_per_mb["local"]), med(figures.cpu_ms_per_mb["s3"])
    ttfb = {k: med(v) for k, v in figures.first_byte_ms.items()}
    lines = [
        "## Storage: uploads and downloads on a local folder and on S3",
        "",
        f"`python -m bench.storage_io --files {files} --repeats {repeats} --write` — {files} "
        f"distinct {TARGET_BYTES // MB} MB WAVs uploaded one after another to one uvicorn worker "
        "(SQLite), local and S3 alternated in each repeat; medians of "
        f"{repeats}. S3 is moto's server over loopback HTTP (SigV4, multipart above 8 MiB): a "
        "Python server far slower than a real bucket, so the S3 figures show what the API "
        "spends and adds, not what S3 itself gives. API CPU is the uvicorn process's user + "
        "system time over the uploads (moto's is not counted).",
        "",
        machine_line(),
        "",
        "| Backend | Upload MB/s | API CPU ms per MB |",
        "| --- | --- | --- |",
        f"| local folder | {local_up:.1f} | {local_cpu:.1f} |",
        f"| S3 (moto) | {s3_up:.1f} | {s3_cpu:.1f} |",
        "",
        f"S3 vs local: upload throughput ×{s3_up / local_up:.2f}, API CPU per MB "
        f"×{s3_cpu / local_cpu:.2f}.",
        "",
        "Time to the first byte of one stored 50 MB DI (ms, medians):",
        "",
        "| Download | First byte ms |",
        "| --- | --- |",
        f"| local, proxied by the API | {ttfb['local proxied']:.1f} |",
        f"| S3, proxied by the API (in-page reads) | {ttfb['s3 proxied']:.1f} |",
        f"| S3, download link: 307 to a presigned URL, then the bucket | "
        f"{ttfb['s3 presigned']:.1f} |",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    figures = measure(args.files, args.repeats)
    text = report(figures, args.files, args.repeats)
    print(text)
    if args.write:
        update_section("storage-io", text)


if __name__ == "__main__":
    main()
