"""The app class whose outermost layers are ours: request ID, access log/metrics, headers,
JSON error bodies.

FastAPI puts its `ServerErrorMiddleware` (the 500 handler) and the app-wide body limit (413)
*outside* every `add_middleware` layer, so responses they produce would miss the request ID
and the security headers. Wrapping the built stack puts those three layers outside them, so
every response, including a 500 or an early 413, carries them, and a plain-text 413 from the
body limit is turned into the JSON error shape.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp

from toneshootout.server.http.errors import PlainErrorsAsJsonMiddleware
from toneshootout.server.http.observe import ObserveMiddleware
from toneshootout.server.http.request_id import RequestIdMiddleware
from toneshootout.server.http.security_headers import SecurityHeadersMiddleware
from toneshootout.server.ops.metrics import HttpMetrics


class ServiceApp(FastAPI):
    """FastAPI with request IDs, observation and security headers around the whole stack."""

    def __init__(self, *, metrics: HttpMetrics, hsts: bool, **kwargs: Any) -> None:
        self.metrics = metrics
        self.hsts = hsts
        super().__init__(**kwargs)

    def build_middleware_stack(self) -> ASGIApp:
        inner: ASGIApp = PlainErrorsAsJsonMiddleware(super().build_middleware_stack())
        inner = SecurityHeadersMiddleware(inner, hsts=self.hsts)
        return RequestIdMiddleware(ObserveMiddleware(inner, metrics=self.metrics))
