"""argon2id password hashing, and the dummy verification that hides unknown accounts."""

from __future__ import annotations

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from toneshootout.server.auth import passwords


async def test_hash_password_verifies_and_rejects() -> None:
    hashed = await passwords.hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert await passwords.verify_password("correct horse battery", hashed) == (True, None)
    ok, _ = await passwords.verify_password("wrong horse battery", hashed)
    assert not ok


async def test_verify_password_without_hash_still_runs_argon2(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    real = passwords._hasher()

    class Spy(PasswordHash):
        def verify(self, password: str | bytes, hash: str | bytes) -> bool:
            calls.append(str(hash))
            return real.verify(password, hash)

    monkeypatch.setattr(passwords, "_hasher", lambda: Spy(real.hashers))
    assert await passwords.verify_password("anything at all", None) == (False, None)
    assert len(calls) == 1
    assert calls[0].startswith("$argon2id$")  # the same work as for a real account


async def test_verify_password_offers_rehash_for_weaker_parameters() -> None:
    weak = PasswordHash([Argon2Hasher(time_cost=1, memory_cost=8192)]).hash("some passphrase")
    ok, new_hash = await passwords.verify_password("some passphrase", weak)
    assert ok
    assert new_hash is not None
    assert new_hash != weak
