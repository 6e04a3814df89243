"""The interface every inference backend implements (numpy reference, native kernel, later GPU)."""

from __future__ import annotations

from typing import Protocol

from toneshootout.engine.types import Signal


class Processor(Protocol):
    """Streams mono float32 audio through one capture at the capture's own sample rate.

    Consecutive `process` calls continue one signal: block-by-block output equals whole-file
    output. A fresh or `reset()` processor is in the state the model reaches after silence,
    so y[t] depends on x[0..t] and zeros before the start (NeuralAmpModelerCore's prewarm).
    """

    @property
    def receptive_field(self) -> int:
        """Samples of input that affect one output sample; 0 when unbounded (recurrent models)."""
        ...

    def process(self, x: Signal) -> Signal:
        """Return the output for the next `len(x)` input samples."""
        ...

    def reset(self) -> None:
        """Forget the signal so far and return to the post-silence state."""
        ...
