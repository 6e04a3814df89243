"""Password hashing with argon2id (pwdlib), run off the event loop.

Hashing costs ~100 ms of CPU and 64 MiB of memory by design, so it runs in a worker thread;
the default executor's few threads also bound how many hashes run at once.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache

from pwdlib import PasswordHash

MIN_LENGTH = 8
MAX_LENGTH = 256


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verified against when the account does not exist, so an unknown email costs as much
    # time as a known one and response timing does not reveal which emails are registered.
    return _hasher().hash("not-a-real-password-only-for-timing")


def _verify_dummy(password: str) -> None:
    _hasher().verify(password, _dummy_hash())


async def hash_password(password: str) -> str:
    """The argon2id hash of `password`."""
    return await asyncio.to_thread(_hasher().hash, password)


async def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """Check `password`; returns (ok, a fresh hash when the stored one uses old parameters).

    With no stored hash (unknown user, or an account without a local password) a dummy hash
    is verified anyway and the answer is always False.
    """
    if password_hash is None:
        await asyncio.to_thread(_verify_dummy, password)
        return False, None
    return await asyncio.to_thread(_hasher().verify_and_update, password, password_hash)
