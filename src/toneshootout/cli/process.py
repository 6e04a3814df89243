"""`toneshootout process`: run one capture over a file, no level changes."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Annotated

import typer


def process(
    capture: Annotated[Path, typer.Argument(help="The .nam capture to run.")],
    input_path: Annotated[
        Path, typer.Argument(metavar="IN", help="Input audio (WAV/FLAC/AIFF/OGG/MP3).")
    ],
    output_path: Annotated[Path, typer.Argument(metavar="OUT", help="Output float32 WAV.")],
    slim: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Slim value for A2 slimmable captures.")
    ] = None,
    channel: Annotated[
        str, typer.Option(help="Stereo input: left, right or mid (downmix).")
    ] = "mid",
    workers: Annotated[int, typer.Option(min=1, help="Processes to use.")] = os.cpu_count() or 1,
) -> None:
    """Run a capture over a file: no level changes, float32 WAV at the capture's sample rate.

    The output has the input's duration and alignment; the input is resampled to the
    capture's rate if needed.
    """
    # Imported here so `--help` and the other commands do not pay for them.
    from toneshootout.engine.audio_io import read_audio, write_audio
    from toneshootout.engine.channels import CHANNEL_POLICIES, to_mono
    from toneshootout.engine.nam.capture import build_processor, load_capture
    from toneshootout.engine.nam.run import run_processor
    from toneshootout.engine.resample import resample

    policy = next((p for p in CHANNEL_POLICIES if p == channel), None)
    if policy is None:
        raise typer.BadParameter("must be left, right or mid", param_hint="--channel")
    model = load_capture(capture)
    if slim is not None:
        model.processor(slim)  # refuse a bad slim value before any audio is read
    audio, rate = read_audio(input_path)
    mono = to_mono(audio, policy, str(input_path))
    target_rate = model.info.sample_rate
    signal = resample(mono, rate, target_rate) if rate != target_rate else mono
    factory = functools.partial(build_processor, model, slim)
    output = run_processor(factory, signal, workers=workers)
    write_audio(output_path, output, target_rate, "wav-float")
