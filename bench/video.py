"""The video output: encode speed at each size, and what video adds to the demo render.

1. Encode alone: the demo's montages (Riff and Arpeggio, 4 chains) are rendered once without
   video; then `write_video` encodes each DI's MP4 at 1280x720, 1920x1080 and 1080x1080, the
   sizes interleaved in every repeat. Speed is montage seconds per encode second (× real time).
2. The demo render (`toneshootout demo`'s spec, default outputs) without video, with 720p
   video and with 1080p video, side by side in every repeat, each in a fresh process that
   reports its wall time and peak memory (its own and its largest child's).

3. With `--encoder-settings` (its own section): x264 presets and thread kinds side by side on
   the same 20 s of 720p frames (the choices `engine/video/encode.py` made), and the AAC bit
   rate FFmpeg's encoder spends on the Riff montage told 256 kb/s (CBR) vs its top VBR quality.

Run: .venv/bin/python -m bench.video [--repeats N] [--encoder-settings]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import av
import numpy as np
import soundfile as sf

from bench.sections import machine_line, update_section
from toneshootout.engine.compose import Segment
from toneshootout.engine.demo.material import demo_spec_toml, write_demo_material
from toneshootout.engine.inputs import load_inputs
from toneshootout.engine.levels import ChainLevel
from toneshootout.engine.outputs import OutputFolder
from toneshootout.engine.render import render_shootout
from toneshootout.engine.spec import Settings, load_spec
from toneshootout.engine.video.encode import AAC_TOP_QUALITY, AUDIO_FRAME
from toneshootout.engine.video.labels import chain_cards
from toneshootout.engine.video.layout import VIDEO_SIZES, VideoSize
from toneshootout.engine.video.write import VideoSource, frame_maker, write_video

DEFAULT = '["wav", "montage", "metrics", "null_tests", "plots"]'
WITH_VIDEO = '["wav", "montage", "metrics", "null_tests", "plots", "video"]'
CONFIGS = {
    "no video": f"outputs = {DEFAULT}",
    "video 1280x720": f'outputs = {WITH_VIDEO}\nvideo_size = "1280x720"',
    "video 1920x1080": f'outputs = {WITH_VIDEO}\nvideo_size = "1920x1080"',
}
COST_NOTE = (
    "Why video costs this much next to the render: x264 analyses every macroblock of every frame "
    "however still the picture, so its cost is frames × pixels. The demo's montages are 180 s, "
    "5,400 frames at 30 fps, while the render behind them is a few seconds of NAM inference on "
    "45 s of DI. Drawing is not the cost (each scene is drawn once, a frame is a copy of its "
    "planes plus two playheads), nor is the AAC (encoded on its own thread beside the frames)."
)
# Runs in a fresh interpreter: one render, then its wall time and peak memory as JSON.
CHILD = """
import json, resource, sys, time
from pathlib import Path
from toneshootout.engine.render import render_shootout
from toneshootout.engine.spec import load_spec
spec, out = load_spec(Path(sys.argv[1])), Path(sys.argv[2])
start = time.perf_counter()
render_shootout(spec, out)
seconds = time.perf_counter() - start
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "own_mib": own / 1024, "child_mib": child / 1024}))
"""


def _spec(folder: Path, settings: str, name: str) -> Path:
    """The demo spec with `settings` added, beside the demo material (written once)."""
    root = folder / "material"
    base = folder / "demo.toml"
    if not base.exists():
        base.write_text(demo_spec_toml(write_demo_material(root)), encoding="utf-8")
    text = base.read_text(encoding="utf-8")
    spec = root / f"{name.replace(' ', '-')}.toml"
    spec.write_text(text.replace("[settings]\n", f"[settings]\n{settings}\n", 1), encoding="utf-8")
    return spec


def _sources(spec: Path, out: Path) -> list[VideoSource]:
    """Each DI's video input, rebuilt from a render without video."""
    loaded = load_spec(spec)
    inputs = load_inputs(loaded)
    manifest: dict[str, Any] = json.loads((out / "manifest.json").read_text())
    sources = []
    for di in inputs.dis:
        name = di.track.name
        levels = [
            ChainLevel(
                e["loudness_before_lufs"],
                e["gain_db"],
                e["loudness_after_lufs"],
                e["true_peak_dbtp"],
                e["lra_lu"],
            )
            for e in manifest["levels"]
            if e["di"] == name
        ]
        (montage_path,) = [
            o["path"] for o in manifest["outputs"] if o["role"] == "montage" and o["di"] == name
        ]
        montage, rate = sf.read(out / montage_path, dtype="float32")
        segments = [Segment(**s) for s in manifest["timeline"][name]]
        sources.append(
            VideoSource(
                title=loaded.title,
                di=name,
                settings=loaded.settings,
                cards=chain_cards(inputs.chains, levels),
                segments=segments,
                montage=montage,
                rate=rate,
                di_samples=di.samples,
                source_length=max(s.source_end for s in segments),
                credits=[],
            )
        )
    return sources


