from toneshootout.engine.progress import ProgressEvent
from toneshootout.engine.tracker import Tracker


def test_tracker_overall_is_monotonic_and_ends_at_one() -> None:
    events: list[ProgressEvent] = []
    tracker = Tracker(events.append)
    tracker.plan(["a", "b"], [100, 300], ["x", "y"])
    tracker.advance("load", 1.0)
    tracker.advance("align", 1.0)
    for di in ("a", "b"):
        for chain in ("x", "y"):
            for f in (0.0, 0.5, 1.0):
                tracker.advance("render", f, di=di, chain=chain)
        for step in ("audio", "montage", "metrics", "plots"):
            tracker.advance(step, 1.0, di=di)
    tracker.finish()
    overall = [e.overall for e in events]
    assert overall == sorted(overall)
    assert overall[-1] == 1.0
    assert all(0.0 <= e.fraction <= 1.0 for e in events)
    render_events = [e for e in events if e.step == "render"]
    assert {(e.di, e.chain) for e in render_events} == {
        ("a", "x"),
        ("a", "y"),
        ("b", "x"),
        ("b", "y"),
    }


def test_with_video_the_encode_gets_most_of_a_dis_outputs() -> None:
    events: list[ProgressEvent] = []
    tracker = Tracker(events.append)
    tracker.plan(["a"], [100], ["x"], video=True)
    tracker.advance("render", 1.0, di="a", chain="x")
    after_render = events[-1].overall
    for step in ("audio", "montage", "metrics", "plots"):
        tracker.advance(step, 1.0, di="a")
    before_video = events[-1].overall
    tracker.advance("video", 0.5, di="a")
    halfway = events[-1].overall
    tracker.advance("video", 1.0, di="a")
    assert after_render < 0.5
    assert before_video - after_render < 0.2
    assert before_video < halfway < events[-1].overall
    assert events[-1].overall > 0.9
