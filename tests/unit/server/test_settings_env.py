"""`TONESHOOTOUT_*` variables: each names a setting or a listed non-setting, else one clear line."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from toneshootout.settings import (
    DEV_SECRET,
    AuthSettings,
    Settings,
    StorageSettings,
    get_settings,
    settings_from_environment,
)
from toneshootout.settings_env import (
    NOT_SETTINGS,
    ConfigurationError,
    refuse_unknown,
    setting_variables,
)
from toneshootout.worker import faults

REPO = Path(__file__).resolve().parents[3]
# The tests of the check itself name wrong variables on purpose.
MISSPELT_ON_PURPOSE = {
    Path(__file__).resolve(),
    REPO / "tests" / "integration" / "test_settings_cli.py",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.upper().startswith("TONESHOOTOUT_") and name != "TONESHOOTOUT_SHARED_DIR":
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _refusal(environ: dict[str, str]) -> str:
    with pytest.raises(ConfigurationError) as refused:
        refuse_unknown(environ, Settings)
    return str(refused.value)


# -- what is accepted ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "TONESHOOTOUT_DATA_DIR",  # top level
        "TONESHOOTOUT_DATABASE_URL",  # the shorthand beside db.url
        "TONESHOOTOUT_DB__URL",  # nested
        "TONESHOOTOUT_RENDER__SANDBOX_FORK_SERVER",
        "TONESHOOTOUT_TONE3000__STORAGE_ORIGINS",
        "TONESHOOTOUT_AUTH",  # a whole section, as JSON
        "toneshootout_auth__cookie_secure",  # pydantic-settings matches any case
        "ToneShootout_Port",
    ],
)
def test_a_setting_is_accepted(name: str) -> None:
    refuse_unknown({name: "x"}, Settings)


def test_variables_without_the_prefix_are_not_ours() -> None:
    refuse_unknown({"PATH": "/bin", "TONESHOOTOUT": "x", "MY_TONESHOOTOUT_X": "y"}, Settings)


@pytest.mark.parametrize("name", sorted(NOT_SETTINGS))
def test_the_listed_non_settings_are_accepted(name: str) -> None:
    refuse_unknown({name: "1", name.lower(): "1"}, Settings)


def test_the_fault_harness_variables_are_listed() -> None:
    harness = {
        faults.CRASH_AT_ENV,
        faults.PROBABILITY_ENV,
        faults.UNSAFE_QUEUE_ENV,
        faults.HOLD_RENDER_ENV,
        faults.EVERY_ENV,
        faults.DIR_ENV,
        faults.PACE_PROGRESS_ENV,
    }
    assert harness <= NOT_SETTINGS


def test_every_variable_the_project_names_is_a_setting_or_listed() -> None:
    # Code, benchmarks, tests and docs that name a variable the check would refuse are wrong
    # (or the list is incomplete). A name followed by `__{…}` or `__*` is matched to the
    # section, which is a setting too; a refusal quoted in the docs is no use of its name.
    pattern = re.compile(r"(?<!unknown setting )TONESHOOTOUT_[A-Z0-9_]*[A-Z0-9]")
    known = setting_variables(Settings).keys() | NOT_SETTINGS
    sources = [REPO / "setup.py", REPO / "Makefile", REPO / "README.md"]
    for folder, suffix in (("src", "*.py"), ("bench", "*.py"), ("tests", "*.py"), ("docs", "*.md")):
        sources += sorted((REPO / folder).rglob(suffix))
    named = {
        (match, path.relative_to(REPO).as_posix())
        for path in sources
        if path not in MISSPELT_ON_PURPOSE
        for match in pattern.findall(path.read_text(encoding="utf-8"))
    }
    assert named, "the scan found nothing: is the pattern right?"
    assert sorted(pair for pair in named if pair[0] not in known) == []


# -- what is refused, in one line -------------------------------------------------------------


def test_a_misspelt_name_is_refused_with_the_close_one() -> None:
    assert _refusal({"TONESHOOTOUT_STORAGE__MAX_DI_BYTS": "1"}) == (
        "unknown setting TONESHOOTOUT_STORAGE__MAX_DI_BYTS: "
        "did you mean TONESHOOTOUT_STORAGE__MAX_DI_BYTES?"
    )


def test_a_misspelt_name_in_another_case_is_named_as_written() -> None:
    assert _refusal({"toneshootout_data_dri": "var"}) == (
        "unknown setting toneshootout_data_dri: did you mean TONESHOOTOUT_DATA_DIR?"
    )


def test_a_single_underscore_for_a_section_gets_the_double_one() -> None:
    assert _refusal({"TONESHOOTOUT_AUTH_SECRET_KEY": "k"}).endswith(
        "did you mean TONESHOOTOUT_AUTH__SECRET_KEY?"
    )


def test_the_s3_settings_are_settings() -> None:
    # Issue 12: TONESHOOTOUT_STORAGE__BACKEND was once refused here as unknown.
    refuse_unknown(
        {
            "TONESHOOTOUT_STORAGE__BACKEND": "s3",
            "TONESHOOTOUT_STORAGE__S3__BUCKET": "b",
            "TONESHOOTOUT_STORAGE__S3__ENDPOINT_URL": "http://127.0.0.1:9000",
            "TONESHOOTOUT_STORAGE__S3__REGION": "eu-west-1",
            "TONESHOOTOUT_STORAGE__S3__PATH_STYLE": "true",
            "TONESHOOTOUT_STORAGE__S3__PUBLIC_ENDPOINT_URL": "https://files.example",
            "TONESHOOTOUT_STORAGE__S3__PRESIGN_DOWNLOADS": "false",
            "TONESHOOTOUT_STORAGE__S3": "{}",
        },
        Settings,
    )


def test_a_misspelt_s3_setting_gets_the_close_one() -> None:
    assert _refusal({"TONESHOOTOUT_STORAGE__S3__BUCKT": "b"}) == (
        "unknown setting TONESHOOTOUT_STORAGE__S3__BUCKT: "
        "did you mean TONESHOOTOUT_STORAGE__S3__BUCKET?"
    )


def test_a_name_like_nothing_points_to_the_docs() -> None:
    assert _refusal({"TONESHOOTOUT_WIBBLE": "1"}) == (
        "unknown setting TONESHOOTOUT_WIBBLE: see docs/SERVICE.md"
    )


def test_a_key_below_a_plain_setting_is_refused() -> None:
    assert _refusal({"TONESHOOTOUT_PORT__NUMBER": "1"}).startswith(
        "unknown setting TONESHOOTOUT_PORT__NUMBER:"
    )


def test_several_unknown_names_are_all_in_one_line() -> None:
    line = _refusal(
        {
            "TONESHOOTOUT_WIBBLE": "1",
            "TONESHOOTOUT_DATA_DIR": "var",  # known: not named
            "TONESHOOTOUT_RENDER__MAX_ATEMPTS": "2",
        }
    )
    assert "\n" not in line
    assert line == (
        "unknown settings TONESHOOTOUT_RENDER__MAX_ATEMPTS (did you mean "
        "TONESHOOTOUT_RENDER__MAX_ATTEMPTS?); TONESHOOTOUT_WIBBLE (see docs/SERVICE.md)"
    )


# -- reading the environment ------------------------------------------------------------------


def test_reading_refuses_an_unknown_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONESHOOTOUT_STORAGE__BACKND", "s3")
    with pytest.raises(ConfigurationError, match="unknown setting TONESHOOTOUT_STORAGE__BACKND"):
        get_settings()


def test_reading_names_a_value_that_is_not_an_integer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONESHOOTOUT_RENDER__MAX_ATTEMPTS", "three")
    with pytest.raises(ConfigurationError) as refused:
        settings_from_environment()
    assert str(refused.value) == (
        "invalid setting TONESHOOTOUT_RENDER__MAX_ATTEMPTS: "
        "Input should be a valid integer, unable to parse string as an integer"
    )


def test_reading_names_a_list_that_is_not_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONESHOOTOUT_HTTP__CORS_ORIGINS", "https://a.example")
    with pytest.raises(ConfigurationError) as refused:
        settings_from_environment()
    line = str(refused.value)
    assert line.startswith("invalid setting TONESHOOTOUT_HTTP__CORS_ORIGINS: not JSON")
    assert "\n" not in line


def test_reading_names_the_key_of_a_section_given_as_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TONESHOOTOUT_RENDER", '{"max_attempts": 2, "max_atempts": 3}')
    with pytest.raises(ConfigurationError) as refused:
        settings_from_environment()
    assert str(refused.value) == "invalid setting TONESHOOTOUT_RENDER: max_atempts: no such setting"


def test_reading_lists_every_invalid_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONESHOOTOUT_PORT", "eighty-eighty")
    monkeypatch.setenv("TONESHOOTOUT_AUTH__ACCESS_TTL_SECONDS", "5")
    with pytest.raises(ConfigurationError) as refused:
        settings_from_environment()
    line = str(refused.value)
    assert line.startswith("invalid settings: ")
    assert "TONESHOOTOUT_PORT: Input should be a valid integer" in line
    assert "TONESHOOTOUT_AUTH__ACCESS_TTL_SECONDS: Input should be greater than or equal to 60" in (
        line
    )
    assert "eighty" not in line  # values are not repeated: one could be a secret


def test_reading_the_s3_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONESHOOTOUT_STORAGE__BACKEND", "s3")
    monkeypatch.setenv("TONESHOOTOUT_STORAGE__S3__BUCKET", "tone-files")
    monkeypatch.setenv("TONESHOOTOUT_STORAGE__S3__ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("TONESHOOTOUT_STORAGE__S3__PATH_STYLE", "true")
    storage = settings_from_environment().storage
    assert storage.backend == "s3"
    assert (storage.s3.bucket, storage.s3.endpoint_url) == ("tone-files", "http://127.0.0.1:9000")
    assert storage.s3.path_style
    assert storage.s3.presign_downloads
    assert StorageSettings().backend == "local"  # the default


def test_the_s3_backend_without_a_bucket_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONESHOOTOUT_STORAGE__BACKEND", "s3")
    with pytest.raises(ConfigurationError) as refused:
        settings_from_environment()
    assert str(refused.value) == (
        "invalid settings: TONESHOOTOUT_STORAGE__S3__BUCKET must be set when "
        "TONESHOOTOUT_STORAGE__BACKEND is s3"
    )


def test_an_unknown_backend_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONESHOOTOUT_STORAGE__BACKEND", "ftp")
    with pytest.raises(ConfigurationError) as refused:
        settings_from_environment()
    assert str(refused.value) == (
        "invalid setting TONESHOOTOUT_STORAGE__BACKEND: Input should be 'local' or 's3'"
    )


@pytest.mark.parametrize("url", ["127.0.0.1:9000", "ftp://files.example", "https://"])
def test_an_s3_endpoint_that_is_no_http_url_is_named(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("TONESHOOTOUT_STORAGE__S3__PUBLIC_ENDPOINT_URL", url)
    with pytest.raises(ConfigurationError) as refused:
        settings_from_environment()
    assert str(refused.value) == (
        "invalid setting TONESHOOTOUT_STORAGE__S3__PUBLIC_ENDPOINT_URL: "
        "must be an http(s) URL such as https://s3.example.com"
    )


def test_the_multipart_threshold_is_at_least_s3s_smallest_part(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TONESHOOTOUT_STORAGE__S3__MULTIPART_THRESHOLD_BYTES", "1024")
    with pytest.raises(ConfigurationError, match="MULTIPART_THRESHOLD_BYTES: Input should be"):
        settings_from_environment()


def test_production_refusal_is_one_line_without_the_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TONESHOOTOUT_ENVIRONMENT", "production")
    with pytest.raises(ConfigurationError) as refused:
        settings_from_environment()
    line = str(refused.value)
    assert line.startswith("invalid settings: TONESHOOTOUT_AUTH__SECRET_KEY must be set")
    assert "TONESHOOTOUT_HTTP__CORS_ORIGINS" in line
    assert DEV_SECRET not in line
    assert "\n" not in line


# -- sections refuse unknown keys however they are given ----------------------------------------


def test_a_section_refuses_an_unknown_key() -> None:
    with pytest.raises(ValidationError, match="extra_forbidden"):
        AuthSettings(secret_kee="x")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="extra_forbidden"):
        Settings(auth={"secret_kee": "x"})
    with pytest.raises(ValidationError, match="extra_forbidden"):
        Settings(data_dri="var")  # type: ignore[call-arg]
