"""The `TONESHOOTOUT_TONE3000__*` settings, read as the service reads them."""

from __future__ import annotations

import os

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from toneshootout.cli.errors import CliError
from toneshootout.settings import Settings, Tone3000Settings
from toneshootout.settings_env import refuse_unknown


class _Environment(BaseSettings):
    """Only the `tone3000` section: the CLI must not fail on the values of the service's other
    settings (their names are checked, against all the service's settings)."""

    model_config = SettingsConfigDict(
        env_prefix="TONESHOOTOUT_", env_nested_delimiter="__", extra="ignore"
    )
    tone3000: Tone3000Settings = Field(default_factory=Tone3000Settings)


def tone3000_settings() -> Tone3000Settings:
    refuse_unknown(os.environ, Settings)  # a misspelt TONESHOOTOUT_TONE3000__* is no default
    try:
        return _Environment().tone3000
    except ValidationError as err:
        first = err.errors()[0]
        name = "TONESHOOTOUT_" + "__".join(str(part).upper() for part in first["loc"])
        raise CliError(f"{name}: {first['msg']}") from None
    except ValueError:  # pydantic-settings could not decode a value (lists are JSON)
        raise CliError(
            "a TONESHOOTOUT_TONE3000__* setting cannot be read; lists are JSON, "
            "e.g. TONESHOOTOUT_TONE3000__STORAGE_ORIGINS='[\"https://api.tone3000.com\"]'"
        ) from None
