"""The fault harness's crash points: counted passes, the mid-render window, the kill log.

The SIGKILL itself is replaced by an exception here (a test must not kill its own process);
the harness proves the real kills in tests/fault.
"""

from __future__ import annotations

import io
import json
import signal
import uuid
from pathlib import Path

import pytest

from toneshootout.engine.progress import ProgressEvent
from toneshootout.worker import faults
from toneshootout.worker.sandbox import PROGRESS_INTERVAL_S, LineWriter, _paced


class Killed(Exception):
    pass


@pytest.fixture
def kills(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Arm the harness's variables; a kill raises `Killed`. Returns the fault folder."""

    def kill(pid: int, signum: int) -> None:
        assert signum == signal.SIGKILL
        raise Killed

    monkeypatch.setattr("toneshootout.worker.faults.os.kill", kill)
    monkeypatch.setenv(faults.DIR_ENV, str(tmp_path))
    return tmp_path


def passes_killed(name: str, count: int) -> list[int]:
    killed = []
    for n in range(1, count + 1):
        try:
            faults.crash_point(name)
        except Killed:
            killed.append(n)
    return killed


def test_an_unarmed_point_never_kills(kills: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(faults.CRASH_AT_ENV, "before_claim")
    assert passes_killed("after_commit_before_ack", 20) == []
    monkeypatch.delenv(faults.CRASH_AT_ENV)
    assert passes_killed("before_claim", 20) == []


def test_every_kth_pass_kills_and_is_logged(kills: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(faults.CRASH_AT_ENV, "before_claim,after_commit_before_ack")
    monkeypatch.setenv(faults.EVERY_ENV, "4")
    assert passes_killed("before_claim", 10) == [4, 8]
    assert passes_killed("after_commit_before_ack", 4) == [4]  # each point counts its own
    logged = [json.loads(line) for line in (kills / faults.KILL_LOG).read_text().splitlines()]
    assert [k["point"] for k in logged] == ["before_claim"] * 2 + ["after_commit_before_ack"]


def test_counting_needs_the_fault_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(faults.DIR_ENV, raising=False)
    monkeypatch.setenv(faults.CRASH_AT_ENV, "before_claim")
    monkeypatch.setenv(faults.EVERY_ENV, "2")
    with pytest.raises(RuntimeError, match=faults.DIR_ENV):
        faults.crash_point("before_claim")


def test_mid_render_targets_lie_in_the_window() -> None:
    targets = [faults.mid_render_target(uuid.uuid4()) for _ in range(500)]
    assert min(targets) >= faults.MID_RENDER_EARLIEST
    assert max(targets) <= faults.MID_RENDER_TARGET_LATEST
    assert max(targets) - min(targets) > 0.4  # spread over the window, not one spot


def report(render_id: uuid.UUID, overall: float, attempt: int = 1, n: int = 1) -> bool:
    return faults.mid_render_progress(render_id, attempt, overall, n, sandbox_running=True)


def test_mid_render_passes_once_per_render_inside_the_window(
    kills: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(faults.CRASH_AT_ENV, "mid_render")
    monkeypatch.setenv(faults.EVERY_ENV, "1000")  # count passes, kill none
    render = uuid.uuid4()
    target = faults.mid_render_target(render)
    assert not report(render, 0.1)
    assert not report(render, target - 0.01)
    assert not report(render, 0.85)  # past the window: no pass
    assert report(render, target)
    assert report(render, target, attempt=2)  # the retry: seen, no new pass
    assert (kills / "mid_render.passes").read_text().splitlines() == [str(render)]


def test_a_mid_render_kill_records_its_progress(
    kills: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(faults.CRASH_AT_ENV, "mid_render")
    monkeypatch.setenv(faults.EVERY_ENV, "2")
    first, second = uuid.uuid4(), uuid.uuid4()
    assert report(first, 0.75, n=20)  # pass 1: spared
    with pytest.raises(Killed):
        report(second, 0.75, n=21)  # pass 2: killed
    (kill,) = [json.loads(line) for line in (kills / faults.KILL_LOG).read_text().splitlines()]
    assert kill["render_id"] == str(second)
    assert (kill["progress"], kill["report"], kill["sandbox_running"]) == (0.75, 21, True)
    assert report(second, 0.76, attempt=2)  # its retry is never killed here again


def test_a_mid_render_kill_is_off_without_arming(kills: Path) -> None:
    assert not report(uuid.uuid4(), 0.5)


def test_pacing_lets_every_progress_report_through() -> None:
    # Unpaced, the writer's throttle drops same-step reports closer than PROGRESS_INTERVAL_S.
    out = io.StringIO()
    sink = _paced(LineWriter(out).progress, PROGRESS_INTERVAL_S)
    for i in range(5):
        sink(ProgressEvent(step="render", fraction=i / 5, overall=i / 5))
    assert len(out.getvalue().splitlines()) == 5
