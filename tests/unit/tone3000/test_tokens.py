"""Refreshing tokens: proactive, single-flight (REQ-06), tolerant of another process winning."""

from __future__ import annotations

import asyncio

import pytest

from tests.unit.tone3000.kit import Kit
from toneshootout.tone3000.errors import SignInRequired
from toneshootout.tone3000.oauth import TokenSet
from toneshootout.tone3000.tokens import MemoryStore, RefreshingTokens
from toneshootout.tone3000_fake import FakeConfig


async def test_a_fresh_token_is_used_as_it_is(kit: Kit) -> None:
    tokens = await kit.sign_in()
    assert await kit.tokens().access_token() == tokens.access_token
    assert kit.state.oauth.counters.refresh_requests == 0


async def test_a_token_a_minute_from_expiry_is_refreshed_first(kit: Kit) -> None:
    first = await kit.sign_in()
    kit.state.clock.advance(3600 - 59)  # still valid at the fake, but not for long
    token = await kit.tokens().access_token()
    assert token != first.access_token
    assert kit.store.tokens is not None
    assert kit.store.tokens.access_token == token  # the rotated pair is saved
    assert kit.state.oauth.counters.refresh_requests == 1


async def test_twenty_concurrent_calls_with_an_expired_token_refresh_once(kit: Kit) -> None:
    # REQ-06: refresh tokens rotate, so parallel refreshes would log the user out.
    await kit.sign_in()
    kit.state.clock.advance(3600 + 1)
    api = kit.api()
    users = await asyncio.gather(*(api.user() for _ in range(20)))
    assert {u.username for u in users} == {"shootout-tester"}
    assert kit.state.oauth.counters.refresh_requests == 1
    assert kit.state.oauth.counters.refresh_successes == 1
    user_calls = kit.requests_to("/api/v1/user")
    assert len(user_calls) == 20  # nobody went out with the expired token, nobody got a 401
    assert len({c.authorization for c in user_calls}) == 1


async def test_twenty_concurrent_calls_through_twenty_clients_refresh_once(kit: Kit) -> None:
    # The server builds a client per request; they share the process's lock for the user.
    await kit.sign_in()
    kit.state.clock.advance(3600 + 1)
    await asyncio.gather(*(kit.api().user() for _ in range(20)))
    assert kit.state.oauth.counters.refresh_requests == 1


@pytest.mark.parametrize("config", [FakeConfig(access_token_seconds=30)])
async def test_tokens_shorter_lived_than_the_early_margin_still_refresh_once(kit: Kit) -> None:
    # Every new token is already "about to expire": the callers who waited for the lock must
    # take the one just refreshed, not refresh again each in turn.
    await kit.sign_in()
    kit.state.clock.advance(31)
    api = kit.api()
    await asyncio.gather(*(api.user() for _ in range(20)))
    assert kit.state.oauth.counters.refresh_requests == 1


async def test_a_rejected_token_is_refreshed_once_for_all_who_saw_it_rejected(kit: Kit) -> None:
    first = await kit.sign_in()
    tokens = kit.tokens()
    fresh = await asyncio.gather(
        *(tokens.access_token(rejected=first.access_token) for _ in range(5))
    )
    assert len(set(fresh)) == 1
    assert fresh[0] != first.access_token
    assert kit.state.oauth.counters.refresh_requests == 1


class _RacedStore(MemoryStore):
    """Another process rotated the pair after we read it: our next reads see its pair."""

    def __init__(self, stale: TokenSet, winner: TokenSet, stale_reads: int) -> None:
        super().__init__(stale)
        self._winner = winner
        self._stale_reads = stale_reads

    async def load(self) -> TokenSet | None:
        if self._stale_reads == 0:
            self.tokens = self._winner
        self._stale_reads -= 1
        return self.tokens


async def test_a_refresh_lost_to_another_process_uses_the_stored_pair(kit: Kit) -> None:
    mine = await kit.sign_in()
    kit.state.clock.advance(3600 + 1)
    winner = await kit.oauth().refresh(mine.refresh_token)  # the other process, first
    store = _RacedStore(mine, winner, stale_reads=2)  # our two reads came before its save
    token = await kit.tokens(store).access_token()
    assert token == winner.access_token
    assert store.tokens == winner  # not forgotten: it is the other process's good pair
    assert kit.state.oauth.counters.refresh_requests == 2
    assert kit.state.oauth.counters.refresh_successes == 1


async def test_invalid_grant_forgets_the_tokens_and_asks_to_sign_in(kit: Kit) -> None:
    await kit.sign_in()
    kit.state.oauth.revoke()  # signed out on TONE3000, say
    kit.state.clock.advance(3600 + 1)
    with pytest.raises(SignInRequired, match="sign in with TONE3000 again"):
        await kit.tokens().access_token()
    assert kit.store.tokens is None
    with pytest.raises(SignInRequired, match="sign in with TONE3000 first"):
        await kit.tokens().access_token()
    assert kit.state.oauth.counters.refresh_requests == 1  # no second try without tokens


async def test_invalid_grant_in_gotrue_style_forgets_the_tokens_too(kit: Kit) -> None:
    await kit.sign_in()
    kit.state.oauth.revoke()
    kit.state.switches.token_error_style = "gotrue"
    kit.state.clock.advance(3600 + 1)
    with pytest.raises(SignInRequired):
        await kit.tokens().access_token()
    assert kit.store.tokens is None


async def test_another_refusal_keeps_the_tokens(kit: Kit) -> None:
    # invalid_client (a misconfigured key) is our fault: the user's pair may still be good.
    await kit.sign_in()
    kit.state.clock.advance(3600 + 1)
    misconfigured = kit.oauth("t3k_pub_nobody")
    tokens = RefreshingTokens(kit.store, misconfigured, kit.locks.for_key("tester"), now=kit.now)
    with pytest.raises(SignInRequired):
        await tokens.access_token()
    assert kit.store.tokens is not None


async def test_no_stored_tokens_asks_to_sign_in_without_calling_tone3000(kit: Kit) -> None:
    with pytest.raises(SignInRequired, match="first"):
        await kit.api().user()
    assert kit.recorder.seen == []
