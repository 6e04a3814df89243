"""Says what a stopping worker still waits on, when stopping takes longer than it should.

A worker that ignores SIGTERM for long gets SIGKILLed by its supervisor, and a render it held is
then only recovered by lease expiry. When shutdown overruns, this logs the stack of every
asyncio task still pending (from the loop) and of every thread (from a timer thread, in case
the loop itself is blocked), so the log shows where it hangs.
"""

from __future__ import annotations

import asyncio
import faulthandler
import io
import sys
import threading

from toneshootout.worker.context import log


def _pending_task_stacks(loop: asyncio.AbstractEventLoop) -> str:
    out = io.StringIO()
    for task in asyncio.all_tasks(loop):
        if task.done():
            continue
        out.write(f"--- task {task.get_name()}\n")
        task.print_stack(limit=20, file=out)
    return out.getvalue()


class ShutdownWatchdog:
    """`start()` as shutdown begins, `cancel()` when it ends; reports if `after_s` passes first."""

    def __init__(self, after_s: float) -> None:
        self._after_s = after_s
        self._loop = asyncio.get_running_loop()
        self._timer = threading.Timer(after_s, self._report)
        self._timer.daemon = True

    def _report(self) -> None:
        log.warning("shutdown still running after %.0f s; thread stacks follow", self._after_s)
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        self._loop.call_soon_threadsafe(self._report_tasks)

    def _report_tasks(self) -> None:
        log.warning("pending tasks at slow shutdown:\n%s", _pending_task_stacks(self._loop))

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()
