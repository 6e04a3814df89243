"""Mux one video: H.264 frames from a `FrameMaker`, the montage as AAC, chapter marks.

PyAV's wheels carry FFmpeg with libx264 and FFmpeg's own AAC encoder, so `pip install`
is the whole setup (no system FFmpeg, no subprocess, no shell). The encode loop is ours, so
cancellation is checked and progress reported on every frame.

Deterministic by construction: fixed encoder threads (x264's output depends on the thread
count, not on timing), no wall-clock metadata, chapters from integers. Same PyAV build and
inputs, same bytes.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TypeAlias

import av
import numpy as np

from toneshootout.engine.progress import CancelToken
from toneshootout.engine.resample import resample
from toneshootout.engine.types import Signal
from toneshootout.engine.video.frames import FrameMaker

# Rates AAC players everywhere take; any other render rate is resampled to 48 kHz for the video.
AAC_RATES = frozenset({22050, 24000, 32000, 44100, 48000})
VIDEO_AUDIO_RATE = 48000
# FFmpeg's AAC encoder spends only the bits its model asks for: told 256 kb/s, it wrote about
# 165 kb/s on a mono guitar montage. Its VBR mode at the top quality (2) spends the most,
# about 215 kb/s mono, so that is what the video uses (bench.video --encoder-settings). The
# lambda scale is FF_QP2LAMBDA.
AAC_TOP_QUALITY = 2 * 118
AUDIO_FRAME = 1024  # samples per AAC frame
# Fixed: x264's bytes depend on its thread count, and the machine must not. Frame threads, not
# slices: on 2 cores they encode about 1.2x faster (x264's output stays deterministic either way).
ENCODER_THREADS = 2
X264_OPTIONS = {
    # x264 analyses every macroblock of every frame however still the picture is, so the
    # preset sets the speed: ultrafast encodes about 1.9x faster than superfast here (bench.video
    # --encoder-settings), and at CRF 18 text and waveforms stay sharp. The files are larger,
    # which nobody uploading a still picture like this notices.
    "preset": "ultrafast",
    "crf": "18",
}
KEYFRAME_SECONDS = 5  # the longest a seek waits for a keyframe; chapter starts get their own


@dataclass(frozen=True)
class Chapter:
    start_frame: int
    end_frame: int
    title: str


def audio_for_video(audio: Signal, rate: int) -> tuple[Signal, int]:
    """The montage at a rate AAC players take: unchanged where possible, else 48 kHz."""
    if rate in AAC_RATES:
        return audio, rate
    return resample(audio, rate, VIDEO_AUDIO_RATE), VIDEO_AUDIO_RATE


def _planar(audio: Signal) -> Signal:
    """(channels, frames) float32, as FFmpeg's planar float layout wants it."""
    planar = audio.reshape(1, -1) if audio.ndim == 1 else audio.T
    return np.ascontiguousarray(planar, dtype=np.float32)


