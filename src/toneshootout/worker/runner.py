"""Run one render message: claim, sandbox, record the outcome fenced by attempt, kick the next.

Each database step is its own short transaction (`session_scope`); the render itself runs in
the sandbox subprocess, supervised by `attempt.supervise`. Permanent input errors fail at once
(never retried); an internal error is retried while attempts remain (REQ-25, 29).

Nothing an attempt reads or writes is on a shared disk: its library inputs come from the
worker's local cache (`inputs`, by SHA-256, verified), the engine renders into the attempt's
scratch folder (`scratch`), and a success uploads every output to the attempt's storage prefix
and only then records them. A failed upload, or an attempt fenced out, stopped or failed once
its files were stored, deletes that prefix, so only the recorded attempt's files survive; the
store down (`StorageUnavailable`) gives the job back to the queue while attempts remain, with
nothing recorded. The scratch folder goes when the attempt ends, whatever the end.

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
from toneshootout.server.render.files import attempt_folder_key
from toneshootout.server.render.repository import fair_next_queued, render_facts
from toneshootout.server.render.snapshot import TONE3000_KEY, frozen_models, to_engine_spec
from toneshootout.server.render.states import RenderState
from toneshootout.server.storage.base import StorageUnavailable
from toneshootout.tone3000.attribution import Credit, credit_lines
from toneshootout.worker.attempt import Attempt, Stop, keep_alive, supervise
from toneshootout.worker.context import WorkerContext, log
from toneshootout.worker.faults import crash_point, progress_pace, render_hold
from toneshootout.worker.inputs import InputCache
from toneshootout.worker.outputs import read_outputs
from toneshootout.worker.process import SandboxOutcome
from toneshootout.worker.scratch import (
    ATTEMPT_INPUTS,
    ATTEMPT_OUTPUTS,
    attempt_folder,
    engine_cache_folder,
    inputs_root,
    renders_root,
)
from toneshootout.worker.tone3000_files import ModelUnavailable, Tone3000Files
from toneshootout.worker.transfer import InputProblem, fetch_inputs, stoppable, upload_outputs

PERMANENT_REASONS: Final = frozenset(
    {"invalid_input", "missing_input", "unsupported", "resource_limit"}
)
MIB: Final = 1024 * 1024
STORAGE_DOWN: Final = "the file storage could not be reached"


class Refused(Exception):
    """The job cannot be rendered as submitted (permanent); `reason` is the reason code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


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
        settings = ctx.settings
        self.inputs = InputCache(
            inputs_root(settings), renders_root(settings), settings.render.input_cache_max_mb * MIB
        )
        self.active: dict[uuid.UUID, Attempt] = {}
        self._busy = 0
        self._stopping = False

    @property
    def stopping(self) -> bool:
        return self._stopping

    def running(self) -> set[tuple[uuid.UUID, int]]:
        """The (render, attempt) pairs this process runs now (the janitor spares their files)."""
        return {(attempt.render_id, attempt.attempt) for attempt in self.active.values()}

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
        workdir = attempt_folder(self.ctx.settings, render_id, attempt.attempt)
        try:
            await self.ctx.publish(attempt.event(self.ctx, RenderState.RUNNING))
            models = await self._tone3000_files(attempt, facts.snapshot)
            if models is None:
                return  # the attempt ended while fetching them (and its end is recorded)
            files = await self._inputs(attempt, facts.snapshot, workdir)
            if files is None:
                return  # likewise
            try:
                job, names = self._describe(attempt, facts.snapshot, models, files, workdir)
            except Refused as refused:
                await self._fail(attempt, refused.reason, refused.detail)
                return
            try:
                result: SandboxOutcome | Stop = await supervise(self.ctx, attempt, job)
            except Exception:  # e.g. the sandbox could not be started: retried if allowed
                log.exception("render attempt crashed", extra={"render_id": str(render_id)})
                result = SandboxOutcome(ok=False, reason="internal", detail="the render crashed")
            await self._record(attempt, result, names, workdir)
        finally:
            self.active.pop(render_id, None)
            await asyncio.to_thread(self._clear_scratch, workdir)
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
            await self._record(attempt, fetched, {}, None)
            return None
        return fetched

    async def _inputs(
        self, attempt: Attempt, snapshot: dict[str, Any], workdir: Path
    ) -> dict[str, Path] | None:
        """The attempt's library files by storage key, local and verified, fetched holding the
        lease; None when the attempt ended instead (failed, released or stopped)."""
        items = snapshot.get("items", {})
        if not isinstance(items, dict):
            await self._fail(attempt, "invalid_input", "the render's library items are malformed")
            return None
        attempt.progress = job_repository.Progress(0.0, "load")
        attempt.progress_dirty = True
        await self.ctx.publish(attempt.event(self.ctx, RenderState.RUNNING, kind="progress"))
        storage, hold_in = self.ctx.storage, workdir / ATTEMPT_INPUTS
        fetch = stoppable(partial(fetch_inputs, self.inputs, storage, items, hold_in))
        try:
            fetched = await keep_alive(self.ctx, attempt, fetch)
        except InputProblem as problem:
            await self._fail(attempt, problem.reason, problem.detail)
            return None
        except StorageUnavailable as err:
            log.warning(
                "storage unavailable while fetching inputs: %s",
                err,
                extra={"render_id": str(attempt.render_id)},
            )
            await self._retry_or_fail(attempt, STORAGE_DOWN, kick=False)
            return None
        except Exception:  # e.g. a full scratch disk: nothing the user did; retried if allowed
            log.exception("fetching inputs crashed", extra={"render_id": str(attempt.render_id)})
            await self._retry_or_fail(attempt, "the render's inputs could not be fetched")
            return None
        if isinstance(fetched, Stop):
            await self._record(attempt, fetched, {}, None)
            return None
        return fetched

    async def _retry_or_fail(self, attempt: Attempt, detail: str, *, kick: bool = True) -> None:
        """An `internal` failure: back to the queue while attempts remain (kicked at once, or
        left for the sweeper to kick after `requeue_after_seconds`), else failed."""
        if attempt.attempt < self.ctx.settings.render.max_attempts:
            log.warning(
                "render attempt failed (%s); retrying",
                detail,
                extra={"render_id": str(attempt.render_id)},
            )
            if await self._release(attempt) and kick:
                await self.ctx.kick([attempt.render_id])
            return
        await self._fail(attempt, "internal", detail)

    def _clear_scratch(self, workdir: Path) -> None:
        """Remove the attempt's scratch folder; its inputs may now be evicted."""
        shutil.rmtree(workdir, ignore_errors=True)
        try:
            self.inputs.evict()
        except OSError:  # the next fetch or janitor pass evicts instead
            log.exception("input cache eviction failed")

    async def _drop_prefix(self, attempt: Attempt) -> None:
        """Delete what this attempt stored: it will never be recorded (best effort: the
        janitor removes what is left)."""
        prefix = attempt_folder_key(attempt.owner_id, attempt.render_id, attempt.attempt)
        try:
            await asyncio.to_thread(self.ctx.storage.delete_prefix, f"{prefix}/")
        except Exception:
            log.warning(
                "could not delete an unrecorded attempt's files; the janitor will",
                extra={"render_id": str(attempt.render_id), "prefix": prefix},
            )

    async def _unavailable(self, attempt: Attempt, failure: ModelUnavailable) -> None:
        if failure.retryable and attempt.attempt < self.ctx.settings.render.max_attempts:
            log.warning(
                "a TONE3000 model could not be fetched; the render goes back to the queue",
                extra={"render_id": str(attempt.render_id), "reason": failure.reason},
            )
            await self._release(attempt)
            return
        await self._fail(attempt, failure.reason, failure.detail)

    def _describe(
        self,
        attempt: Attempt,
        snapshot: dict[str, Any],
        models: dict[int, Path],
        files: dict[str, Path],
        workdir: Path,
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """The sandbox's job description, and local paths → input names for messages."""
        render = self.ctx.settings.render
        names: dict[str, str] = {}
        try:
            items: dict[str, dict[str, str]] = snapshot.get("items", {})
            for entry in items.values():
                names[str(files[entry["storage_key"]])] = entry["name"]
            tone3000 = frozen_models(snapshot)
            for model_id, frozen in tone3000.items():
                if model_id in models:
                    names[str(models[model_id])] = frozen.credit.label
            spec = to_engine_spec(snapshot, files.__getitem__, models.__getitem__)
        except (InvalidInput, ValueError, KeyError, TypeError, AttributeError) as err:
            raise Refused("invalid_input", _scrub(str(err), names)) from None
        job = {
            "spec": spec.model_dump(mode="json"),
            "out_dir": str(workdir / ATTEMPT_OUTPUTS),
            "cache_dir": str(engine_cache_folder(self.ctx.settings, attempt.owner_id)),
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
        self,
        attempt: Attempt,
        result: SandboxOutcome | Stop,
        names: dict[str, str],
        workdir: Path | None,
    ) -> None:
        """Record how the attempt ended (`workdir`: its scratch folder, once the sandbox ran).

        A fenced-out attempt records nothing; its scratch folder goes with every attempt's.
        """
        if result is Stop.FENCED:
            log.warning(
                "fenced out; dropping the attempt", extra={"render_id": str(attempt.render_id)}
            )
        elif result is Stop.SHUTDOWN:
            await self._release(attempt)
        elif result is Stop.CANCELLED:
            await self._finish(attempt, RenderState.CANCELLED)
        elif result is Stop.TIMEOUT:
            limit = self.ctx.settings.render.max_render_seconds
            await self._fail(attempt, "timeout", f"the render ran longer than {limit} s")
        elif isinstance(result, SandboxOutcome) and result.ok and workdir is not None:
            await self._succeed(attempt, result.summary or {}, workdir / ATTEMPT_OUTPUTS)
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

    async def _succeed(self, attempt: Attempt, summary: dict[str, Any], folder: Path) -> None:
        """Upload the engine's output `folder`, then record it: never a record of a file that
        is not stored (REQ-29)."""
        try:
            outputs = await asyncio.to_thread(read_outputs, folder)
        except (OSError, ValueError, KeyError, TypeError):
            await self._fail(attempt, "internal", "the render's manifest could not be read")
            return
        prefix = attempt_folder_key(attempt.owner_id, attempt.render_id, attempt.attempt)
        upload = stoppable(partial(upload_outputs, self.ctx.storage, folder, prefix))
        try:
            uploaded = await keep_alive(self.ctx, attempt, upload)
        except StorageUnavailable as err:
            log.warning(
                "storage unavailable while storing outputs: %s",
                err,
                extra={"render_id": str(attempt.render_id)},
            )
            await self._drop_prefix(attempt)
            await self._retry_or_fail(attempt, STORAGE_DOWN, kick=False)
            return
        except Exception:
            log.exception("storing outputs crashed", extra={"render_id": str(attempt.render_id)})
            await self._drop_prefix(attempt)
            await self._retry_or_fail(attempt, "the render's outputs could not be stored")
            return
        if isinstance(uploaded, Stop):  # cancelled, fenced, timed out or shut down meanwhile
            await self._drop_prefix(attempt)
            await self._record(attempt, uploaded, {}, None)
            return
        crash_point("after_upload_before_commit")
        recorded = await self._finish(
            attempt, RenderState.SUCCEEDED, output_prefix=prefix, summary=summary, outputs=outputs
        )
        if not recorded:  # a newer attempt owns the job: our files must not linger
            await self._drop_prefix(attempt)

    async def shutdown(self, timeout: float = 10.0) -> None:
        """Stop taking work; stop every sandbox; give unfinished jobs back to the queue."""
        self._stopping = True
        for attempt in list(self.active.values()):
            attempt.stop_requested = Stop.SHUTDOWN
        deadline = asyncio.get_running_loop().time() + timeout
        while self.active and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
