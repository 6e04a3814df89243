"""Model downloads: the Bearer token goes to TONE3000's origin and nowhere else (REQ-06)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.unit.tone3000.kit import BASE, STORAGE, Kit
from toneshootout.tone3000.download import Downloaded, download, origin
from toneshootout.tone3000.errors import BadResponse, SignInRequired, TonePrivate
from toneshootout.tone3000_fake import FakeConfig

DIRECT, VIA_STORAGE = 90001, 90002  # two Plexi captures: every other file redirects
PRIVATE = 90028  # on a private tone of another creator
MAX = 1024 * 1024


@pytest.fixture
async def signed_in(kit: Kit) -> Kit:
    await kit.sign_in()
    return kit


async def _url(kit: Kit, model_id: int) -> str:
    return (await kit.api().model(model_id)).model_url


def _expected(kit: Kit, model_id: int) -> bytes:
    found = kit.state.catalogue.model(model_id)
    assert found is not None
    return kit.state.model_file(found[1])


def _left_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def test_a_same_origin_download_is_saved_whole(signed_in: Kit, tmp_path: Path) -> None:
    dest = tmp_path / "capture.nam"
    got = await download(signed_in.api(), await _url(signed_in, DIRECT), dest, max_bytes=MAX)
    data = _expected(signed_in, DIRECT)
    assert got == Downloaded(dest, len(data), hashlib.sha256(data).hexdigest())
    assert dest.read_bytes() == data
    assert _left_in(tmp_path) == ["capture.nam"]
    assert signed_in.state.storage_hits == []


async def test_a_redirect_to_trusted_storage_is_followed_without_the_token(
    signed_in: Kit, tmp_path: Path
) -> None:
    dest = tmp_path / "capture.nam"
    url = await _url(signed_in, VIA_STORAGE)
    await download(signed_in.api(), url, dest, max_bytes=MAX, storage_origins=(STORAGE,))
    assert dest.read_bytes() == _expected(signed_in, VIA_STORAGE)
    hits = signed_in.state.storage_hits
    assert len(hits) == 1
    assert hits[0].had_authorization is False
    assert hits[0].host == "localhost:8030"
    to_storage = [s for s in signed_in.recorder.seen if s.host == "localhost:8030"]
    assert [s.authorization for s in to_storage] == [None]
    to_api = [s for s in signed_in.recorder.seen if s.url == url]
    assert (to_api[0].authorization or "").startswith("Bearer ")


@pytest.mark.parametrize("config", [FakeConfig(storage_rejects_authorization=True)])
async def test_storage_that_refuses_a_second_credential_still_serves_us(
    signed_in: Kit, tmp_path: Path
) -> None:
    url = await _url(signed_in, VIA_STORAGE)
    dest = tmp_path / "capture.nam"
    await download(signed_in.api(), url, dest, max_bytes=MAX, storage_origins=(STORAGE,))
    assert dest.is_file()


async def test_a_redirect_to_an_untrusted_host_is_refused_and_never_made(
    signed_in: Kit, tmp_path: Path
) -> None:
    url = await _url(signed_in, VIA_STORAGE)
    with pytest.raises(BadResponse, match=r"http://localhost:8030.*not a trusted storage origin"):
        await download(signed_in.api(), url, tmp_path / "capture.nam", max_bytes=MAX)
    assert signed_in.state.storage_hits == []
    assert not any(s.host == "localhost:8030" for s in signed_in.recorder.seen)
    assert _left_in(tmp_path) == []


async def test_a_redirect_from_https_to_http_on_the_same_host_is_another_origin(
    signed_in: Kit, tmp_path: Path
) -> None:
    signed_in.answer(
        "/api/v1/models/1/download",
        lambda: httpx.Response(302, headers={"Location": "http://127.0.0.1:8030/plain"}),
    )
    api = signed_in.api()
    api.base_url = "https://127.0.0.1:8030"
    with pytest.raises(BadResponse, match="not a trusted storage origin"):
        await download(
            api, "https://127.0.0.1:8030/api/v1/models/1/download", tmp_path / "x", max_bytes=MAX
        )
    assert not any(s.path == "/plain" for s in signed_in.recorder.seen)


async def test_a_model_url_on_another_origin_is_refused_before_any_request(
    signed_in: Kit, tmp_path: Path
) -> None:
    for url in (
        "https://evil.example/api/v1/models/90001/download/x.nam",
        f"{STORAGE}/api/v1/models/90001/download/x.nam",  # another host name for one server
        "http://127.0.0.1:8031/api/v1/models/90001/download/x.nam",  # another port
        "//evil.example/api/v1/models/90001/download/x.nam",  # scheme-relative: another host
    ):
        with pytest.raises(BadResponse, match="another host"):
            await download(signed_in.api(), url, tmp_path / "x.nam", max_bytes=MAX)
    # Only the sign-in (and the model lookups: none here) ever left the client.
    assert set(signed_in.recorder.paths()) == {"/api/v1/oauth/authorize", "/api/v1/oauth/token"}


@pytest.mark.parametrize("model_id", [DIRECT, VIA_STORAGE])
async def test_a_file_over_the_cap_is_refused_and_leaves_nothing(
    signed_in: Kit, tmp_path: Path, model_id: int
) -> None:
    url = await _url(signed_in, model_id)
    cap = len(_expected(signed_in, model_id)) - 1
    with pytest.raises(BadResponse, match="larger than"):
        await download(
            signed_in.api(), url, tmp_path / "x.nam", max_bytes=cap, storage_origins=(STORAGE,)
        )
    assert _left_in(tmp_path) == []


async def test_a_file_exactly_at_the_cap_is_accepted(signed_in: Kit, tmp_path: Path) -> None:
    size = len(_expected(signed_in, DIRECT))
    url = await _url(signed_in, DIRECT)
    got = await download(signed_in.api(), url, tmp_path / "x.nam", max_bytes=size)
    assert got.size == size


async def test_an_empty_file_is_refused_and_leaves_nothing(signed_in: Kit, tmp_path: Path) -> None:
    signed_in.answer("/api/v1/models/1/download", lambda: httpx.Response(200, content=b""))
    with pytest.raises(BadResponse, match="empty file"):
        await download(
            signed_in.api(), f"{BASE}/api/v1/models/1/download", tmp_path / "x", max_bytes=MAX
        )
    assert _left_in(tmp_path) == []


async def test_a_failed_download_keeps_an_earlier_good_file(signed_in: Kit, tmp_path: Path) -> None:
    dest = tmp_path / "x.nam"
    dest.write_bytes(b"the file from last time")
    signed_in.answer("/api/v1/models/1/download", lambda: httpx.Response(200, content=b""))
    with pytest.raises(BadResponse):
        await download(signed_in.api(), f"{BASE}/api/v1/models/1/download", dest, max_bytes=MAX)
    assert dest.read_bytes() == b"the file from last time"


async def test_a_private_model_is_tone_private(signed_in: Kit, tmp_path: Path) -> None:
    url = f"{BASE}/api/v1/models/{PRIVATE}/download"
    with pytest.raises(TonePrivate, match="this model is private"):
        await download(signed_in.api(), url, tmp_path / "x.nam", max_bytes=MAX)
    assert _left_in(tmp_path) == []


async def test_a_401_on_download_refreshes_once(signed_in: Kit, tmp_path: Path) -> None:
    url = await _url(signed_in, DIRECT)
    stored = signed_in.store.tokens
    assert stored is not None
    signed_in.state.oauth.pairs_by_access[stored.access_token].expires_at = 0
    await download(signed_in.api(), url, tmp_path / "x.nam", max_bytes=MAX)
    assert signed_in.state.oauth.counters.refresh_requests == 1
    assert (tmp_path / "x.nam").read_bytes() == _expected(signed_in, DIRECT)


async def test_a_download_with_no_sign_in_is_refused(kit: Kit, tmp_path: Path) -> None:
    with pytest.raises(SignInRequired):
        await download(kit.api(), f"{BASE}/api/v1/models/1/download", tmp_path / "x", max_bytes=1)


async def test_a_redirect_loop_ends(signed_in: Kit, tmp_path: Path) -> None:
    signed_in.answer(
        "/api/v1/models/1/download",
        lambda: httpx.Response(302, headers={"Location": "/api/v1/models/1/download"}),
    )
    with pytest.raises(BadResponse, match="too many redirects"):
        await download(
            signed_in.api(), f"{BASE}/api/v1/models/1/download", tmp_path / "x", max_bytes=MAX
        )
    assert len(signed_in.requests_to("/api/v1/models/1/download")) == 6  # 5 redirects followed


async def test_an_expired_signed_url_is_a_bad_response(signed_in: Kit, tmp_path: Path) -> None:
    url = await _url(signed_in, VIA_STORAGE)
    response = await signed_in.http.get(
        url, headers={"Authorization": signed_in.recorder.seen[-1].authorization or ""}
    )
    location = response.headers["location"]
    signed_in.state.clock.advance(3601)  # the signed URL has lapsed (and our token with it)
    signed_in.answer(
        url.removeprefix(BASE), lambda: httpx.Response(302, headers={"Location": location})
    )
    with pytest.raises(BadResponse, match="expired signature"):
        await download(
            signed_in.api(), url, tmp_path / "x", max_bytes=MAX, storage_origins=(STORAGE,)
        )


async def test_storage_429s_wait_through_the_injected_sleep(signed_in: Kit, tmp_path: Path) -> None:
    signed_in.answer(
        "/storage/v1/object/sign/x",
        lambda: httpx.Response(429, headers={"Retry-After": "3"}),
    )
    signed_in.answer(
        "/api/v1/models/1/download",
        lambda: httpx.Response(302, headers={"Location": f"{STORAGE}/storage/v1/object/sign/x"}),
    )
    calls = {"n": 0}

    def answer(request: httpx.Request) -> httpx.Response | None:
        if request.url.path == "/api/v1/models/1/download":
            return httpx.Response(302, headers={"Location": f"{STORAGE}/storage/v1/object/sign/x"})
        if request.url.path == "/storage/v1/object/sign/x":
            calls["n"] += 1
            if calls["n"] < 3:
                return httpx.Response(429, headers={"Retry-After": "3"})
            return httpx.Response(200, content=b"RIFF....")
        return None

    signed_in.recorder.override = answer
    got = await download(
        signed_in.api(),
        f"{BASE}/api/v1/models/1/download",
        tmp_path / "x",
        max_bytes=MAX,
        storage_origins=(STORAGE,),
    )
    assert got.size == 8
    assert signed_in.sleeps == [3, 3]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.tone3000.com/api/v1/x", "https://www.tone3000.com"),
        ("HTTPS://WWW.TONE3000.COM:443/", "https://www.tone3000.com"),
        ("http://127.0.0.1:80/a", "http://127.0.0.1"),
        ("http://localhost:8030/a?b", "http://localhost:8030"),
        ("https://api.tone3000.com:8443", "https://api.tone3000.com:8443"),
        ("https://user:pw@www.tone3000.com/", "https://www.tone3000.com"),
    ],
)
def test_origin_normalises_scheme_host_and_default_ports(url: str, expected: str) -> None:
    assert origin(url) == expected


async def test_a_3xx_without_a_location_is_no_file(signed_in: Kit, tmp_path: Path) -> None:
    signed_in.answer("/api/v1/models/1/download", lambda: httpx.Response(300, content=b"pick"))
    with pytest.raises(BadResponse, match="300 without a file"):
        await download(
            signed_in.api(), f"{BASE}/api/v1/models/1/download", tmp_path / "x", max_bytes=MAX
        )
    assert _left_in(tmp_path) == []


async def test_a_huge_error_body_is_read_only_for_its_message(
    signed_in: Kit, tmp_path: Path
) -> None:
    body = b'{"error": "Bad filename"}' + b" " * 10_000_000
    signed_in.answer("/api/v1/models/1/download", lambda: httpx.Response(400, content=body))
    with pytest.raises(BadResponse, match="Bad filename"):
        await download(
            signed_in.api(), f"{BASE}/api/v1/models/1/download", tmp_path / "x", max_bytes=MAX
        )


async def test_two_downloads_to_one_file_at_once_both_end_whole(
    signed_in: Kit, tmp_path: Path
) -> None:
    # Two renders of one user may fetch the same model at the same moment (two CLI processes,
    # two worker jobs): neither may clobber the other's half-written file.
    data = bytes(range(256)) * 1024  # 256 KiB, sent in small pieces so the two interleave

    async def trickle() -> AsyncIterator[bytes]:
        for start in range(0, len(data), 4096):
            await asyncio.sleep(0)
            yield data[start : start + 4096]

    signed_in.answer("/api/v1/models/1/download", lambda: httpx.Response(200, content=trickle()))
    dest = tmp_path / "model.nam"
    url = f"{BASE}/api/v1/models/1/download"
    api = signed_in.api()
    await asyncio.gather(
        download(api, url, dest, max_bytes=MAX), download(api, url, dest, max_bytes=MAX)
    )
    assert dest.read_bytes() == data
    assert _left_in(tmp_path) == ["model.nam"]


async def test_a_relative_model_url_is_taken_on_the_tone3000_origin(
    signed_in: Kit, tmp_path: Path
) -> None:
    url = await _url(signed_in, DIRECT)
    dest = tmp_path / "capture.nam"
    await download(signed_in.api(), url.removeprefix(BASE), dest, max_bytes=MAX)
    assert dest.read_bytes() == _expected(signed_in, DIRECT)
    assert signed_in.recorder.seen[-1].url == url
