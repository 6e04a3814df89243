"""Structured logs: one line per event, request and user IDs attached, secrets scrubbed.

`configure_logging(settings)` is called by `create_app` (so by `toneshootout serve` too); nothing
happens at import. Both structlog loggers and plain stdlib loggers (`logging.getLogger(...)
.info(..., extra={...})`, as the auth code uses) end up in the same renderer (JSON lines, or
readable text on a terminal), so every record is a single line: newlines in user values are
escaped, never written raw (REQ-37). Values under secret-looking keys, bearer/JWT-shaped strings and
passwords inside database URLs are replaced before rendering.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from toneshootout.settings import Settings

REDACTED = "[redacted]"
_SECRET_KEY_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "cookie",
    "verifier",
    "api_key",
    "apikey",
    "hash",
    "csrf",
)
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+(@)")
# Every pattern above needs one of these markers; one search rules out the three
# substitutions for the common value (a route, an ID, a status), which is most of a log line.
_SUSPECT = re.compile(r"(?i)eyJ|bearer|://")

# One mutable dict per request: the middleware installs it and anything later in the request
# (an auth dependency running in a copied context, a thread) can add to it, and the access log
# written by the middleware after the response still sees the additions.
_request_context: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "toneshootout_log_context", default=None
)


@contextmanager
def request_log_context(request_id: str) -> Iterator[dict[str, str]]:
    """Attach `request_id` (and later `user_id`) to every log record made within the block."""
    context = {"request_id": request_id}
    token = _request_context.set(context)
    try:
        yield context
    finally:
        _request_context.reset(token)


def bind_user_id(user_id: object) -> None:
    """Record the authenticated user for the rest of the current request's log records."""
    context = _request_context.get()
    if context is not None:
        context["user_id"] = str(user_id)


@functools.lru_cache(maxsize=1024)  # keys come from code, so the set is small and fixed
def _is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(part in lowered for part in _SECRET_KEY_PARTS)


def scrub_text(text: str) -> str:
    """Blank out bearer tokens, JWT-shaped strings and passwords in URLs inside free text."""
    if _SUSPECT.search(text) is None:
        return text
    text = _BEARER.sub(r"\1 " + REDACTED, text)
    text = _JWT.sub(REDACTED, text)
    return _URL_PASSWORD.sub(r"\1" + REDACTED + r"\2", text)


def _scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {
            k: REDACTED if _is_secret_key(str(k)) else _scrub_value(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub_value(v) for v in value]
    return value


def redact_secrets(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: drop values under secret-looking keys, scrub the rest."""
    for key in list(event_dict):
        if key.startswith("_"):
            continue
        if _is_secret_key(key):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _scrub_value(event_dict[key])
    return event_dict


def add_request_context(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: add the current request's IDs unless the record names its own."""
    context = _request_context.get()
    if context:
        for key, value in context.items():
            event_dict.setdefault(key, value)
    return event_dict


def drop_color_message(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: drop uvicorn's ANSI-coloured duplicate of the message."""
    event_dict.pop("color_message", None)
    return event_dict


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        add_request_context,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def escape_newlines(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: one record, one line, in the text format too (REQ-37); only our own
    tracebacks keep their lines, so a terminal shows them readably."""
    for key, value in event_dict.items():
        if key == "exception":
            continue
        if isinstance(value, str) and ("\n" in value or "\r" in value):
            event_dict[key] = value.replace("\r", "\\r").replace("\n", "\\n")
    return event_dict


def _formatter(renderer: Processor, *extra: Processor) -> logging.Formatter:
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared_processors(), structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            drop_color_message,
            redact_secrets,
            *extra,
            renderer,
        ],
    )


def json_formatter() -> logging.Formatter:
    """The formatter that renders any stdlib or structlog record as one JSON line."""
    return _formatter(structlog.processors.JSONRenderer(sort_keys=True))


def text_formatter(*, colors: bool) -> logging.Formatter:
    """Human-readable lines for a terminal: same fields, same redaction, one line a record."""
    return _formatter(
        structlog.dev.ConsoleRenderer(
            colors=colors, exception_formatter=structlog.dev.plain_traceback
        ),
        escape_newlines,
    )


def wants_json(log_format: str) -> bool:
    """JSON unless asked for text, or "auto" with stderr on a terminal."""
    if log_format == "auto":
        return not sys.stderr.isatty()
    return log_format == "json"


class _CurrentStderrHandler(logging.Handler):
    """Writes to whatever `sys.stderr` is now (test runners swap it), one line per record."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # logging must never take the request down
            self.handleError(record)


class _StripQueryStrings(logging.Filter):
    """Cut the query string off request paths in uvicorn's own records.

    uvicorn logs each WebSocket handshake (`"WebSocket /api/v1/ws?ticket=…" [accepted]`) on
    `uvicorn.error`, with the query string, where WebSocket tickets travel (REQ-31).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                arg.split("?", 1)[0] + "?[redacted]"
                if isinstance(arg, str) and arg.startswith("/") and "?" in arg
                else arg
                for arg in record.args
            )
        return True


def _install_handler(root: logging.Logger, formatter: logging.Formatter) -> None:
    # Idempotent, and other handlers (pytest's caplog, an operator's) are left alone; called
    # again, the latest settings' format wins (it used to keep the first one's).
    for existing in root.handlers:
        if isinstance(existing, _CurrentStderrHandler):
            existing.setFormatter(formatter)
            return
    handler = _CurrentStderrHandler()
    handler.setFormatter(formatter)
    root.addHandler(handler)


def configure_logging(settings: Settings) -> None:
    """Route structlog and stdlib logging to one handler on stderr (idempotent): JSON lines, or
    readable text on a terminal (`settings.log_format`)."""
    structlog.configure(
        processors=[*_shared_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    root = logging.getLogger()
    use_json = wants_json(settings.log_format)
    formatter = json_formatter() if use_json else text_formatter(colors=sys.stderr.isatty())
    _install_handler(root, formatter)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.DEBUG if settings.db.echo else logging.INFO)
    # The start-up schema check opens an Alembic migration context, which announces itself.
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    for name in ("httpx", "httpcore"):
        # Their INFO lines carry full outbound URLs, query strings (OAuth codes) included.
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # uvicorn's own handlers would print plain text; let its records reach ours instead.
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
        if not any(isinstance(f, _StripQueryStrings) for f in uvicorn_logger.filters):
            uvicorn_logger.addFilter(_StripQueryStrings())
    # Our middleware writes the access log with the route template (never the raw URL, which
    # can carry share tokens); uvicorn's would log the full path and query string.
    logging.getLogger("uvicorn.access").disabled = True


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structlog logger that renders through the JSON handler."""
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
