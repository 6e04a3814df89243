"""Service settings: one pydantic-settings object with a section per concern.

Built once by `get_settings()` from `TONESHOOTOUT_*` environment variables (nested sections
use `__`, e.g. `TONESHOOTOUT_AUTH__ACCESS_TTL_SECONDS`) and passed in; nothing reads the
environment at import time, and the engine never reads it at all. A variable naming no setting,
or a value that does not validate, stops start-up with one line (`settings_env`); no section
takes keys it does not know, however its values are given.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from toneshootout.settings_env import read_settings

DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"


class _Section(BaseModel):
    """A settings section: a key it does not know is a mistake, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


class DatabaseSettings(_Section):
    url: str | None = Field(None, description="SQLAlchemy async URL; default SQLite in data_dir")
    echo: bool = False
    busy_timeout_ms: int = Field(10_000, ge=5_000)
    pool_size: int = Field(5, ge=1)


MIB = 1024 * 1024


class S3Settings(_Section):
    """An S3-compatible bucket (`storage.backend = "s3"`); credentials come from the standard
    AWS chain (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, a profile, an instance role)."""

    bucket: str | None = Field(None, min_length=3, max_length=63)
    # None: AWS itself; else the store's URL as the API and workers reach it.
    endpoint_url: str | None = None
    region: str | None = None
    # Path-style URLs (`<endpoint>/<bucket>/<key>`), which most self-hosted stores need.
    path_style: bool = False
    # Where browsers reach the store, when not at `endpoint_url` (presigned URLs sign the host).
    public_endpoint_url: str | None = None
    # Downloads redirect to a short-lived presigned URL; off: the API streams them itself.
    presign_downloads: bool = True
    presign_ttl_seconds: int = Field(300, ge=10, le=3600)
    # Files above this go up in parts of this size (S3's smallest part is 5 MiB).
    multipart_threshold_bytes: int = Field(8 * MIB, ge=5 * MIB, le=5 * 1024 * MIB)
    # Kept short, so a store that is down is answered with 503 within seconds.
    connect_timeout_seconds: float = Field(2.0, gt=0, le=60)
    read_timeout_seconds: float = Field(5.0, gt=0, le=300)
    # Tries per call, the first included (botocore's "standard" retry mode).
    max_attempts: int = Field(3, ge=1, le=10)
    # The API's local copies of objects it decodes itself (blind-test takes), least recently
    # used dropped first.
    copy_cache_bytes: int = Field(1024 * MIB, ge=16 * MIB)

    @field_validator("endpoint_url", "public_endpoint_url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is not None:
            parts = urlsplit(url)
            if parts.scheme not in {"http", "https"} or not parts.netloc:
                raise ValueError("must be an http(s) URL such as https://s3.example.com")
        return url


class StorageSettings(_Section):
    # Where stored files live: a local folder (`data_dir/files`) or an S3-compatible bucket.
    backend: Literal["local", "s3"] = "local"
    s3: S3Settings = Field(default_factory=S3Settings)
    max_di_bytes: int = 100 * 1024 * 1024
    max_ir_bytes: int = 5 * 1024 * 1024
    max_capture_bytes: int = 10 * 1024 * 1024
    quota_bytes: int = 2 * 1024 * 1024 * 1024
    quota_files: int = 1000
    free_disk_reserve_bytes: int = 512 * 1024 * 1024
    upload_rate_per_minute: int = Field(60, ge=1, description="Upload requests per user")
    # A live upload touches its temp file with every ~1 MiB it receives and then validates it
    # under a time limit, so one untouched this long belongs to no request (REQ-18's janitor).
    temp_grace_seconds: float = Field(3600.0, ge=0)
    temp_sweep_interval_seconds: float = Field(300.0, gt=0)


class AuthSettings(_Section):
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    algorithm: Literal["HS256"] = "HS256"
    issuer: str = "toneshootout"
    audience: str = "toneshootout-api"
    access_ttl_seconds: int = Field(900, ge=60, le=3600)
    refresh_idle_seconds: int = Field(14 * 24 * 3600, ge=3600)
    refresh_absolute_seconds: int = Field(60 * 24 * 3600, ge=3600)
    login_rate_per_minute: int = Field(10, ge=1)
    register_rate_per_minute: int = Field(10, ge=1)
    refresh_rate_per_minute: int = Field(30, ge=1)
    cookie_secure: bool = False


class HttpSettings(_Section):
    cors_origins: list[str] = Field(default_factory=list)
    max_body_bytes: int = 1024 * 1024
    trusted_hosts: list[str] = Field(default_factory=lambda: ["*"])


class RedisSettings(_Section):
    url: str | None = None
    # TaskIQ RedisStreamBroker (REQ-27); `idle_timeout` must exceed the render time limit.
    queue_name: str = "toneshootout:renders"
    consumer_group: str = "toneshootout-workers"
    idle_timeout_ms: int = Field(2_400_000, ge=1000)
    unacknowledged_lock_timeout_s: int = Field(30, ge=1)
    stream_maxlen: int = Field(100_000, ge=1000)
    result_ex_time_s: int = Field(3600, ge=1)
    events_channel: str = "toneshootout:events"


class RealtimeSettings(_Section):
    # WebSocket progress (REQ-31): single-use tickets, caps and heartbeat.
    ticket_ttl_seconds: int = Field(30, ge=5, le=300)
    max_message_bytes: int = Field(4096, ge=256)
    max_connections_per_user: int = Field(10, ge=1)
    max_subscriptions_per_connection: int = Field(50, ge=1)
    heartbeat_seconds: float = Field(20.0, gt=0)
    idle_timeout_seconds: float = Field(300.0, gt=0)
    # Browser origins allowed to open the socket besides `http.cors_origins` (e.g. a separate
    # app origin that needs no CORS); in development the server's own loopback origins too.
    allowed_origins: list[str] = Field(default_factory=list)
    # Renders listed in the snapshot of a shootout subscription (the newest first).
    shootout_snapshot_limit: int = Field(50, ge=1, le=500)
    # Tickets a user (and a client IP) may ask for per minute (REQ-08).
    ticket_rate_per_minute: int = Field(30, ge=1)


class RenderSettings(_Section):
    # Wall-time limit of one render attempt; beyond it the job fails with `timeout` (REQ-30).
    max_render_seconds: int = Field(1800, ge=1)
    # A running job's claim lasts `lease_seconds` past its last heartbeat; a worker that dies
    # stops heartbeating and the sweeper re-queues the job once the lease has run out.
    lease_seconds: int = Field(60, ge=2)
    heartbeat_seconds: float = Field(10.0, gt=0)
    max_attempts: int = Field(3, ge=1, le=20)
    # The sweeper runs at startup and then every `sweep_seconds` (REQ-28: at most 60 s).
    sweep_seconds: float = Field(30.0, gt=0, le=60)
    # Queued jobs older than this are kicked again (covers a lost message or failed kick).
    requeue_after_seconds: float = Field(30.0, gt=0)
    # Caps (REQ-30): jobs a user may have queued or running, running at once, and in total.
    per_user_active: int = Field(20, ge=1)
    per_user_running: int = Field(2, ge=1)
    global_running: int = Field(4, ge=1)
    # Renders a worker process runs at once (each in its own sandboxed subprocess).
    worker_concurrency: int = Field(2, ge=1)
    # Limits of the sandboxed render subprocess (REQ-15).
    sandbox_memory_mb: int = Field(4096, ge=256)
    sandbox_cpu_seconds: int = Field(3600, ge=1)
    # Fork each sandbox from a per-worker process that has the engine imported already
    # (saves the interpreter start-up per render); off: a fresh interpreter per render.
    sandbox_fork_server: bool = True
    # Per-user content-addressed cache of processed DI × chain audio (0 turns it off); kept in
    # each worker's own scratch folder (`data_dir/scratch/engine-cache/<owner>`), never shared.
    cache_max_mb: int = Field(2048, ge=0)
    # The worker's local copies of library files, by SHA-256 (`data_dir/scratch/inputs`),
    # least recently used first out; files a running render uses are never evicted.
    input_cache_max_mb: int = Field(2048, ge=0)
    # Cores the engine uses inside one sandboxed render (renders run side by side already).
    engine_workers: int = Field(1, ge=1)
    # Builder warning: DI seconds × chains above this is flagged as a very long render.
    long_render_warning_seconds: float = Field(1800.0, gt=0)


DEV_TOKEN_KEY = "dev-only-tone3000-token-key-change-me-0123456789"


class Tone3000Settings(_Section):
    """TONE3000 (`TONE3000.md`): off until a client id (a publishable `t3k_pub_` key) is set."""

    base_url: str = "https://www.tone3000.com"
    client_id: str | None = None
    # Registered with the client id; from configuration only, never from a request (REQ-05).
    redirect_uri: str = "http://127.0.0.1:8000/api/v1/auth/tone3000/callback"
    # Encrypts users' TONE3000 tokens at rest (REQ-06); production refuses the default.
    token_key: SecretStr = SecretStr(DEV_TOKEN_KEY)
    # Hosts a model download may be redirected to (signed storage URLs). They never get the
    # user's token; a redirect to any other host is refused.
    storage_origins: list[str] = Field(default_factory=lambda: ["https://api.tone3000.com"])
    # Our own budget of calls per user, under TONE3000's 100 per minute.
    calls_per_minute: int = Field(90, ge=1, le=100)
    # The API tier allows `GET /tones/search` (commercial tier, §1.9); off: lists and the
    # TONE3000 picker only.
    search_enabled: bool = False
    # How long a downloaded model stays in a user's cache for further renders.
    cache_seconds: int = Field(3600, ge=0)
    # Seconds a sign-in may take between leaving for TONE3000 and coming back (REQ-04).
    login_ttl_seconds: int = Field(600, ge=60, le=600)

    @property
    def enabled(self) -> bool:
        return bool(self.client_id)


_DEFAULT_DB_PASSWORDS = frozenset({"", "postgres", "password", "changeme"})


def _backend_credential_problems(database_url: str | None, redis_url: str | None) -> list[str]:
    """REQ-36: in production, Redis and PostgreSQL must require real credentials."""
    problems = []
    if redis_url is not None and not urlsplit(redis_url).password:
        problems.append("the Redis URL must carry a password (requirepass or an ACL user)")
    if database_url is not None and database_url.startswith("postgresql"):
        parts = urlsplit(database_url)
        if (parts.password or "") in _DEFAULT_DB_PASSWORDS or parts.username == "postgres":
            problems.append(
                "the PostgreSQL URL must name a least-privilege role with a real password"
            )
    return problems


class Settings(BaseSettings):
    """Everything the service can be told; the defaults are the embedded `make run` mode."""

    model_config = SettingsConfigDict(
        env_prefix="TONESHOOTOUT_", env_nested_delimiter="__", extra="forbid"
    )

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 8000
    # "auto": human-readable lines on a terminal, JSON lines otherwise (files, pipes, journald).
    log_format: Literal["auto", "json", "text"] = "auto"
    database_url: str | None = None  # shorthand for db.url, as the docs name it
    redis_url: str | None = None
    db: DatabaseSettings = Field(default_factory=DatabaseSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    render: RenderSettings = Field(default_factory=RenderSettings)
    realtime: RealtimeSettings = Field(default_factory=RealtimeSettings)
    tone3000: Tone3000Settings = Field(default_factory=Tone3000Settings)

    @model_validator(mode="after")
    def _s3_names_a_bucket(self) -> Self:
        if self.storage.backend == "s3" and not self.storage.s3.bucket:
            raise ValueError(
                "TONESHOOTOUT_STORAGE__S3__BUCKET must be set when "
                "TONESHOOTOUT_STORAGE__BACKEND is s3"
            )
        return self

    @model_validator(mode="after")
    def _production_is_explicit(self) -> Self:
        if self.environment != "production":
            return self
        problems = []
        if (
            self.auth.secret_key.get_secret_value() == DEV_SECRET
            or len(self.auth.secret_key.get_secret_value()) < 32
        ):
            problems.append("TONESHOOTOUT_AUTH__SECRET_KEY must be set to 32+ random characters")
        if not self.http.cors_origins or "*" in self.http.cors_origins:
            problems.append("TONESHOOTOUT_HTTP__CORS_ORIGINS must list the allowed origins")
        key = self.tone3000.token_key.get_secret_value()
        # Without a client id no TONE3000 token is ever stored, so there is nothing to protect.
        if self.tone3000.enabled and (key == DEV_TOKEN_KEY or len(key) < 32):
            problems.append("TONESHOOTOUT_TONE3000__TOKEN_KEY must be set to 32+ random characters")
        problems += _backend_credential_problems(
            self.database_url or self.db.url, self.redis_in_force
        )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def database(self) -> str:
        """The async database URL in force."""
        url = self.database_url or self.db.url
        return url or f"sqlite+aiosqlite:///{(self.data_dir / 'toneshootout.db').resolve()}"

    @property
    def redis_in_force(self) -> str | None:
        """The Redis URL in force, or None for the embedded (in-process) queue and events."""
        return self.redis_url or self.redis.url

    @property
    def storage_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def docs_enabled(self) -> bool:
        return self.environment != "production"


def settings_from_environment() -> Settings:
    """The settings from the environment as it is now; `ConfigurationError` (one line) names
    any `TONESHOOTOUT_*` variable that is no setting or holds a value that does not validate."""
    return read_settings(Settings)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment once."""
    return settings_from_environment()