def _encode_speeds(folder: Path, repeats: int) -> tuple[dict[str, list[float]], float]:
    spec = _spec(folder, f"outputs = {DEFAULT}", "encode")
    out = folder / "encode-render"
    render_shootout(load_spec(spec), out)
    sources = _sources(spec, out)
    seconds_of_audio = sum(s.montage.shape[0] / s.rate for s in sources)
    speeds: dict[str, list[float]] = {size: [] for size in VIDEO_SIZES}
    for i in range(repeats):
        for size in VIDEO_SIZES:
            target = OutputFolder(folder / f"encode-{i}-{size}")
            start = time.perf_counter()
            for source in sources:
                sized = Settings.model_validate(
                    {**source.settings.model_dump(), "video_size": size}
                )
                video: VideoSize = sized.video_size
                write_video(target, f"{source.di}-{video}", _with(source, sized))
            speeds[size].append(seconds_of_audio / (time.perf_counter() - start))
    return speeds, seconds_of_audio


def _with(source: VideoSource, settings: Settings) -> VideoSource:
    return VideoSource(**{**source.__dict__, "settings": settings})


def _renders(folder: Path, repeats: int) -> dict[str, list[dict[str, float]]]:
    specs = {name: _spec(folder, settings, name) for name, settings in CONFIGS.items()}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in CONFIGS}
    for i in range(repeats):
        for name, spec in specs.items():
            out = folder / f"render-{i}-{name.replace(' ', '-')}"
            done = subprocess.run(
                [sys.executable, "-c", CHILD, str(spec), str(out)],
                check=True,
                capture_output=True,
                text=True,
            )
            runs[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
    return runs


X264_TRIALS = {
    "superfast, 2 slice threads": ("superfast", "SLICE"),
    "ultrafast, 2 slice threads": ("ultrafast", "SLICE"),
    "ultrafast, 2 frame threads (used)": ("ultrafast", "FRAME"),
}
TRIAL_FRAMES = 600  # 20 s at 30 fps


def _x264_speed(planes: list[Any], preset: str, threads: str) -> float:
    """× real time of x264 alone over `planes` (720p yuv420p frames), to a file."""
    with tempfile.TemporaryDirectory() as tmp, av.open(f"{tmp}/t.mp4", "w") as out:
        stream = out.add_stream("libx264", rate=30, options={"preset": preset, "crf": "18"})
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        stream.codec_context.thread_count = 2
        stream.codec_context.thread_type = threads
        start = time.perf_counter()
        for index, frame_planes in enumerate(planes):
            frame = av.VideoFrame.from_ndarray(frame_planes, format="yuv420p")
            frame.pts = index
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
        return len(planes) / 30 / (time.perf_counter() - start)


def _aac_kbps(montage: Any, rate: int, *, vbr: bool) -> float:
    """The AAC bit rate FFmpeg's encoder spends on `montage` (mono), CBR 256 kb/s or top VBR."""
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/a.mp4"
        with av.open(path, "w") as out:
            stream = out.add_stream("aac", rate=rate)
            stream.layout = "mono"
            if vbr:
                stream.codec_context.qscale = True
                stream.codec_context.global_quality = AAC_TOP_QUALITY
            else:
                stream.bit_rate = 256_000
            planar = np.ascontiguousarray(montage.reshape(1, -1), dtype=np.float32)
            for begin in range(0, planar.shape[1], AUDIO_FRAME):
                chunk = np.ascontiguousarray(planar[:, begin : begin + AUDIO_FRAME])
                frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
                frame.sample_rate, frame.pts = rate, begin
                out.mux(stream.encode(frame))
            out.mux(stream.encode(None))
        return float(Path(path).stat().st_size * 8 / (montage.shape[0] / rate) / 1000)


def _encoder_settings(folder: Path, repeats: int) -> tuple[dict[str, list[float]], float, float]:
    spec = _spec(folder, f"outputs = {DEFAULT}", "encode")
    render_shootout(load_spec(spec), folder / "encode-render")
    (source, *_) = _sources(spec, folder / "encode-render")
    sized = _with(
        source, Settings.model_validate({**source.settings.model_dump(), "video_size": "1280x720"})
    )
    maker = frame_maker(sized)
    planes = [maker.frame(i) for i in range(TRIAL_FRAMES)]
    speeds: dict[str, list[float]] = {name: [] for name in X264_TRIALS}
    for _ in range(repeats):
        for name, (preset, threads) in X264_TRIALS.items():
            speeds[name].append(_x264_speed(planes, preset, threads))
    cbr = _aac_kbps(source.montage, source.rate, vbr=False)
    vbr = _aac_kbps(source.montage, source.rate, vbr=True)
    return speeds, cbr, vbr


def _report_encoder_settings(repeats: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        trials, cbr_kbps, vbr_kbps = _encoder_settings(Path(tmp), repeats)
    body = (
        "## Video: encoder settings\n\n"
        f"Command: `.venv/bin/python -m bench.video --encoder-settings --repeats {repeats}`\n\n"
        f"{machine_line()}\n\n"
        "x264 alone (2 threads, CRF 18) on the same 20 s of 720p frames of the demo's Riff "
        "montage, the settings interleaved in every repeat:\n\n"
        f"| x264 | × real time (median of {repeats}) | runs |\n|---|---|---|\n"
        + "".join(
            f"| {name} | **{statistics.median(v):.1f}×** | {', '.join(f'{x:.1f}' for x in v)} |\n"
            for name, v in trials.items()
        )
        + "\nAAC on the Riff montage (mono, 48 kHz): told 256 kb/s (CBR), FFmpeg's encoder "
        f"spends **{cbr_kbps:.0f} kb/s**; at its top VBR quality (what the video uses), "
        f"**{vbr_kbps:.0f} kb/s**.\n"
    )
    update_section("video-encoder", body)
    print(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--encoder-settings", action="store_true")
    args = parser.parse_args()
    if args.encoder_settings:
        _report_encoder_settings(args.repeats)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        speeds, audio_seconds = _encode_speeds(folder, args.repeats)
        runs = _renders(folder, args.repeats)
    speed_rows = "".join(
        f"| {size} | **{statistics.median(speeds[size]):.1f}×** "
        f"| {', '.join(f'{s:.1f}' for s in speeds[size])} |\n"
        for size in VIDEO_SIZES
    )
    base = statistics.median(r["seconds"] for r in runs["no video"])
    render_rows = "".join(
        f"| {name} | **{statistics.median(r['seconds'] for r in runs[name]):.1f} s** "
        f"| {statistics.median(r['seconds'] for r in runs[name]) / base:.2f} "
        f"| {max(r['own_mib'] for r in runs[name]):.0f} MiB "
        f"| {max(r['child_mib'] for r in runs[name]):.0f} MiB "
        f"| {', '.join(format(r['seconds'], '.1f') for r in runs[name])} |\n"
        for name in CONFIGS
    )
    body = (
        "## Video: encode speed and what it adds to the demo render\n\n"
        f"Command: `.venv/bin/python -m bench.video --repeats {args.repeats}`\n\n"
        f"{machine_line()}\n\n"
        f"Encode alone (`write_video`: drawing, compositing, H.264 + AAC, poster, description) "
        f"of the demo's two montages, {audio_seconds:.0f} s of audio in all, the sizes "
        "interleaved in every repeat. × real time = montage seconds per encode second.\n\n"
        f"| size | × real time (median of {args.repeats}) | runs |\n|---|---|---|\n"
        + speed_rows
        + "\nThe demo render (`toneshootout demo`'s spec: 2 DIs, 4 chains, default outputs) "
        "without and with video, side by side in every repeat, each in a fresh process. Peak "
        "memory is the render process's maximum resident set, and the largest of its children "
        "(the NAM workers and the output pool).\n\n"
        f"| render | wall time (median of {args.repeats}) | ratio to no video | peak memory "
        "| largest child | runs (s) |\n|---|---|---|---|---|---|\n" + render_rows + "\n" + COST_NOTE
    )
    update_section("video", body)
    print(body)


if __name__ == "__main__":
    main()
