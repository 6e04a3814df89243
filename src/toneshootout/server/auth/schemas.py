"""Request and response shapes of the auth API: inputs forbid unknown fields (REQ-10)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from toneshootout.server.auth.emails import MAX_EMAIL, normalize_email
from toneshootout.server.auth.passwords import MAX_LENGTH, MIN_LENGTH

Email = Annotated[
    str,
    Field(max_length=MAX_EMAIL * 2, examples=["player@example.com"]),  # room before NFKC
    AfterValidator(normalize_email),
]
NewPassword = Annotated[str, Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)]
# Passwords given to be checked are only bounded, so rule changes never lock anyone out.
GivenPassword = Annotated[str, Field(min_length=1, max_length=MAX_LENGTH)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Registration(Input):
    email: Email
    password: NewPassword


class Credentials(Input):
    email: Email
    password: GivenPassword


class RefreshRequest(Input):
    refresh_token: str | None = Field(None, min_length=1, max_length=256)


class PasswordChange(Input):
    current_password: GivenPassword
    new_password: NewPassword


class AccountDeletion(Input):
    # Required for an account with a password; one that signs in with TONE3000 only has none.
    password: GivenPassword | None = None


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the access token expires")


class UserOut(BaseModel):
    id: uuid.UUID
    email: str | None
    display_name: str | None
    created_at: datetime
