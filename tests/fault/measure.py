"""What a fault run is judged by: lost jobs, duplicate executions, orphans, dangling references.

All counts come from the database and the store (a folder or a bucket, read by listing each
account's `<owner>/renders/` prefix) after the run, not from the harness's own bookkeeping, so a
bug in the harness cannot hide a lost job:
- lost = accepted − succeeded − failed − cancelled (every row must be terminal);
- duplicate effective executions = jobs with more than one recorded manifest output, or more
  than one published attempt folder left after the janitor (an effective execution is one that
  the database recorded; a start that was fenced out or killed is only a *start*);
- orphans = anything under a render's prefix other than its recorded attempt (each attempt
  folder or stray object counted once), or under `renders/` but no render's, after the
  janitor ran with no grace period; dangling = recorded outputs whose object is missing.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from sqlalchemy import func, select

from tests.fault.cluster import Cluster
from toneshootout.server.db.engine import create_engine, create_sessionmaker
from toneshootout.server.db.models.render import Render, RenderOutput
from toneshootout.server.render.events import RenderEvent
from toneshootout.server.render.repository import user_ids
from toneshootout.server.render.states import RenderState
from toneshootout.server.storage.base import Storage
from toneshootout.server.storage.factory import open_storage
from toneshootout.worker import faults
from toneshootout.worker.context import WorkerContext
from toneshootout.worker.janitor import clean_render_prefixes, dangling_outputs

TERMINAL = ("succeeded", "failed", "cancelled")
MANIFEST: Final = "manifest.json"


class _Silent:
    async def publish(self, event: RenderEvent) -> None:
        return None


@dataclass
class Report:
    scenario: str
    database: str
    deployment: str = ""  # how API and workers were separated (`Cluster.deployment`)
    accepted: int = 0
    succeeded: int = 0
    failed: dict[str, int] = field(default_factory=dict)
    cancelled: int = 0
    lost: int = 0
    duplicate_executions: int = 0
    duplicate_starts: int = 0  # jobs started more than once
    extra_starts: int = 0  # starts beyond the first, over all jobs
    faults: int = 0  # kills, flushes, restarts, poison messages injected (landed)
    promised: int = 0  # the faults the scenario promised for its job count
    kill_progress: list[float] = field(default_factory=list)  # a killed render's progress
    recovery_s: list[float] = field(default_factory=list)
    orphans_removed: int = 0
    orphan_files: int = 0
    dangling: int = 0
    orphan_sandboxes: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def failed_total(self) -> int:
        return sum(self.failed.values())

    def recovery(self) -> str:
        if not self.recovery_s:
            return "–"
        samples = sorted(self.recovery_s)
        p99 = samples[min(len(samples) - 1, int(0.99 * len(samples)))]
        return f"{statistics.median(samples):.1f} / {p99:.1f}"

    @property
    def promise_met(self) -> bool:
        return self.faults >= self.promised

    def kill_fractions(self) -> str:
        """min / median / max of the progress at which kills hit renders, or a dash."""
        if not self.kill_progress:
            return "–"
        p = sorted(self.kill_progress)
        return f"{p[0]:.2f} / {statistics.median(p):.2f} / {p[-1]:.2f}"

    def failed_text(self) -> str:
        if not self.failed:
            return "0"
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.failed.items()))
        return f"{self.failed_total} ({reasons})"


def harness_context(cluster: Cluster) -> tuple[WorkerContext, object]:
    """A worker context for the janitor and the scan (its engine is returned for disposal)."""
    engine = create_engine(cluster.settings)
    ctx = WorkerContext(
        cluster.settings,
        create_sessionmaker(engine),
        open_storage(cluster.settings),
        events=_Silent(),
    )
    return ctx, engine


async def states(ctx: WorkerContext) -> Counter[str]:
    async with ctx.sessionmaker() as session:
        rows = await session.execute(select(Render.state, func.count()).group_by(Render.state))
        return Counter({state: int(n) for state, n in rows.all()})


async def total_starts(ctx: WorkerContext) -> int:
    async with ctx.sessionmaker() as session:
        return int(await session.scalar(select(func.coalesce(func.sum(Render.starts), 0))) or 0)


async def wait_terminal(ctx: WorkerContext, accepted: int, timeout: float) -> bool:
    """Poll until every accepted row is terminal (True) or the timeout passes (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = await states(ctx)
        if sum(counts[s] for s in TERMINAL) >= accepted:
            return True
        await asyncio.sleep(0.5)
    return False


def _scan_keys(
    storage: Storage, owners: list[uuid.UUID], prefixes: dict[uuid.UUID, str | None]
) -> tuple[int, Counter[str]]:
    """(orphans, published attempt folders per render) from listing `<owner>/renders/`."""
    orphans: set[str] = set()
    published = Counter[str]()
    for owner in owners:
        base = f"{owner}/renders/"
        for stored in storage.list_prefix(base):
            parts = stored.key[len(base) :].split("/")
            try:
                render_id = uuid.UUID(parts[0])
            except ValueError:
                orphans.add(f"{owner}/{parts[0]}")
                continue
            prefix = prefixes.get(render_id)
            keep = prefix.rsplit("/", 1)[-1] if prefix else None
            if parts[1:2] != [keep]:
                orphans.add(f"{owner}/" + "/".join(parts[:2]))
            if parts[2:] == [MANIFEST]:
                published[str(render_id)] += 1
    return len(orphans), published


async def judge(ctx: WorkerContext, report: Report) -> None:
    """Fill the report's counts from the database and storage (after janitor, no grace)."""
    report.orphans_removed = await clean_render_prefixes(ctx, grace_seconds=0)
    async with ctx.sessionmaker() as session:
        rows = (await session.execute(select(Render))).scalars().all()
        owners = await user_ids(session)
        manifests = Counter(
            str(render_id)
            for render_id in (
                await session.scalars(
                    select(RenderOutput.render_id).where(RenderOutput.role == "manifest")
                )
            ).all()
        )
    counts = Counter(r.state for r in rows)
    report.succeeded = counts[RenderState.SUCCEEDED]
    report.cancelled = counts[RenderState.CANCELLED]
    report.failed = dict(Counter(r.reason or "none" for r in rows if r.state == RenderState.FAILED))
    report.lost = report.accepted - report.succeeded - report.failed_total - report.cancelled
    if len(rows) != report.accepted:
        report.notes.append(f"{len(rows)} rows for {report.accepted} accepted submissions")
    prefixes = {r.id: r.output_prefix for r in rows}
    report.orphan_files, published = await asyncio.to_thread(
        _scan_keys, ctx.storage, list(owners), prefixes
    )
    report.duplicate_executions = sum(
        1 for r in rows if manifests[str(r.id)] > 1 or published[str(r.id)] > 1
    )
    report.duplicate_starts = sum(1 for r in rows if r.starts > 1)
    report.extra_starts = sum(max(0, r.starts - 1) for r in rows)
    report.dangling = len(await dangling_outputs(ctx))


async def judge_kill_log(ctx: WorkerContext, report: Report, log: Path) -> None:
    """Check the workers' own record of their mid-render kills (`faults.KILL_LOG`).

    Each must have struck a first attempt between 20 % and 80 % of its render while the sandbox
    was running, and that attempt must not be the one recorded: the job was run again (or
    failed). Any that did not is a note (the scenario fails); their progress is reported.
    """
    try:
        lines = log.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return
    kills = [k for k in map(json.loads, lines) if k["point"] == "mid_render"]
    if not kills:
        return
    async with ctx.sessionmaker() as session:
        rows = await session.execute(select(Render.id, Render.attempt, Render.state))
        final = {str(r.id): (int(r.attempt), r.state) for r in rows.all()}
    for kill in kills:
        progress = float(kill["progress"])
        report.kill_progress.append(progress)
        where = f"render {kill['render_id']} attempt {kill['attempt']}"
        if not faults.MID_RENDER_EARLIEST <= progress <= faults.MID_RENDER_LATEST:
            report.notes.append(f"mid_render kill of {where} at progress {progress:.2f}")
        if not kill.get("sandbox_running"):
            report.notes.append(f"mid_render kill of {where}: its sandbox had already exited")
        attempt, state = final.get(kill["render_id"], (0, None))
        if state == RenderState.SUCCEEDED and attempt <= int(kill["attempt"]):
            report.notes.append(f"mid_render kill of {where}: that attempt was recorded")
