"""ConvNet captures, as the trainer defines them (`nam.models.conv_net`).

Blocks of Conv1d(kernel 2, dilation d, bias unless batchnorm) → BatchNorm1d (inference form,
from the running statistics) → activation; then a 1×1 head to one channel. Weights per block:
conv weight (out, in, 2), conv bias; or, with batchnorm, running mean, running var, weight,
bias and eps; then the head weight (1, C, 1) and bias.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toneshootout.engine.errors import InvalidInput
from toneshootout.engine.nam.activations import Activation, parse_activation
from toneshootout.engine.nam.config_fields import Fields
from toneshootout.engine.nam.params import _Reader
from toneshootout.engine.nam.reference_base import Frames, ReferenceProcessor
from toneshootout.engine.nam.wavenet_ref import StreamingConv
from toneshootout.engine.nam.wavenet_weights import Conv
from toneshootout.engine.types import Float64Array, Signal

MAX_CHANNELS = 64
MAX_BLOCKS = 32
MAX_DILATION = 8192


@dataclass(frozen=True)
class ConvNetSpec:
    channels: int
    dilations: tuple[int, ...]
    batchnorm: bool
    activation: Activation

    @property
    def receptive_field(self) -> int:
        return 1 + sum(self.dilations)

    @property
    def weight_count(self) -> int:
        total = 0
        cin = 1
        for _ in self.dilations:
            total += self.channels * cin * 2
            total += 4 * self.channels + 1 if self.batchnorm else self.channels
            cin = self.channels
        return total + self.channels + 1


def parse_convnet(fields: Fields) -> ConvNetSpec:
    """Parse and bound a ConvNet config."""
    fields.only(frozenset({"channels", "dilations", "batchnorm", "activation"}), "ConvNet")
    return ConvNetSpec(
        channels=fields.integer("channels", 1, MAX_CHANNELS),
        dilations=fields.int_list("dilations", 1, MAX_DILATION, MAX_BLOCKS),
        batchnorm=fields.boolean("batchnorm", False),
        activation=parse_activation(
            fields.raw("activation", "Tanh"), fields.source, fields.where("activation")
        ),
    )


@dataclass(frozen=True)
class _Block:
    conv: Conv
    scale: Float64Array | None  # batchnorm folded into y·scale + shift
    shift: Float64Array | None


def _take_block(reader: _Reader, spec: ConvNetSpec, cin: int, dilation: int, source: str) -> _Block:
    c = spec.channels
    weight = reader.take(c, cin, 2)
    if not spec.batchnorm:
        return _Block(Conv(weight, reader.take(c), dilation), None, None)
    mean, var, gamma, beta = (reader.take(c).astype(np.float64) for _ in range(4))
    eps = float(reader.take(1)[0])
    if eps < 0.0 or np.any(var + eps <= 0.0):
        raise InvalidInput(source, "batchnorm running variance plus eps must be positive")
    scale = gamma / np.sqrt(var + eps)
    return _Block(Conv(weight, None, dilation), scale, beta - mean * scale)


class ConvNetReference(ReferenceProcessor):
    """Streaming numpy ConvNet (each conv keeps its dilated history)."""

    dtype = np.float64

    def __init__(self, spec: ConvNetSpec, weights: Signal, source: str) -> None:
        reader = _Reader(np.asarray(weights, dtype=np.float32), source)
        blocks = []
        cin = 1
        for dilation in spec.dilations:
            blocks.append(_take_block(reader, spec, cin, dilation, source))
            cin = spec.channels
        head_weight = reader.take(1, spec.channels).astype(np.float64)
        head_bias = float(reader.take(1)[0])
        reader.finish()
        self._spec = spec
        self._convs = [StreamingConv(block.conv, np.float64) for block in blocks]
        self._norms = [(block.scale, block.shift) for block in blocks]
        self._head = (head_weight, head_bias)
        self.reset()

    @property
    def receptive_field(self) -> int:
        return self._spec.receptive_field

    def clear(self) -> None:
        for conv in self._convs:
            conv.clear()

    def process_channels(self, x: Frames) -> Frames:
        y = x
        for conv, (scale, shift) in zip(self._convs, self._norms, strict=True):
            y = conv(y)
            if scale is not None and shift is not None:
                y = y * scale[:, None] + shift[:, None]
            y = self._spec.activation.apply(y)
        weight, bias = self._head
        return weight @ y + bias
