"""TONE3000's JSON, read leniently (§1.6): unknown fields ignored, `null` arrays read as empty,
ids as numbers or numeric strings, open enums kept as plain strings, timestamps as given.

`null` in a field that has a default reads as the default (a count of 0, an empty title, page
1): one odd value in one tone must not make a whole page of favourites unreadable. Only what
we cannot do without (an id, a model's URL) is required.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator


def _empty_if_null(value: Any) -> Any:
    return [] if value is None else value


def _int_id(value: Any) -> Any:
    if isinstance(value, bool):  # JSON true is no id, though Python counts it as 1
        raise ValueError("an id must be a number")
    if isinstance(value, str):
        digits = value.strip()
        # Plain ASCII digits only: int() would also take "-3", "1_000" or Arabic-Indic digits.
        if not (digits.isascii() and digits.isdigit()):
            raise ValueError("an id must be a number or a string of digits")
        return int(digits)
    return value


def _text(value: Any) -> Any:
    return None if value is None else str(value)


Ids = Annotated[int, BeforeValidator(_int_id)]
Text = Annotated[str | None, BeforeValidator(_text)]
RequiredText = Annotated[str, BeforeValidator(_text)]
Strings = Annotated[list[str], BeforeValidator(_empty_if_null)]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _null_means_default(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        defaulted = {name for name, f in cls.model_fields.items() if not f.is_required()}
        return {k: v for k, v in data.items() if v is not None or k not in defaulted}


class Named(_Wire):
    """A make or a tag: search results omit the id."""

    id: Ids | None = None
    name: str


Nameds = Annotated[list[Named], BeforeValidator(_empty_if_null)]


class EmbeddedUser(_Wire):
    id: Text = None
    username: str
    display_name: str | None = None
    avatar_url: str | None = None
    url: str | None = None
    is_verified: bool | None = None


class User(EmbeddedUser):
    """`GET /user`: the signed-in user."""

    # Required: it keys our account link (REQ-07). Text even if sent as a number (§1.6).
    id: RequiredText  # type: ignore[assignment,unused-ignore]
    bio: str | None = None


class Tone(_Wire):
    id: Ids
    user_id: Text = None
    user: EmbeddedUser | None = None
    title: str = ""
    description: str | None = None
    gear: str | None = None
    format: str | None = None
    license: str | None = None
    sizes: Strings = Field(default_factory=list)
    images: Strings = Field(default_factory=list)
    is_public: bool | None = None
    is_favorite: bool | None = None
    makes: Nameds = Field(default_factory=list)
    tags: Nameds = Field(default_factory=list)
    models_count: int = 0
    a1_models_count: int = 0
    a2_models_count: int = 0
    custom_models_count: int = 0
    irs_count: int = 0
    downloads_count: int = 0
    favorites_count: int = 0
    created_at: Text = None
    url: str | None = None  # used as given: the real one has a double slash (§1.6)

    @property
    def is_ir(self) -> bool:
        return self.format == "ir"

    @property
    def architectures(self) -> list[str]:
        """The architectures this tone has models of, as `GET /models` names them."""
        counts = {
            "1": self.a1_models_count,
            "2": self.a2_models_count,
            "custom": self.custom_models_count,
        }
        return [arch for arch, count in counts.items() if count > 0]


class Model(_Wire):
    id: Ids
    tone_id: Ids
    name: str = ""
    model_url: str
    size: str | None = None
    architecture_version: Text = None
    created_at: Text = None


T = TypeVar("T")


class Page(_Wire, Generic[T]):
    """A paginated envelope; feeds (trending, latest) have no paging fields at all."""

    data: Annotated[list[T], BeforeValidator(_empty_if_null)]
    page: int = 1
    page_size: int = 0
    total: int | None = None
    total_pages: int = 1


class TokenResponse(_Wire):
    access_token: str
    refresh_token: str
    expires_in: int = 3600
    token_type: str = "bearer"
    scope: str | None = None


class DeviceAuthorization(_Wire):
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None = None
    expires_in: int
    interval: int = 5
