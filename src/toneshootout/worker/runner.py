"""Run one render message: claim, sandbox, record the outcome fenced by attempt, kick the next.

Each database step is its own short transaction (`session_scope`); the render itself runs in
the sandbox subprocess, supervised by `attempt.supervise`. Permanent input errors fail at once
(never retried); an internal error is retried while attempts remain; a fenced-out success
deletes the folder it published, so only the recorded attempt's files survive (REQ-25, 29).

A render that uses TONE3000 models first fetches them here, in the worker process, holding the
lease (`tone3000_files`); the sandbox gets their paths. A model TONE3000 refuses (private,
deleted, signed out) or a file that fails validation fails the render with its reason; the
network failing (after a few spaced tries within the attempt) gives the job back to the queue
while attempts remain.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any, Final

from toneshootout.engine.errors import InvalidInput
from toneshootout.server.db.hooks import after_commit
from toneshootout.server.db.session import session_scope
from toneshootout.server.render import job_repository
from toneshootout.server.render.repository import fair_next_queued, render_facts
from toneshootout.server.render.snapshot import TONE3000_KEY, frozen_models, to_engine_spec
from toneshootout.server.render.states import RenderState
from toneshootout.tone3000.attribution import Credit, credit_lines
from toneshootout.worker.attempt import Attempt, Stop, keep_alive, supervise
from toneshootout.worker.context import WorkerContext, log
from toneshootout.worker.faults import crash_point, progress_pace, render_hold
from toneshootout.worker.outputs import read_outputs
from toneshootout.worker.process import SandboxOutcome
from toneshootout.worker.tone3000_files import ModelUnavailable, Tone3000Files

PERMANENT_REASONS: Final = frozenset(
    {"invalid_input", "missing_input", "unsupported", "resource_limit"}
)


class Refused(Exception):
    """The job cannot be rendered as submitted (permanent); `reason` is the reason code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def output_prefix(owner_id: uuid.UUID, render_id: uuid.UUID, attempt: int) -> str:
    """The storage prefix an attempt publishes to (one folder per attempt)."""
    return f"{owner_id}/renders/{render_id}/a{attempt}"


def end_credits(credits: Iterable[Credit]) -> list[dict[str, Any]]:
    """The sandbox job's `end_credits`: one line per TONE3000 model (`EndCredit` fields)."""
    return [{"line": line, "tone3000": True} for line in credit_lines(credits)]


def _scrub(detail: str, names: dict[str, str]) -> str:
    """Replace storage paths in an engine message with the item names the user knows."""
    for path, name in names.items():
        detail = detail.replace(path, name)
    return detail[:500]


