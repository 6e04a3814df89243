"""Prometheus metrics: request count and latency by route template, method and status.

Each app owns its registry (no process-global state, so tests can build many apps). Labels
are the route *template* (`/api/v1/shootouts/{shootout_id}`), never the raw path, so neither
user data nor IDs reach a label and the series count stays bounded.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

UNMATCHED_ROUTE = "<unmatched>"
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class HttpMetrics:
    """The app's registry and the two HTTP series every request updates."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.requests = Counter(
            "http_requests",
            "HTTP requests answered, by route template, method and status code.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time from request start to the end of the response, by route template.",
            ("method", "route"),
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, *, method: str, route: str, status: int, seconds: float) -> None:
        """Count one finished request."""
        key = (method, route, status)
        series = self._series.get(key)
        if series is None:
            # `labels()` takes a lock and formats every label on each call; the children
            # are cached per label set, which the labels' bounded values keep small.
            series = (
                self.requests.labels(method=method, route=route, status=str(status)),
                self.latency.labels(method=method, route=route),
            )
            self._series[key] = series
        series[0].inc()
        series[1].observe(seconds)

    def render(self) -> bytes:
        """The exposition text for `/metrics`."""
        return generate_latest(self.registry)
