"""Results of a render that really ran: downloads with Range and REQ-20 headers, CSV, bundle."""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
import zipfile
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import delete

from tests.integration.server.render.helpers import RENDERS, services, succeeded_render
from tests.integration.server.shootout.helpers import register_and_login
from toneshootout.server.db.models.render import RenderOutput

ROLES = {"manifest", "chain_render", "montage", "timeline", "metrics", "plot"}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _assert_download_headers(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "private, no-store"
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["content-disposition"].startswith("attachment; filename=")


async def test_download_every_output_of_a_succeeded_render(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner = await register_and_login(client)
    render = await succeeded_render(client, app, owner, tmp_path)
    outputs = render["outputs"]
    assert {o["role"] for o in outputs} >= ROLES
    assert render["bundle_url"] == f"{RENDERS}/{render['id']}/bundle"

    for output in outputs:
        response = await client.get(output["url"], headers=owner.headers)
        assert response.status_code == 200, (output["path"], response.text)
        assert len(response.content) == output["size_bytes"]
        assert _sha256(response.content) == output["sha256"]
        assert response.headers["content-type"].startswith(output["media_type"])
        _assert_download_headers(response)

    montage = next(o for o in outputs if o["role"] == "montage" and o["path"].endswith(".wav"))
    ranged = await client.get(montage["url"], headers={**owner.headers, "Range": "bytes=100-299"})
    assert ranged.status_code == 206
    assert ranged.headers["content-range"] == f"bytes 100-299/{montage['size_bytes']}"
    assert len(ranged.content) == 200
    _assert_download_headers(ranged)
    too_far = await client.get(
        montage["url"], headers={**owner.headers, "Range": "bytes=999999999-"}
    )
    assert too_far.status_code == 416

    for path in ("nope.wav", "../../../etc/passwd", "%2e%2e/manifest.json"):
        missing = await client.get(f"{RENDERS}/{render['id']}/files/{path}", headers=owner.headers)
        assert missing.status_code == 404, (path, missing.text)


async def test_metrics_csv_from_file_or_made_from_json(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner = await register_and_login(client)
    render = await succeeded_render(client, app, owner, tmp_path)
    engine_csv = next(o for o in render["outputs"] if o["path"].endswith("metrics.csv"))
    recorded = (await client.get(engine_csv["url"], headers=owner.headers)).content

    served = await client.get(render["metrics_csv_url"], headers=owner.headers)
    assert served.status_code == 200
    assert served.content == recorded
    assert served.headers["content-type"].startswith("text/csv")
    _assert_download_headers(served)

    # An engine that writes no CSV: the table is made from the metrics JSON, the same bytes.
    async with services(app).sessionmaker() as session:
        await session.execute(
            delete(RenderOutput).where(
                RenderOutput.render_id == uuid.UUID(render["id"]),
                RenderOutput.path == engine_csv["path"],
            )
        )
        await session.commit()
    made = await client.get(render["metrics_csv_url"], headers=owner.headers)
    assert made.status_code == 200, made.text
    # The JSON's keys are sorted, so only the column order may differ from the engine's CSV.
    made_rows = list(csv.DictReader(io.StringIO(made.text)))
    assert made_rows == list(csv.DictReader(io.StringIO(recorded.decode())))
    assert len(made_rows) == 2  # 1 DI × 2 chains
    _assert_download_headers(made)


async def test_bundle_streams_every_output_and_attribution(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner = await register_and_login(client)
    render = await succeeded_render(client, app, owner, tmp_path)

    async with client.stream("GET", render["bundle_url"], headers=owner.headers) as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers  # streamed, not built first
        chunks = [chunk async for chunk in response.aiter_bytes()]
    assert response.headers["content-type"] == "application/zip"
    assert (
        response.headers["content-disposition"]
        == 'attachment; filename="crunch-4x12-vs-none-v1.zip"'
    )
    _assert_download_headers(response)

    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    names = set(archive.namelist())
    top = "crunch-4x12-vs-none-v1"
    for output in render["outputs"]:
        data = archive.read(f"{top}/{output['path']}")
        assert len(data) == output["size_bytes"]
        assert _sha256(data) == output["sha256"], output["path"]
    assert f"{top}/manifest.json" in names
    assert f"{top}/metrics/metrics.csv" in names
    assert len(names) == len(render["outputs"]) + 1  # + ATTRIBUTION.txt
    attribution = archive.read(f"{top}/ATTRIBUTION.txt").decode()
    assert "crunch.nam" in attribution
    assert "Author: Tone Shootout demo" in attribution
    assert "Name: Demo Crunch" in attribution
    assert "4x12.wav" in attribution


async def test_delete_succeeded_render_removes_its_files_and_keeps_others(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner = await register_and_login(client)
    render = await succeeded_render(client, app, owner, tmp_path)
    storage = services(app).storage
    folder = f"{owner.user_id}/renders/{render['id']}/"
    assert list(storage.list_prefix(folder))
    later = await client.post(
        f"/api/v1/shootouts/{render['shootout_id']}/renders", headers=owner.headers
    )
    assert later.json()["number"] == 2  # a new version; the first is untouched
    assert (await client.get(f"{RENDERS}/{render['id']}", headers=owner.headers)).json() == (
        render | {}
    )

    response = await client.delete(f"{RENDERS}/{render['id']}", headers=owner.headers)

    assert response.status_code == 204
    assert list(storage.list_prefix(folder)) == []
    assert (await client.get(later.headers["location"], headers=owner.headers)).status_code == 200
