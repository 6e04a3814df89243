"""TONE3000's JSON, read leniently (§1.6): unknown fields ignored, `null` arrays read as empty,
ids as numbers or numeric strings, open enums kept as plain strings, timestamps as given."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _empty_if_null(value: Any) -> Any:
    return [] if value is None else value


def _int_id(value: Any) -> Any:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _text(value: Any) -> Any:
    return None if value is None else str(value)


Ids = Annotated[int, BeforeValidator(_int_id)]
Text = Annotated[str | None, BeforeValidator(_text)]
Strings = Annotated[list[str], BeforeValidator(_empty_if_null)]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


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

    id: str  # type: ignore[assignment,unused-ignore]  # required: it keys our account link
    bio: str | None = None


class Tone(_Wire):
    id: Ids
    user_id: Text = None
    user: EmbeddedUser | None = None
    title: str
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
