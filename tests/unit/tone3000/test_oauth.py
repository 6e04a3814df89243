"""OAuth against the fake: code exchange, rotating refresh, the device grant, error shapes."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.tone3000.kit import BASE, REDIRECT, Kit
from toneshootout.tone3000.errors import BadResponse, OAuthError, Unreachable
from toneshootout.tone3000.oauth import OAuthClient, TokenSet, authorize_url, new_pkce
from toneshootout.tone3000.wire import DeviceAuthorization
from toneshootout.tone3000_fake import FakeConfig

# -- PKCE and the authorize URL ----------------------------------------------------------


def test_new_pkce_makes_an_s256_pair_from_32_random_bytes() -> None:
    first, second = new_pkce(), new_pkce()
    assert first.verifier != second.verifier
    assert len(first.verifier) == 43  # 32 bytes, base64url without padding
    digest = hashlib.sha256(first.verifier.encode()).digest()
    assert first.challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert "=" not in first.challenge


_PARAM_TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
    min_size=1,
    max_size=40,
)


@given(
    client_id=_PARAM_TEXT,
    redirect_uri=_PARAM_TEXT,
    state=_PARAM_TEXT,
    challenge=_PARAM_TEXT,
    prompt=st.none() | st.sampled_from(["select_tone", "load_tone", "load_model"]),
    extra=st.dictionaries(
        st.sampled_from(["format", "architecture", "tone_id", "gears", "menubar"]), _PARAM_TEXT
    ),
)
def test_authorize_url_round_trips_its_params(
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    challenge: str,
    prompt: str | None,
    extra: dict[str, str],
) -> None:
    url = authorize_url(
        "https://www.tone3000.com/",
        client_id=client_id,
        redirect_uri=redirect_uri,
        state=state,
        challenge=challenge,
        prompt=prompt,
        extra=extra,
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://www.tone3000.com/api/v1/oauth/authorize"
    )
    parsed = parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in parsed.values())
    expected = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": state,
        **({"prompt": prompt} if prompt else {}),
        **extra,
    }
    assert {k: v[0] for k, v in parsed.items()} == expected


@pytest.mark.parametrize(
    "key",
    ["redirect_uri", "state", "code_challenge", "code_challenge_method", "client_id", "prompt"],
)
def test_authorize_url_refuses_extras_that_would_replace_its_own_params(key: str) -> None:
    # REQ-05: the redirect URI (and the PKCE and CSRF values) come from us, never an extra.
    with pytest.raises(ValueError, match=key):
        authorize_url(
            BASE,
            client_id="t3k_pub_x",
            redirect_uri=REDIRECT,
            state="s",
            challenge="c",
            extra={key: "https://evil.example/"},
        )


# -- code exchange and refresh ------------------------------------------------------------


async def test_exchange_code_returns_a_pair_that_expires_on_the_fakes_clock(kit: Kit) -> None:
    code, verifier = await kit.authorize()
    tokens = await kit.oauth().exchange_code(code, verifier=verifier, redirect_uri=REDIRECT)
    assert tokens.access_token.startswith("t3k_at_")
    assert tokens.refresh_token.startswith("t3k_rt_")
    assert tokens.expires_at == kit.now() + timedelta(seconds=3600)
    sent = kit.requests_to("/api/v1/oauth/token")[-1]
    assert sent.authorization is None  # the publishable key is no credential; nothing to send


async def test_exchange_code_twice_is_invalid_grant(kit: Kit) -> None:
    code, verifier = await kit.authorize()
    await kit.oauth().exchange_code(code, verifier=verifier, redirect_uri=REDIRECT)
    with pytest.raises(OAuthError) as caught:
        await kit.oauth().exchange_code(code, verifier=verifier, redirect_uri=REDIRECT)
    assert caught.value.error == "invalid_grant"
    assert "already been used" in str(caught.value)


async def test_exchange_code_with_the_wrong_verifier_is_invalid_grant(kit: Kit) -> None:
    code, _ = await kit.authorize()
    with pytest.raises(OAuthError) as caught:
        await kit.oauth().exchange_code(code, verifier=new_pkce().verifier, redirect_uri=REDIRECT)
    assert caught.value.error == "invalid_grant"


async def test_exchange_code_after_30_minutes_is_invalid_grant(kit: Kit) -> None:
    code, verifier = await kit.authorize()
    kit.state.clock.advance(30 * 60)
    with pytest.raises(OAuthError) as caught:
        await kit.oauth().exchange_code(code, verifier=verifier, redirect_uri=REDIRECT)
    assert caught.value.error == "invalid_grant"


async def test_unknown_client_id_is_invalid_client(kit: Kit) -> None:
    code, verifier = await kit.authorize()
    with pytest.raises(OAuthError) as caught:
        await kit.oauth("t3k_pub_nobody").exchange_code(
            code, verifier=verifier, redirect_uri=REDIRECT
        )
    assert caught.value.error == "invalid_client"


async def test_refresh_rotates_and_the_old_refresh_token_dies(kit: Kit) -> None:
    first = await kit.sign_in()
    kit.state.clock.advance(100)
    second = await kit.oauth().refresh(first.refresh_token)
    assert second.access_token != first.access_token
    assert second.refresh_token != first.refresh_token
    assert second.expires_at == kit.now() + timedelta(seconds=3600)
    with pytest.raises(OAuthError) as caught:
        await kit.oauth().refresh(first.refresh_token)
    assert caught.value.error == "invalid_grant"
    third = await kit.oauth().refresh(second.refresh_token)  # the new one works, once
    assert third.refresh_token not in (first.refresh_token, second.refresh_token)
    assert kit.state.oauth.counters.refresh_requests == 3
    assert kit.state.oauth.counters.refresh_successes == 2


async def test_gotrue_style_errors_are_read_too(kit: Kit) -> None:
    kit.state.switches.token_error_style = "gotrue"
    with pytest.raises(OAuthError) as caught:
        await kit.oauth().refresh("t3k_rt_never_issued")
    assert caught.value.error == "invalid_grant"
    assert caught.value.description == "Invalid refresh token"


async def test_token_endpoint_5xx_is_unreachable(kit: Kit) -> None:
    kit.answer("/api/v1/oauth/token", lambda: httpx.Response(502, text="Bad gateway"))
    with pytest.raises(Unreachable, match="502"):
        await kit.oauth().refresh("t3k_rt_x")


async def test_token_answer_without_tokens_is_a_bad_response(kit: Kit) -> None:
    kit.answer("/api/v1/oauth/token", lambda: httpx.Response(200, json={"token_type": "bearer"}))
    with pytest.raises(BadResponse):
        await kit.oauth().refresh("t3k_rt_x")


async def test_a_network_failure_is_unreachable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        client = OAuthClient(http, base_url=BASE, client_id="t3k_pub_x")
        with pytest.raises(Unreachable, match="ConnectError"):
            await client.start_device()
        with pytest.raises(Unreachable):
            await client.refresh("t3k_rt_x")


def test_a_token_set_never_shows_its_tokens() -> None:
    tokens = TokenSet("t3k_at_secret", "t3k_rt_secret", datetime(2026, 9, 1, tzinfo=UTC))
    assert "secret" not in repr(tokens)
    assert "secret" not in str(tokens)


# -- the device grant (RFC 8628) ----------------------------------------------------------


async def _device(kit: Kit) -> DeviceAuthorization:
    device = await kit.oauth().start_device()
    assert device.verification_uri == f"{BASE}/device"
    assert device.user_code in (device.verification_uri_complete or "")
    return device


async def test_device_flow_waits_while_pending_then_gets_tokens_on_approval(kit: Kit) -> None:
    device = await _device(kit)
    polls = 0

    async def sleep(seconds: float) -> None:
        nonlocal polls
        polls += 1
        if polls == 3:  # the user approves while the CLI waits for its third poll
            kit.state.approve_device(device.user_code)
        await kit.sleep(seconds)

    tokens = await kit.oauth().wait_for_device(device, sleep=sleep)
    assert kit.sleeps == [5, 5, 5]  # the advertised interval, no faster
    assert tokens.expires_at == kit.now() + timedelta(seconds=3600)
    grants = kit.state.oauth.counters.token_requests
    assert grants["urn:ietf:params:oauth:grant-type:device_code"] == 3


@pytest.mark.parametrize("config", [FakeConfig(device_auto_approve_after=2)])
async def test_device_flow_with_auto_approval(kit: Kit) -> None:
    tokens = await kit.oauth().wait_for_device(await _device(kit), sleep=kit.sleep)
    assert kit.sleeps == [5, 5, 5]
    assert kit.state.oauth.user_for(tokens.access_token) is not None


@pytest.mark.parametrize("config", [FakeConfig(device_auto_approve_after=3)])
async def test_device_flow_slows_down_by_five_seconds_when_told(kit: Kit) -> None:
    device = await _device(kit)
    calls = 0

    async def sleep(seconds: float) -> None:
        nonlocal calls
        calls += 1
        kit.sleeps.append(seconds)
        # The second wait is cut short (a laptop waking up, say): that poll comes too early.
        kit.state.clock.advance(1 if calls == 2 else seconds)

    await kit.oauth().wait_for_device(device, sleep=sleep)
    assert kit.sleeps[:3] == [5, 5, 10]  # slow_down after the early poll: +5 s from then on
    assert set(kit.sleeps[2:]) == {10}


async def test_device_flow_denied_is_access_denied(kit: Kit) -> None:
    device = await _device(kit)

    async def sleep(seconds: float) -> None:
        kit.state.deny_device(device.user_code)
        await kit.sleep(seconds)

    with pytest.raises(OAuthError) as caught:
        await kit.oauth().wait_for_device(device, sleep=sleep)
    assert caught.value.error == "access_denied"
    assert kit.sleeps == [5]


@pytest.mark.parametrize("config", [FakeConfig(device_code_seconds=20)])
async def test_device_flow_expires_with_expired_token(kit: Kit) -> None:
    device = await _device(kit)
    with pytest.raises(OAuthError) as caught:
        await kit.oauth().wait_for_device(device, sleep=kit.sleep)
    assert caught.value.error == "expired_token"
    assert sum(kit.sleeps) == 20


async def test_device_flow_gives_up_by_itself_once_the_code_has_expired(kit: Kit) -> None:
    # A server that keeps answering "pending" past expires_in must not keep us polling.
    kit.answer(
        "/api/v1/oauth/token",
        lambda: httpx.Response(400, json={"error": "authorization_pending"}),
    )
    device = DeviceAuthorization(
        device_code="d", user_code="ABCD-EFGH", verification_uri=BASE, expires_in=30, interval=5
    )
    with pytest.raises(OAuthError) as caught:
        await kit.oauth().wait_for_device(device, sleep=kit.sleep)
    assert caught.value.error == "expired_token"
    assert sum(kit.sleeps) <= 35


async def test_start_device_with_an_unknown_client_is_invalid_client(kit: Kit) -> None:
    with pytest.raises(OAuthError) as caught:
        await kit.oauth("t3k_pub_nobody").start_device()
    assert caught.value.error == "invalid_client"


async def test_start_device_5xx_is_unreachable_not_a_refusal(kit: Kit) -> None:
    kit.answer("/api/v1/oauth/device_authorization", lambda: httpx.Response(503, text="down"))
    with pytest.raises(Unreachable, match="503"):
        await kit.oauth().start_device()


@pytest.mark.parametrize("config", [FakeConfig(device_auto_approve_after=1)])
async def test_device_polling_waits_out_a_short_outage(kit: Kit) -> None:
    device = await _device(kit)
    outage = {"left": 3}

    def flaky(request: httpx.Request) -> httpx.Response | None:
        if request.url.path == "/api/v1/oauth/token" and outage["left"]:
            outage["left"] -= 1
            if outage["left"] == 1:
                raise httpx.ConnectError("reset", request=request)
            return httpx.Response(502, text="bad gateway")
        return None

    kit.recorder.override = flaky
    tokens = await kit.oauth().wait_for_device(device, sleep=kit.sleep)
    assert kit.state.oauth.user_for(tokens.access_token) is not None
    assert kit.sleeps == [5] * 5  # three failed polls, one pending, then approved


async def test_device_polling_gives_up_after_a_long_outage(kit: Kit) -> None:
    device = await _device(kit)
    kit.answer("/api/v1/oauth/token", lambda: httpx.Response(503, text="down"))
    with pytest.raises(Unreachable):
        await kit.oauth().wait_for_device(device, sleep=kit.sleep)
    assert len(kit.requests_to("/api/v1/oauth/token")) == 4