def encode_mp4(
    target: Path,
    maker: FrameMaker,
    audio: Signal,
    rate: int,
    chapters: Sequence[Chapter],
    *,
    title: str,
    cancel: CancelToken | None = None,
    progress: Callable[[float], None] = lambda fraction: None,
) -> None:
    """Write `target`; on any failure or cancellation the file is removed."""
    try:
        _encode(
            target, maker, (audio, rate), chapters, title=title, cancel=cancel, progress=progress
        )
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _encode(
    target: Path,
    maker: FrameMaker,
    sound_in: tuple[Signal, int],
    chapters: Sequence[Chapter],
    *,
    title: str,
    cancel: CancelToken | None,
    progress: Callable[[float], None],
) -> None:
    layout, plan = maker.scenery.layout, maker.plan
    audio, rate = sound_in
    planar = _planar(audio)
    channels = planar.shape[0]
    # max_interleave_delta 0: the muxer holds the (early) audio until the video reaches it, so
    # the file is interleaved by time however far ahead the audio's thread runs.
    options = {"movflags": "+faststart", "max_interleave_delta": "0"}
    with av.open(str(target), "w", format="mp4", options=options) as out:
        out.metadata["title"] = title
        video = out.add_stream("libx264", rate=plan.fps, options=X264_OPTIONS)
        video.width, video.height, video.pix_fmt = layout.width, layout.height, "yuv420p"
        context = video.codec_context
        context.thread_count = ENCODER_THREADS
        context.thread_type = "FRAME"
        context.gop_size = KEYFRAME_SECONDS * plan.fps
        context.colorspace = 1  # BT.709, as the frames were converted (HD players assume it)
        context.color_primaries = 1
        context.color_trc = 1
        context.color_range = 1  # video range
        sound = out.add_stream("aac", rate=rate)
        sound.layout = "mono" if channels == 1 else "stereo"
        sound.codec_context.qscale = True
        sound.codec_context.global_quality = AAC_TOP_QUALITY
        keyframes = {c.start_frame for c in chapters}
        out.start_encoding()  # both encoders open before the audio's thread uses its own
        with _AudioEncoder(sound, planar) as audio_packets:
            for index in range(plan.frames):
                if cancel is not None:
                    cancel.check()
                frame = av.VideoFrame.from_ndarray(maker.frame(index), format="yuv420p")
                frame.pts = index
                if index in keyframes:  # a chapter jump lands on a picture, not a wait
                    frame.pict_type = av.video.frame.PictureType.I
                out.mux(video.encode(frame))
                out.mux(audio_packets.ready())
                if index % plan.fps == 0:
                    progress(index / plan.frames)
            out.mux(video.encode(None))
            out.mux(audio_packets.rest())
        out.set_chapters(
            [
                {
                    "id": i + 1,
                    "start": c.start_frame,
                    "end": c.end_frame,
                    "time_base": Fraction(1, plan.fps),
                    "metadata": {"title": c.title},
                }
                for i, c in enumerate(chapters)
            ]
        )
    progress(1.0)


AudioPacket: TypeAlias = "av.Packet[av.audio.stream.AudioStream]"  # generic in stubs only


class _AudioEncoder:
    """Encodes the whole montage to AAC on its own thread while the frames are encoded.

    PyAV lets go of the GIL inside the encoder, so the AAC work (about a fifth of x264's at
    720p) overlaps the video's instead of adding to it. Packets are handed over in order and
    muxed by the caller's thread; the muxer interleaves them by time.
    """

    def __init__(self, sound: av.audio.stream.AudioStream, planar: Signal) -> None:
        self._sound, self._planar = sound, planar
        self._packets: queue.SimpleQueue[AudioPacket | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="aac-encoder", daemon=True)

    def __enter__(self) -> _AudioEncoder:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            rate = self._sound.codec_context.sample_rate
            layout = "mono" if self._planar.shape[0] == 1 else "stereo"
            for start in range(0, self._planar.shape[1], AUDIO_FRAME):
                if self._stop.is_set():
                    return
                chunk = np.ascontiguousarray(self._planar[:, start : start + AUDIO_FRAME])
                frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
                frame.sample_rate, frame.pts = rate, start
                for packet in self._sound.encode(frame):
                    self._packets.put(packet)
            for packet in self._sound.encode(None):
                self._packets.put(packet)
        except BaseException as err:  # handed to the caller's thread by rest()
            self._failure = err
        finally:
            self._packets.put(None)

    def ready(self) -> list[AudioPacket]:
        """The packets encoded so far, without waiting."""
        found: list[AudioPacket] = []
        while True:
            try:
                packet = self._packets.get_nowait()
            except queue.Empty:
                return found
            if packet is None:
                self._packets.put(None)  # keep the end mark for rest()
                return found
            found.append(packet)

    def rest(self) -> list[AudioPacket]:
        """Every packet still to come, waiting for the thread to finish."""
        found: list[AudioPacket] = []
        while (packet := self._packets.get()) is not None:
            found.append(packet)
        self._thread.join()
        if self._failure is not None:
            raise self._failure
        return found
