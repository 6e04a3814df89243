"""Settings: environment variables switch backends; production refuses unsafe defaults."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from toneshootout.settings import DEV_SECRET, Settings, get_settings
from toneshootout.settings_env import ConfigurationError

STRONG_SECRET = "s" * 48
PG_URL = "postgresql+asyncpg://app:pw@db.internal:5432/toneshootout"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("TONESHOOTOUT_") and name != "TONESHOOTOUT_SHARED_DIR":
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _production(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "production",
        "auth": {"secret_key": STRONG_SECRET},
        "http": {"cors_origins": ["https://shootout.example"]},
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def test_database_defaults_to_sqlite_in_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.database == f"sqlite+aiosqlite:///{(tmp_path / 'toneshootout.db').resolve()}"


def test_database_url_env_var_switches_to_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONESHOOTOUT_DATABASE_URL", PG_URL)
    assert Settings().database == PG_URL
    assert get_settings().database == PG_URL


def test_nested_db_url_env_var_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONESHOOTOUT_DB__URL", PG_URL)
    assert Settings().database == PG_URL


def test_nested_env_vars_reach_their_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONESHOOTOUT_HTTP__MAX_BODY_BYTES", "2048")
    monkeypatch.setenv("TONESHOOTOUT_HTTP__CORS_ORIGINS", '["https://a.example"]')
    monkeypatch.setenv("TONESHOOTOUT_AUTH__COOKIE_SECURE", "true")
    settings = Settings()
    assert settings.http.max_body_bytes == 2048
    assert settings.http.cors_origins == ["https://a.example"]
    assert settings.auth.cookie_secure is True


def test_get_settings_reads_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    first = get_settings()
    monkeypatch.setenv("TONESHOOTOUT_DATABASE_URL", PG_URL)
    assert get_settings() is first


def test_production_refuses_default_secret() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        _production(auth={"secret_key": DEV_SECRET})


def test_production_refuses_short_secret() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        _production(auth={"secret_key": "short"})


@pytest.mark.parametrize("origins", [[], ["*"]])
def test_production_refuses_missing_or_wildcard_cors(origins: list[str]) -> None:
    with pytest.raises(ValidationError, match="CORS_ORIGINS"):
        _production(http={"cors_origins": origins})


def test_production_from_environment_refuses_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONESHOOTOUT_ENVIRONMENT", "production")
    with pytest.raises(ConfigurationError, match="SECRET_KEY") as error:
        get_settings()
    assert "CORS_ORIGINS" in str(error.value)
    assert DEV_SECRET not in str(error.value)


def test_production_turns_off_docs() -> None:
    assert _production().docs_enabled is False
    assert Settings(environment="development").docs_enabled is True


def test_secret_key_never_shown_in_repr() -> None:
    settings = _production()
    assert STRONG_SECRET not in repr(settings)
    assert STRONG_SECRET not in str(settings.model_dump())


def test_environment_must_be_known() -> None:
    with pytest.raises(ValidationError):
        Settings(environment="staging")


@pytest.mark.parametrize(
    "overrides",
    [
        {"redis_url": "redis://127.0.0.1:6379/0"},
        {"redis": {"url": "redis://user@127.0.0.1:6379/0"}},
        {"database_url": "postgresql+asyncpg://postgres:pw@db.internal/toneshootout"},
        {"database_url": "postgresql+asyncpg://app@db.internal/toneshootout"},
        {"database_url": "postgresql+asyncpg://app:postgres@db.internal/toneshootout"},
    ],
)
def test_production_refuses_backends_without_real_credentials(overrides: dict[str, object]) -> None:
    # REQ-36: Redis and PostgreSQL require authentication and a least-privilege account.
    with pytest.raises(ValidationError, match=r"(Redis|PostgreSQL) URL must"):
        _production(**overrides)


def test_production_accepts_authenticated_backends() -> None:
    settings = _production(database_url=PG_URL, redis_url="redis://:s3cret-pass@10.0.0.5:6379/0")
    assert settings.redis_in_force == "redis://:s3cret-pass@10.0.0.5:6379/0"


def test_production_refuses_the_default_tone3000_token_key() -> None:
    with pytest.raises(ValueError, match="TONESHOOTOUT_TONE3000__TOKEN_KEY"):
        _production(tone3000={"client_id": "t3k_pub_live"})
    settings = _production(tone3000={"client_id": "t3k_pub_live", "token_key": "k" * 40})
    assert settings.tone3000.enabled
    assert not _production().tone3000.enabled  # off without a client id: no key needed
