"""`GET /shootouts/schema`: the body's JSON Schema, self-contained and labelled, docs or not."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import SecretStr

from tests.integration.server.shootout.helpers import SHOOTOUTS, register_and_login
from toneshootout.engine.effects import EFFECT_TYPES
from toneshootout.engine.spec import DEFAULT_OUTPUTS
from toneshootout.server.app import create_app
from toneshootout.settings import Settings

SCHEMA = f"{SHOOTOUTS}/schema"


def _blocks(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    chain = schema["properties"]["chains"]["items"]
    variants = chain["properties"]["blocks"]["items"]["oneOf"]
    return {v["properties"]["type"]["const"]: v for v in variants}


async def test_schema_is_self_contained_with_every_block_and_setting(
    client: httpx.AsyncClient,
) -> None:
    user = await register_and_login(client)

    response = await client.get(SCHEMA, headers=user.headers)

    assert response.status_code == 200, response.text
    schema = response.json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "$ref" not in json.dumps(schema)
    assert "$defs" not in schema
    assert set(schema["required"]) == {"title", "di_tracks", "chains"}
    blocks = _blocks(schema)
    assert set(blocks) == {"capture", "ir", *EFFECT_TYPES}
    settings = schema["properties"]["settings"]
    assert settings["title"] == "Render settings"
    assert settings["properties"]["loudness_target_lufs"]["default"] == -18.0
    # A default made by a factory is written out too: a form starts from the set a render makes.
    assert settings["properties"]["outputs"]["default"] == list(DEFAULT_OUTPUTS)
    di_entry = schema["properties"]["di_tracks"]["items"]["anyOf"]
    assert di_entry[0] == {"format": "uuid", "type": "string"}
    assert set(di_entry[1]["properties"]) == {"di_id", "channel", "region"}


async def test_schema_labels_every_parameter_for_a_generated_form(
    client: httpx.AsyncClient,
) -> None:
    user = await register_and_login(client)
    schema = (await client.get(SCHEMA, headers=user.headers)).json()
    settings = schema["properties"]["settings"]["properties"]

    for block_type, block in [*_blocks(schema).items(), ("settings", {"properties": settings})]:
        assert block.get("title") or block_type == "settings"
        for name, field in block["properties"].items():
            if name == "type":
                continue
            assert {"title", "description"} <= field.keys(), (block_type, name)
            if field.get("type") == "number":  # every effect number is bounded and defaulted
                assert {"minimum", "maximum", "default"} <= field.keys(), (block_type, name)
    gain = _blocks(schema)["gain"]["properties"]["gain_db"]
    assert (gain["title"], gain["unit"], gain["minimum"], gain["maximum"]) == (
        "Gain",
        "dB",
        -60.0,
        24.0,
    )
    assert _blocks(schema)["highpass"]["properties"]["slope_db_per_octave"]["enum"] == [
        6,
        12,
        18,
        24,
    ]


async def test_schema_refuses_an_anonymous_caller(client: httpx.AsyncClient) -> None:
    response = await client.get(SCHEMA)
    assert response.status_code == 401


async def test_schema_is_served_in_production_without_docs(settings: Settings) -> None:
    production = settings.model_copy(
        update={
            "environment": "production",
            "auth": settings.auth.model_copy(update={"secret_key": SecretStr("k" * 40)}),
            "http": settings.http.model_copy(update={"cors_origins": ["https://a.example"]}),
        }
    )
    app: FastAPI = create_app(production)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        user = await register_and_login(client)
        assert (await client.get("/openapi.json")).status_code == 404
        response = await client.get(SCHEMA, headers=user.headers)
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["chains"]["title"] == "Chains"
