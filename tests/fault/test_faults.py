"""REQ-24/26/27 fault scenarios over real processes (Redis, `toneshootout worker`, the API app).

The smoke runs (every `make test`) use a handful of jobs per scenario on SQLite; the slow runs
use 200 jobs per scenario on SQLite and PostgreSQL (`make test-slow`, or the harness CLI:
`python -m tests.fault.harness --scenario all --jobs 200`). The scale-out runs (and
bucket-outage, which needs the bucket) deploy API and workers as separate hosts on PostgreSQL,
Redis and an S3 bucket (moto; `--scale-out` in the CLI). Under CI=true a missing
redis-server, PostgreSQL or moto fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.fault.measure import Report
from tests.fault.scenarios import SCENARIOS, run_scenario

SMOKE_JOBS = 4
SLOW_JOBS = 200


@pytest.fixture(autouse=True)
def _redis_available() -> None:
    if shutil.which("redis-server") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")


def assert_nothing_lost(report: Report) -> None:
    """Every accepted job ended, at most once effectively, with no stray or dangling files, and
    the scenario injected at least the faults it promised."""
    allowed = SCENARIOS[report.scenario].allowed_failures
    summary = f"{report} "
    assert report.accepted > 0, summary
    assert report.promised > 0, summary  # a scenario that injects no fault tests nothing
    assert report.promise_met, summary
    assert report.lost == 0, summary
    assert report.duplicate_executions == 0, summary
    assert report.orphan_files == 0, summary
    assert report.dangling == 0, summary
    assert set(report.failed) <= allowed, summary
    assert not report.notes, summary


@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_fault_scenario_loses_no_job_smoke(scenario: str) -> None:
    assert_nothing_lost(await run_scenario(scenario, SMOKE_JOBS))


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
@pytest.mark.parametrize("scenario", [n for n, s in SCENARIOS.items() if not s.config.scale_out])
async def test_fault_scenario_loses_no_job_at_scale(scenario: str, database: str) -> None:
    assert_nothing_lost(await run_scenario(scenario, SLOW_JOBS, database))


# Scale-out: API and workers on separate data folders (and namespaces where allowed), sharing
# only PostgreSQL, Redis and an S3 bucket (moto). bucket-outage always runs this way.
SCALE_OUT = ("kill-random", "kill-mid_render", "kill-after_upload_before_commit")


@pytest.mark.parametrize("scenario", SCALE_OUT)
async def test_scale_out_scenario_loses_no_job_smoke(scenario: str) -> None:
    assert_nothing_lost(await run_scenario(scenario, SMOKE_JOBS, scale_out=True))


@pytest.mark.slow
@pytest.mark.parametrize("scenario", [*SCALE_OUT, "bucket-outage"])
async def test_scale_out_scenario_loses_no_job_at_scale(scenario: str) -> None:
    assert_nothing_lost(await run_scenario(scenario, SLOW_JOBS, scale_out=True))
