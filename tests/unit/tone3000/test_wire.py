"""Lenient reading (§1.6): what TONE3000 sends, or will send next year, must not break a list."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from toneshootout.tone3000.wire import (
    DeviceAuthorization,
    EmbeddedUser,
    Model,
    Page,
    TokenResponse,
    Tone,
    User,
)

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
WIRE_MODELS: list[type[BaseModel]] = [Tone, Model, User, Page[Tone], Page[Model]]


@st.composite
def _shaped_like(draw: st.DrawFn) -> tuple[type[BaseModel], dict[str, Any]]:
    """A wire model and a dict using its field names (and others) with any JSON values."""
    model = draw(st.sampled_from(WIRE_MODELS))
    keys = st.sampled_from(sorted(model.model_fields)) | st.text(max_size=10)
    return model, draw(st.dictionaries(keys, JSON, max_size=12))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(_shaped_like())
def test_any_json_shaped_like_a_wire_model_parses_or_is_a_validation_error(
    case: tuple[type[BaseModel], dict[str, Any]],
) -> None:
    # Never a TypeError or a crash in a validator: the API turns ValidationError into
    # "TONE3000 sent an answer we cannot read", anything else would be a 500.
    model, body = case
    with contextlib.suppress(ValidationError):
        model.model_validate(body)


def _id() -> st.SearchStrategy[Any]:
    return st.integers(min_value=1, max_value=10**12) | st.integers(1, 10**9).map(str)


def _or_null(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


WORDS = st.text(min_size=1, max_size=12)
NAMED = st.fixed_dictionaries({"name": WORDS}, optional={"id": _or_null(_id())})
WELL_FORMED_TONE = st.fixed_dictionaries(
    {"id": _id()},
    optional={
        "title": _or_null(WORDS),
        "description": _or_null(WORDS),
        "gear": _or_null(WORDS),  # open enums: next year's values are fine
        "format": _or_null(WORDS),
        "license": _or_null(WORDS),
        "user_id": _or_null(st.uuids().map(str) | _id()),
        "user": _or_null(
            st.fixed_dictionaries(
                {"username": WORDS},
                optional={"id": _or_null(st.uuids().map(str) | _id()), "url": _or_null(WORDS)},
            )
        ),
        "sizes": _or_null(st.lists(WORDS, max_size=3)),
        "images": _or_null(st.lists(WORDS, max_size=3)),
        "makes": _or_null(st.lists(NAMED, max_size=3)),
        "tags": _or_null(st.lists(NAMED, max_size=3)),
        "is_public": _or_null(st.booleans()),
        "models_count": _or_null(st.integers(0, 500)),
        "a1_models_count": _or_null(st.integers(0, 500)),
        "a2_models_count": _or_null(st.integers(0, 500)),
        "custom_models_count": _or_null(st.integers(0, 500)),
        "irs_count": _or_null(st.integers(0, 500)),
        "created_at": _or_null(WORDS),
        "url": _or_null(WORDS),
        "brand_new_field": JSON,
    },
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(WELL_FORMED_TONE)
def test_a_tone_with_nulls_unknown_values_and_new_fields_always_parses(
    body: dict[str, Any],
) -> None:
    tone = Tone.model_validate(body)
    assert tone.id == int(body["id"])
    assert isinstance(tone.images, list)
    assert isinstance(tone.sizes, list)
    assert all(count >= 0 for count in (tone.a1_models_count, tone.a2_models_count))
    assert isinstance(tone.title, str)


def test_ids_as_numeric_strings_are_numbers() -> None:
    tone = Tone.model_validate({"id": "4201", "title": "t", "makes": [{"id": "12", "name": "M"}]})
    model = Model.model_validate({"id": " 90001 ", "tone_id": "4201", "model_url": "u"})
    assert (tone.id, tone.makes[0].id, model.id, model.tone_id) == (4201, 12, 90001, 4201)


@pytest.mark.parametrize("bad", ["12a", "", "-3", "1.5", "١٢", "²"])
def test_ids_that_are_not_plain_numbers_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        Tone.model_validate({"id": bad, "title": "t"})


def test_unknown_enum_values_and_fields_are_kept_or_ignored() -> None:
    tone = Tone.model_validate(
        {
            "id": 1,
            "title": "t",
            "gear": "synth",
            "format": "clap-plugin",
            "license": "wtfpl",
            "platform": "nam",
            "hologram": {"x": 1},
        }
    )
    assert (tone.gear, tone.format, tone.license) == ("synth", "clap-plugin", "wtfpl")
    assert not hasattr(tone, "hologram")


def test_null_images_sizes_makes_tags_and_counts_read_as_empty_or_zero() -> None:
    tone = Tone.model_validate(
        {
            "id": 1,
            "title": None,
            "images": None,
            "sizes": None,
            "links": None,
            "makes": None,
            "tags": None,
            "a2_models_count": None,
            "irs_count": None,
        }
    )
    assert (tone.images, tone.sizes, tone.makes, tone.tags) == ([], [], [], [])
    assert (tone.a2_models_count, tone.irs_count, tone.title) == (0, 0, "")


def test_model_with_null_size_and_architecture_is_an_ir_variant() -> None:
    model = Model.model_validate(
        {"id": 1, "tone_id": 2, "model_url": "u", "size": None, "architecture_version": None}
    )
    assert (model.size, model.architecture_version, model.name) == (None, None, "")


def test_architecture_version_given_as_a_number_reads_as_text() -> None:
    body = {"id": 1, "tone_id": 2, "model_url": "u", "architecture_version": 2}
    assert Model.model_validate(body).architecture_version == "2"


def test_a_user_id_sent_as_a_number_is_kept_as_text() -> None:
    # types.ts says string and real data are UUIDs, but third-party notes say int (§1.6).
    assert User.model_validate({"id": 42, "username": "x"}).id == "42"
    assert EmbeddedUser.model_validate({"id": 42, "username": "x"}).id == "42"


def test_a_user_without_an_id_is_refused() -> None:
    # Our account link is keyed by it (REQ-07): no id, no sign-in.
    with pytest.raises(ValidationError):
        User.model_validate({"username": "x"})
    with pytest.raises(ValidationError):
        User.model_validate({"id": None, "username": "x"})


def test_a_feed_reads_as_a_page_of_one() -> None:
    feed = Page[Tone].model_validate({"data": [{"id": 1, "title": "a"}]})
    assert (feed.page, feed.total_pages, feed.total, len(feed.data)) == (1, 1, None, 1)


def test_null_paging_fields_take_their_defaults() -> None:
    page = Page[Tone].model_validate(
        {"data": [], "page": None, "page_size": None, "total": None, "total_pages": None}
    )
    assert (page.page, page.page_size, page.total, page.total_pages) == (1, 0, None, 1)


def test_one_unreadable_tone_in_a_page_fails_the_page_loudly() -> None:
    # An item with no id cannot be picked or credited: better a clear error than a hole.
    with pytest.raises(ValidationError):
        Page[Tone].model_validate({"data": [{"id": 1, "title": "a"}, {"title": "no id"}]})


def test_token_and_device_answers_read_leniently() -> None:
    tokens = TokenResponse.model_validate(
        {"access_token": "a", "refresh_token": "r", "expires_in": "3600", "scope": None}
    )
    assert tokens.expires_in == 3600
    device = DeviceAuthorization.model_validate(
        {
            "device_code": "d",
            "user_code": "ABCD-EFGH",
            "verification_uri": "https://www.tone3000.com/device",
            "expires_in": 900,
            "interval": None,
            "extra": 1,
        }
    )
    assert device.interval == 5
