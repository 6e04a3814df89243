"""Turning stereo into the mono signal a capture or IR runs on, by an explicit policy."""

from typing import Literal, get_args

import numpy as np

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.types import Signal

ChannelPolicy = Literal["left", "right", "mid"]
CHANNEL_POLICIES: tuple[ChannelPolicy, ...] = get_args(ChannelPolicy)


def to_mono(x: Signal, policy: ChannelPolicy, source: str) -> Signal:
    """Reduce mono or stereo audio to 1-D float32: left, right or the mid (L+R)/2 downmix."""
    if policy not in CHANNEL_POLICIES:
        raise InvalidInput(source, f"unknown channel policy {policy!r} (use {CHANNEL_POLICIES})")
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim == 1:
        if policy == "right":
            raise InvalidInput(source, "channel policy 'right' asked for, but the audio is mono")
        return np.ascontiguousarray(x, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] != 2:
        raise InvalidInput(source, f"audio of shape {x.shape}: expected mono or stereo")
    if policy == "left":
        return np.ascontiguousarray(x[:, 0], dtype=np.float32)
    if policy == "right":
        return np.ascontiguousarray(x[:, 1], dtype=np.float32)
    # Averaging (not summing) keeps identical channels at their level and never clips.
    mid = 0.5 * (x[:, 0].astype(np.float64) + x[:, 1].astype(np.float64))
    return mid.astype(np.float32)
