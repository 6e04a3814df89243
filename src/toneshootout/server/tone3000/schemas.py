"""Response shapes of signing in with TONE3000: never a TONE3000 token (REQ-06)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Tone3000Status(BaseModel):
    enabled: bool = Field(description="whether this server is configured for TONE3000")
    linked: bool = Field(description="whether this account is linked to a TONE3000 account")
    username: str | None = Field(description="the linked TONE3000 username")
    search: bool = Field(
        False, description="whether this server's TONE3000 API tier allows searching the catalogue"
    )


class AuthorizeUrl(BaseModel):
    authorize_url: str = Field(description="TONE3000's sign-in page: navigate the browser there")
