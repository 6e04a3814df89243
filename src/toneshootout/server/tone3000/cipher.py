"""Tokens at rest (REQ-06): AES-256-GCM with a key derived from the configured secret.

The user id is the associated data, so a ciphertext copied onto another user's row does not
decrypt. A stored value is `v1.` + base64url(nonce ‖ ciphertext ‖ tag): the version leaves
room for key rotation without guessing.
"""

from __future__ import annotations

import base64
import os
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "v1."
NONCE_BYTES = 12


class TokenCipherError(Exception):
    """A stored token that does not decrypt: wrong key, tampered, or another user's."""


class TokenCipher:
    def __init__(self, secret: str) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"toneshootout tone3000 tokens"
        ).derive(secret.encode())
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: str, *, user_id: uuid.UUID) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), user_id.bytes)
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, stored: str, *, user_id: uuid.UUID) -> str:
        if not stored.startswith(PREFIX):
            raise TokenCipherError("unknown token format")
        try:
            raw = base64.urlsafe_b64decode(stored[len(PREFIX) :])
            plain = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], user_id.bytes)
        except (InvalidTag, ValueError) as err:
            raise TokenCipherError("a stored TONE3000 token does not decrypt") from err
        return plain.decode()
