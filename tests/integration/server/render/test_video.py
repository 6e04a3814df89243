"""A render with the video output (issue 11), through the API: the MP4 with Range, its poster
and description, grouped per DI; the bundle; the estimate; and what a share shows of it."""

from __future__ import annotations

import io
import json
import subprocess
import uuid
import zipfile
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from tests.integration.server.render.helpers import demo_shootout, services
from tests.integration.server.share.helpers import SHARED, create_share, owner_with_render
from tests.integration.server.shootout.helpers import SHOOTOUTS, register_and_login
from toneshootout.server.db.models.render import Render

VIDEO_FILES = {
    "video": ("video/mp4", ".mp4"),
    "video_poster": ("image/png", ".poster.png"),
    "video_description": ("text/plain; charset=utf-8", ".description.txt"),
}
FFPROBE = ["ffprobe", "-v", "error", "-print_format", "json"]
FFPROBE += ["-show_streams", "-show_format", "-show_chapters"]
DI = "riff.wav"  # the demo shootout's DI, as the library names it


def _download_headers_ok(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "private, no-store"
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["content-disposition"].startswith("attachment; filename=")


def _probe(mp4: bytes, tmp: Path) -> dict[str, Any]:
    path = tmp / "probe.mp4"
    path.write_bytes(mp4)
    out = subprocess.run(
        [*FFPROBE, str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found: dict[str, Any] = json.loads(out)
    return found


async def test_the_video_poster_and_description_are_served_per_di_with_range(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, render = await owner_with_render(client, app, tmp_path, video=True)
    files = {o["role"]: o for o in render["outputs"] if o["role"] in VIDEO_FILES}
    assert set(files) == set(VIDEO_FILES)
    for role, (media_type, suffix) in VIDEO_FILES.items():
        assert files[role]["di"] == DI
        assert files[role]["path"].startswith("video/")
        assert files[role]["path"].endswith(suffix)
        assert media_type.startswith(files[role]["media_type"])
    assert render["videos"] == [
        {
            "di": DI,
            "video_url": files["video"]["url"],
            "poster_url": files["video_poster"]["url"],
            "description_url": files["video_description"]["url"],
        }
    ]

    served: dict[str, bytes] = {}
    for role, (media_type, _suffix) in VIDEO_FILES.items():
        response = await client.get(files[role]["url"], headers=owner.headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == media_type
        assert len(response.content) == files[role]["size_bytes"]
        _download_headers_ok(response)
        served[role] = response.content
    assert served["video_poster"].startswith(b"\x89PNG\r\n\x1a\n")
    assert served["video"][4:8] == b"ftyp"

    # A browser's <video> asks for ranges: the first bytes, then wherever it seeks.
    size = files["video"]["size_bytes"]
    url, headers = files["video"]["url"], owner.headers
    first = await client.get(url, headers={**headers, "Range": "bytes=0-1023"})
    assert first.status_code == 206
    assert first.headers["content-range"] == f"bytes 0-1023/{size}"
    assert first.headers["accept-ranges"] == "bytes"
    assert first.content == served["video"][:1024]
    tail = await client.get(url, headers={**headers, "Range": f"bytes={size - 100}-"})
    assert tail.status_code == 206
    assert tail.content == served["video"][-100:]
    _download_headers_ok(tail)
    beyond = await client.get(url, headers={**headers, "Range": f"bytes={size + 10}-"})
    assert beyond.status_code == 416

    # What the engine made: H.264 + AAC as long as the montage, a chapter per segment.
    probe = _probe(served["video"], tmp_path)
    codecs = {s["codec_type"]: s for s in probe["streams"]}
    assert codecs["video"]["codec_name"] == "h264"
    assert (codecs["video"]["width"], codecs["video"]["height"]) == (1280, 720)
    assert codecs["audio"]["codec_name"] == "aac"
    manifest_url = next(o["url"] for o in render["outputs"] if o["role"] == "manifest")
    timeline = (await client.get(manifest_url, headers=owner.headers)).json()["timeline"][DI]
    assert abs(float(probe["format"]["duration"]) - timeline[-1]["end_ms"] / 1000) < 0.1
    assert len(probe["chapters"]) == len(timeline)  # a chapter per montage segment

    description = served["video_description"].decode()
    assert description.startswith(f"{render['title']} — {DI}")
    for chain in ("Crunch 4x12", "Crunch"):
        assert chain in description

    other = await register_and_login(client)
    assert (await client.get(files["video"]["url"], headers=other.headers)).status_code == 404


async def test_the_bundle_holds_the_video_files(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, render = await owner_with_render(client, app, tmp_path, video=True)
    response = await client.get(render["bundle_url"], headers=owner.headers)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    top = "crunch-4x12-vs-none-v1"
    for output in render["outputs"]:
        if output["role"] not in VIDEO_FILES:
            continue
        member = archive.getinfo(f"{top}/{output['path']}")
        assert member.file_size == output["size_bytes"]
        # The MP4 and PNG are dense already: stored; the text is deflated.
        compressed = member.compress_type == zipfile.ZIP_DEFLATED
        assert compressed == output["path"].endswith(".txt"), output["path"]
    description = next(o for o in render["outputs"] if o["role"] == "video_description")
    assert archive.read(f"{top}/{description['path']}").decode().startswith(render["title"])


async def test_a_render_without_the_video_lists_none(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, render = await owner_with_render(client, app, tmp_path)
    assert render["videos"] == []
    assert not [o for o in render["outputs"] if o["role"] in VIDEO_FILES]
    shootout = await client.get(f"{SHOOTOUTS}/{render['shootout_id']}", headers=owner.headers)
    settings = shootout.json()["settings"]
    assert "video" not in settings["outputs"]  # opt-in: not a default output
    assert settings["video_size"] == "1920x1080"


async def test_the_estimate_grows_with_the_video_and_its_size(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner = await register_and_login(client)
    shootout_id = await demo_shootout(client, owner, tmp_path)
    url = f"{SHOOTOUTS}/{shootout_id}"
    shootout = (await client.get(url, headers=owner.headers)).json()
    outputs = shootout["settings"]["outputs"]

    async def estimate(settings: dict[str, Any]) -> float:
        body = {k: shootout[k] for k in ("title", "di_tracks", "chains")}
        body["settings"] = shootout["settings"] | settings
        response = await client.put(url, json=body, headers=owner.headers)
        assert response.status_code == 200, response.text
        return float(response.json()["estimated_render_seconds"])

    without = await estimate({})
    small = await estimate({"outputs": [*outputs, "video"], "video_size": "1280x720"})
    large = await estimate({"outputs": [*outputs, "video"], "video_size": "1920x1080"})
    assert without < small < large

    refused = await client.put(
        url,
        json={
            **{k: shootout[k] for k in ("title", "di_tracks", "chains")},
            "settings": {"outputs": ["video"], "video_size": "4k"},
        },
        headers=owner.headers,
    )
    assert refused.status_code == 422
    problems = refused.json()["detail"]
    assert [p["path"] for p in problems] == ["settings.video_size"], problems


async def test_a_share_shows_the_video_at_share_urls_but_the_blind_test_never_does(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, render = await owner_with_render(client, app, tmp_path, video=True)
    share = await create_share(client, owner, render["id"], visibility="public")
    token = share["token"]
    client.cookies.clear()
    response = await client.get(f"{SHARED}/{token}")
    assert response.status_code == 200, response.text
    shared = response.json()
    files = {o["role"]: o for o in shared["outputs"] if o["role"] in VIDEO_FILES}
    assert set(files) == set(VIDEO_FILES)
    assert shared["videos"] == [
        {
            "di": DI,
            "video_url": files["video"]["url"],
            "poster_url": files["video_poster"]["url"],
            "description_url": files["video_description"]["url"],
        }
    ]
    for role, (media_type, _suffix) in VIDEO_FILES.items():
        assert files[role]["url"] == f"{SHARED}/{token}/files/{files[role]['path']}"
        served = await client.get(files[role]["url"])
        assert served.status_code == 200, role
        assert served.headers["content-type"] == media_type
        _download_headers_ok(served)
    ranged = await client.get(files["video"]["url"], headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206
    assert len(ranged.content) == 100

    # Neither the view nor the description names the owner, an id or a stored file: blocks
    # go by their library names (the engine spec's labels).
    me = (await client.get("/api/v1/me", headers=owner.headers)).json()
    async with services(app).sessionmaker() as session:
        row = await session.get(Render, uuid.UUID(render["id"]))
        assert row is not None
        items, prefix = row.snapshot["items"], str(row.output_prefix)
    client.cookies.clear()
    description = (await client.get(files["video_description"]["url"])).text
    forbidden = {me["email"], me["id"], render["id"], render["shootout_id"], prefix, *items}
    for text in (response.text, description):
        assert not {value for value in forbidden if value and value in text}
    assert "IR: 4x12.wav" in description  # the IR as the owner's library names it

    # The card of a pasted link shows the poster.
    page = await client.get(f"/s/{token}")
    assert f'content="http://testserver{files["video_poster"]["url"]}"' in page.text

    # The blind test and the ABX test name no chain: no video, no poster, no description.
    for path in (f"/s/{token}/blind", f"/s/{token}/abx"):
        blind_page = await client.get(path)
        assert blind_page.status_code == 200
        for word in ("<video", ".mp4", "poster", "description.txt"):
            assert word not in blind_page.text, (path, word)
    started = await client.post(f"{SHARED}/{token}/blind")
    assert started.status_code == 201, started.text
    assert "video" not in started.text