class RenderRunner:
    """Runs `render.run` messages for one worker process (at most `worker_concurrency` at once)."""

    def __init__(self, ctx: WorkerContext) -> None:
        self.ctx = ctx
        self.tone3000 = Tone3000Files(ctx.settings, ctx.tone3000)
        self.active: dict[uuid.UUID, Attempt] = {}
        self._busy = 0
        self._stopping = False

    @property
    def stopping(self) -> bool:
        return self._stopping

    async def run(self, render_id: uuid.UUID) -> None:
        """Handle one message for `render_id`; duplicates and deferred claims are no-ops."""
        if self._stopping or self._busy >= self.ctx.settings.render.worker_concurrency:
            return  # the row stays queued: a freed slot or the sweeper kicks it again
        self._busy += 1
        try:
            crash_point("before_claim")
            claim = await self._claim(render_id)
            if claim.outcome is job_repository.ClaimOutcome.CLAIMED:
                await self._run_claimed(render_id, claim)
            elif claim.outcome is job_repository.ClaimOutcome.EXHAUSTED:
                await self._announce(render_id)
        finally:
            self._busy -= 1
        if claim.outcome is job_repository.ClaimOutcome.CLAIMED and not self._stopping:
            await self._kick_next()

    async def _claim(self, render_id: uuid.UUID) -> job_repository.Claim:
        render = self.ctx.settings.render
        async with session_scope(self.ctx.sessionmaker) as session:
            return await job_repository.claim(
                session,
                render_id,
                worker_id=self.ctx.worker_id,
                now=self.ctx.clock(),
                lease_seconds=render.lease_seconds,
                per_user_running=render.per_user_running,
                global_running=render.global_running,
            )

    async def _announce(self, render_id: uuid.UUID) -> None:
        """Publish the row's current state (after a change this worker made outside an attempt)."""
        async with self.ctx.sessionmaker() as session:
            facts = await render_facts(session, render_id)
        if facts is None:
            return
        attempt = Attempt(render_id, facts.attempt, facts.owner_id, facts.shootout_id)
        await self.ctx.publish(attempt.event(self.ctx, facts.state, reason=facts.reason))

    async def _kick_next(self) -> None:
        """A slot is free: kick the fairest queued job (round robin over owners)."""
        render = self.ctx.settings.render
        async with session_scope(self.ctx.sessionmaker) as session:
            next_id = await fair_next_queued(session, per_user_running=render.per_user_running)
            if next_id is not None:
                await job_repository.mark_kicked(session, [next_id], now=self.ctx.clock())
                after_commit(session, partial(self.ctx.kick, [next_id]))

    async def _run_claimed(self, render_id: uuid.UUID, claim: job_repository.Claim) -> None:
        async with self.ctx.sessionmaker() as session:
            facts = await render_facts(session, render_id)
        if facts is None or claim.owner_id is None:
            return  # deleted right after the claim; nothing left to render or record
        attempt = Attempt(render_id, claim.attempt, claim.owner_id, facts.shootout_id)
        self.active[render_id] = attempt
        try:
            await self.ctx.publish(attempt.event(self.ctx, RenderState.RUNNING))
            models = await self._tone3000_files(attempt, facts.snapshot)
            if models is None:
                return  # the attempt ended while fetching them (and its end is recorded)
            try:
                job, names = self._describe(attempt, facts.snapshot, models)
            except Refused as refused:
                await self._fail(attempt, refused.reason, refused.detail)
                return
            try:
                result: SandboxOutcome | Stop = await supervise(self.ctx, attempt, job)
            except Exception:  # e.g. the sandbox could not be started: retried if allowed
                log.exception("render attempt crashed", extra={"render_id": str(render_id)})
                result = SandboxOutcome(ok=False, reason="internal", detail="the render crashed")
            await self._record(attempt, result, names)
        finally:
            self.active.pop(render_id, None)
            if TONE3000_KEY in facts.snapshot:
                await self.tone3000.release(attempt.owner_id, render_id, attempt.attempt)

    async def _tone3000_files(
        self, attempt: Attempt, snapshot: dict[str, Any]
    ) -> dict[int, Path] | None:
        """The attempt's TONE3000 model files by model id ({}: it uses none), fetched holding
        the lease; None when the attempt ended instead (failed, released or stopped)."""
        try:
            models = frozen_models(snapshot)
        except ValueError as err:
            await self._fail(attempt, "invalid_input", str(err))
            return None
        if not models:
            return {}
        attempt.progress = job_repository.Progress(0.0, "download")
        attempt.progress_dirty = True
        await self.ctx.publish(attempt.event(self.ctx, RenderState.RUNNING, kind="progress"))
        owner, render_id = attempt.owner_id, attempt.render_id
        fetch = self.tone3000.files_for(owner, render_id, attempt.attempt, models)
        try:
            fetched = await keep_alive(self.ctx, attempt, fetch)
        except ModelUnavailable as failure:
            await self._unavailable(attempt, failure)
            return None
        except Exception:  # e.g. a full disk: nothing the user did; retried if allowed
            log.exception("fetching TONE3000 models crashed", extra={"render_id": str(render_id)})
            crashed = ModelUnavailable(
                "internal", "the TONE3000 models could not be fetched", retryable=True
            )
            await self._unavailable(attempt, crashed)
            return None
        if isinstance(fetched, Stop):
            await self._record(attempt, fetched, {})
            return None
        return fetched

    async def _unavailable(self, attempt: Attempt, failure: ModelUnavailable) -> None:
        if failure.retryable and attempt.attempt < self.ctx.settings.render.max_attempts:
            log.warning(
                "a TONE3000 model could not be fetched; the render goes back to the queue",
                extra={"render_id": str(attempt.render_id), "reason": failure.reason},
            )
            await self._release(attempt)
            return
        await self._fail(attempt, failure.reason, failure.detail)

    def _folder(self, attempt: Attempt) -> Path:
        prefix = output_prefix(attempt.owner_id, attempt.render_id, attempt.attempt)
        return self.ctx.storage.path(prefix)

    def _describe(
        self, attempt: Attempt, snapshot: dict[str, Any], models: dict[int, Path]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """The sandbox's job description, and local paths → input names for messages."""
        storage, render = self.ctx.storage, self.ctx.settings.render
        names: dict[str, str] = {}
        try:
            items: dict[str, dict[str, str]] = snapshot.get("items", {})
            for entry in items.values():
                if not storage.exists(entry["storage_key"]):
                    raise Refused("missing_input", f"{entry['name']}: the library file is gone")
                names[str(storage.path(entry["storage_key"]))] = entry["name"]
            tone3000 = frozen_models(snapshot)
            for model_id, frozen in tone3000.items():
                if model_id in models:
                    names[str(models[model_id])] = frozen.credit.label
            spec = to_engine_spec(snapshot, storage.path, models.__getitem__)
        except (InvalidInput, ValueError, KeyError, TypeError, AttributeError) as err:
            raise Refused("invalid_input", _scrub(str(err), names)) from None
        cache = storage.path(f"{attempt.owner_id}/cache")
        job = {
            "spec": spec.model_dump(mode="json"),
            "out_dir": str(self._folder(attempt)),
            "cache_dir": str(cache),
            "cache_max_bytes": render.cache_max_mb * 1024 * 1024,
            "parent_pid": os.getpid(),
            "workers": render.engine_workers,
            "memory_mb": render.sandbox_memory_mb,
            "cpu_seconds": render.sandbox_cpu_seconds,
            # The video's end card credits each TONE3000 model as it was frozen at submit (the
            # engine credits library captures itself, from their files).
            "end_credits": end_credits(model.credit for model in tone3000.values()),
        }
        hold = render_hold()
        if hold is not None:
            job["hold_seconds"] = None if hold == float("inf") else hold
        pace = progress_pace()
        if pace is not None:
            job["pace_seconds"] = pace
        return job, names

    async def _record(
        self, attempt: Attempt, result: SandboxOutcome | Stop, names: dict[str, str]
    ) -> None:
        if result is Stop.FENCED:
            log.warning(
                "fenced out; dropping the attempt", extra={"render_id": str(attempt.render_id)}
            )
            await asyncio.to_thread(shutil.rmtree, self._folder(attempt), True)
        elif result is Stop.SHUTDOWN:
            await self._release(attempt)
        elif result is Stop.CANCELLED:
            await self._finish(attempt, RenderState.CANCELLED)
        elif result is Stop.TIMEOUT:
            limit = self.ctx.settings.render.max_render_seconds
            await self._fail(attempt, "timeout", f"the render ran longer than {limit} s")
        elif isinstance(result, SandboxOutcome) and result.ok:
            await self._succeed(attempt, result.summary or {})
        elif isinstance(result, SandboxOutcome):
            await self._failed_outcome(attempt, result, names)

    async def _failed_outcome(
        self, attempt: Attempt, outcome: SandboxOutcome, names: dict[str, str]
    ) -> None:
        reason = outcome.reason or "internal"
        detail = _scrub(outcome.detail or reason, names)
        if reason == "cancelled":  # the sandbox saw a SIGTERM it did not get from us
            reason = "internal"
        max_attempts = self.ctx.settings.render.max_attempts
        if reason not in PERMANENT_REASONS and attempt.attempt < max_attempts:
            log.warning(
                "render attempt failed; retrying", extra={"render_id": str(attempt.render_id)}
            )
            if await self._release(attempt):
                await self.ctx.kick([attempt.render_id])
            return
        await self._fail(attempt, reason, detail)

    async def _finish(self, attempt: Attempt, state: RenderState, **values: Any) -> bool:
        async with session_scope(self.ctx.sessionmaker) as session:
            done = await job_repository.finish(
                session,
                attempt.render_id,
                attempt.attempt,
                now=self.ctx.clock(),
                state=state,
                **values,
            )
            if done:
                fields: dict[str, Any] = {
                    "reason": values.get("reason"),
                    "detail": values.get("detail"),
                    "eta_seconds": None,
                }
                if state == RenderState.SUCCEEDED:
                    fields |= {"progress": 1.0, "step": "done"}
                event = attempt.event(self.ctx, state, **fields)
                after_commit(session, partial(self.ctx.publish, event))
        return done

    async def _fail(self, attempt: Attempt, reason: str, detail: str) -> None:
        await self._finish(attempt, RenderState.FAILED, reason=reason, detail=detail)

    async def _release(self, attempt: Attempt) -> bool:
        async with session_scope(self.ctx.sessionmaker) as session:
            released = await job_repository.release(
                session, attempt.render_id, attempt.attempt, now=self.ctx.clock()
            )
            if released:
                event = attempt.event(self.ctx, RenderState.QUEUED, progress=0.0, step=None)
                after_commit(session, partial(self.ctx.publish, event))
        return released

    async def _succeed(self, attempt: Attempt, summary: dict[str, Any]) -> None:
        folder = self._folder(attempt)
        try:
            outputs = await asyncio.to_thread(read_outputs, folder)
        except (OSError, ValueError, KeyError, TypeError):
            await self._fail(attempt, "internal", "the render's manifest could not be read")
            return
        prefix = output_prefix(attempt.owner_id, attempt.render_id, attempt.attempt)
        crash_point("after_rename_before_commit")
        recorded = await self._finish(
            attempt, RenderState.SUCCEEDED, output_prefix=prefix, summary=summary, outputs=outputs
        )
        if not recorded:  # a newer attempt owns the job: our files must not linger
            await asyncio.to_thread(shutil.rmtree, folder, True)

    async def shutdown(self, timeout: float = 10.0) -> None:
        """Stop taking work; stop every sandbox; give unfinished jobs back to the queue."""
        self._stopping = True
        for attempt in list(self.active.values()):
            attempt.stop_requested = Stop.SHUTDOWN
        deadline = asyncio.get_running_loop().time() + timeout
        while self.active and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
