"""Validated model specs for every architecture, built from a `NamModel` before anything runs.

Parsing checks every config bound and the weight count the config implies, and unpacks the
weights once; a spec is plain frozen data (picklable) that builds reference processors on demand.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from toneshootout.engine.errors import InvalidInput, UnsupportedFeature
from toneshootout.engine.nam.config_fields import Fields
from toneshootout.engine.nam.convnet import ConvNetReference, ConvNetSpec, parse_convnet
from toneshootout.engine.nam.format import NamModel, read_model
from toneshootout.engine.nam.linear_ref import LinearReference
from toneshootout.engine.nam.lstm_ref import LstmReference
from toneshootout.engine.nam.params import LinearParams, LstmParams, unpack_linear, unpack_lstm
from toneshootout.engine.nam.reference_base import ReferenceProcessor
from toneshootout.engine.nam.wavenet_config import (
    MAX_ARRAYS,
    MAX_RECEPTIVE_FIELD,
    ArraySpec,
    PostHeadSpec,
    chain_error,
    parse_layer_array,
    parse_post_head,
)
from toneshootout.engine.nam.wavenet_ref import WaveNetReference
from toneshootout.engine.nam.wavenet_weights import (
    ArrayWeights,
    Conv,
    slim_arrays,
    unpack_wavenet,
    weight_count,
)

MAX_LSTM_HIDDEN = 128
MAX_LSTM_LAYERS = 4
MAX_LINEAR_TAPS = 65_536
MAX_SUBMODELS = 8


@dataclass(frozen=True)
class WaveNetModel:
    arrays: tuple[ArraySpec, ...]
    weights: tuple[ArrayWeights, ...]
    post_head: PostHeadSpec | None
    post_convs: tuple[Conv, ...]
    head_scale: float
    condition: ModelSpec | None
    own_weights: int

    @property
    def out_channels(self) -> int:
        return self.arrays[-1].head_size if self.post_head is None else self.post_head.out_channels

    @property
    def slimmable(self) -> bool:
        return any(spec.allowed_channels for spec in self.arrays)

    def channels_for(self, slim: float | None) -> tuple[int, ...]:
        """Per array channel count for a slim value (the core's ratio_to_channels)."""
        channels = []
        for spec in self.arrays:
            allowed = spec.allowed_channels
            if slim is None or not allowed:
                channels.append(spec.channels)
            else:
                channels.append(allowed[min(math.floor(slim * len(allowed)), len(allowed) - 1)])
        return tuple(channels)

    def reference(self, slim: float | None) -> WaveNetReference:
        arrays, weights = self.arrays, self.weights
        channels = self.channels_for(slim)
        if channels != tuple(spec.channels for spec in arrays):
            arrays, weights = slim_arrays(arrays, weights, channels)
        post: tuple[tuple[Any, Conv], ...] = ()
        if self.post_head is not None:
            post = tuple((self.post_head.activation, conv) for conv in self.post_convs)
        condition = None if self.condition is None else reference_for(self.condition, None)
        return WaveNetReference(
            arrays, weights, self.head_scale, post_head=post, condition=condition
        )


@dataclass(frozen=True)
class LstmModel:
    params: LstmParams


@dataclass(frozen=True)
class LinearModel:
    params: LinearParams


@dataclass(frozen=True)
class ConvNetModel:
    spec: ConvNetSpec
    weights: Any  # Signal
    source: str


@dataclass(frozen=True)
class ContainerModel:
    max_values: tuple[float, ...]
    submodels: tuple[ModelSpec, ...]

    def index_for(self, slim: float | None) -> int:
        """The first submodel with slim < max_value, as NeuralAmpModelerCore; default the last."""
        if slim is not None:
            for index, max_value in enumerate(self.max_values):
                if slim < max_value:
                    return index
        return len(self.submodels) - 1


ModelSpec = WaveNetModel | LstmModel | LinearModel | ConvNetModel | ContainerModel


def _check_count(expected: int, model: NamModel, source: str) -> None:
    if expected != model.weights.size:
        raise InvalidInput(
            source,
            f"weight count mismatch: the {model.architecture} config implies {expected} "
            f"weights, the file has {model.weights.size}",
        )


def _parse_condition(fields: Fields, model: NamModel, depth: int) -> ModelSpec | None:
    raw = fields.raw("condition_dsp", None)
    if raw is None:
        return None
    nested = read_model(raw, fields.source, depth + 1)
    if nested.architecture == "SlimmableContainer":
        raise UnsupportedFeature(fields.source, "'config.condition_dsp' cannot be a container")
    if nested.sample_rate != model.sample_rate:
        raise InvalidInput(fields.source, "'config.condition_dsp' has another sample rate")
    return parse_model(nested, fields.source, depth + 1, out_channels=None)


def _parse_wavenet(model: NamModel, source: str, depth: int) -> WaveNetModel:
    fields = Fields.of(model.config, source, "config")
    fields.only(
        frozenset({"layers", "head", "head_scale", "condition_dsp", "in_channels"}), "WaveNet"
    )
    fields.integer("in_channels", 1, 1, 1)
    fields.number("head_scale", -1e6, 1e6)
    layers = fields.raw("layers")
    if not isinstance(layers, list) or not 1 <= len(layers) <= MAX_ARRAYS:
        raise fields.fail("layers", f"must be a list of 1 to {MAX_ARRAYS} layer arrays")
    arrays = tuple(
        parse_layer_array(Fields.of(raw, source, f"config.layers[{i}]"))
        for i, raw in enumerate(layers)
    )
    error = chain_error(arrays, source)
    if error is not None:
        raise error
    condition = _parse_condition(fields, model, depth)
    condition_size = 1 if condition is None else output_channels(condition)
    for i, spec in enumerate(arrays):
        if spec.condition_size != condition_size:
            raise fields.fail(f"layers[{i}].condition_size", f"must be {condition_size}")
    post_head = None
    if fields.raw("head", None) is not None:
        post_head = parse_post_head(fields.child("head"), arrays[-1].head_size)
        if any(spec.allowed_channels for spec in arrays):
            raise UnsupportedFeature(source, "slimmable WaveNets cannot have a post-stack head")
    rf = 1 + sum(spec.receptive_field_extra for spec in arrays)
    if post_head is not None:
        rf += sum(k - 1 for k in post_head.kernel_sizes)
    if rf > MAX_RECEPTIVE_FIELD:
        raise InvalidInput(source, f"receptive field {rf} exceeds {MAX_RECEPTIVE_FIELD} samples")
    _check_count(weight_count(arrays, post_head), model, source)
    unpacked, post_convs, head_scale = unpack_wavenet(arrays, post_head, model.weights, source)
    return WaveNetModel(
        arrays, unpacked, post_head, post_convs, head_scale, condition, model.weights.size
    )


def _parse_lstm(model: NamModel, source: str) -> LstmModel:
    fields = Fields.of(model.config, source, "config")
    fields.only(frozenset({"input_size", "hidden_size", "num_layers"}), "LSTM")
    fields.integer("input_size", 1, 1)
    hidden = fields.integer("hidden_size", 1, MAX_LSTM_HIDDEN)
    layers = fields.integer("num_layers", 1, MAX_LSTM_LAYERS)
    per_layer = [
        4 * hidden * ((1 if i == 0 else hidden) + hidden) + 6 * hidden for i in range(layers)
    ]
    _check_count(sum(per_layer) + hidden + 1, model, source)
    return LstmModel(unpack_lstm(model.config, model.weights, source))


def _parse_linear(model: NamModel, source: str) -> LinearModel:
    fields = Fields.of(model.config, source, "config")
    fields.only(frozenset({"receptive_field", "bias"}), "Linear")
    taps = fields.integer("receptive_field", 1, MAX_LINEAR_TAPS)
    bias = fields.boolean("bias")
    _check_count(taps + int(bias), model, source)
    return LinearModel(unpack_linear(model.config, model.weights, source))


def _parse_convnet(model: NamModel, source: str) -> ConvNetModel:
    spec = parse_convnet(Fields.of(model.config, source, "config"))
    _check_count(spec.weight_count, model, source)
    ConvNetReference(spec, model.weights, source)  # validates batchnorm statistics now
    return ConvNetModel(spec, model.weights, source)


def _parse_container(model: NamModel, source: str, depth: int) -> ContainerModel:
    fields = Fields.of(model.config, source, "config")
    fields.only(frozenset({"submodels"}), "SlimmableContainer")
    _check_count(0, model, source)  # the submodels carry every weight
    entries = fields.raw("submodels")
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_SUBMODELS:
        raise fields.fail("submodels", f"must be a list of 1 to {MAX_SUBMODELS} entries")
    max_values, submodels = [], []
    for i, raw in enumerate(entries):
        entry = Fields.of(raw, source, f"config.submodels[{i}]")
        entry.only(frozenset({"max_value", "model"}), "submodel")
        max_values.append(entry.number("max_value", 0.0, 1e3))
        nested = read_model(entry.raw("model"), source, depth + 1)
        if nested.architecture == "SlimmableContainer":
            raise UnsupportedFeature(source, f"'{entry.path}.model' cannot be a container")
        if nested.sample_rate != model.sample_rate:
            raise InvalidInput(source, f"'{entry.path}.model' has another sample rate")
        submodels.append(parse_model(nested, source, depth + 1))
    if any(b <= a for a, b in itertools.pairwise(max_values)):
        raise fields.fail("submodels", "max_value must ascend strictly")
    if max_values[-1] < 1.0:
        raise fields.fail("submodels", "the last max_value must be at least 1.0")
    return ContainerModel(tuple(max_values), tuple(submodels))


def parse_model(
    model: NamModel, source: str, depth: int = 0, out_channels: int | None = 1
) -> ModelSpec:
    """Check a model's config against its weights and bounds; `out_channels` None = any."""
    spec: ModelSpec
    if model.architecture == "WaveNet":
        spec = _parse_wavenet(model, source, depth)
    elif model.architecture == "LSTM":
        spec = _parse_lstm(model, source)
    elif model.architecture == "Linear":
        spec = _parse_linear(model, source)
    elif model.architecture == "ConvNet":
        spec = _parse_convnet(model, source)
    else:
        if depth > 0:
            raise UnsupportedFeature(source, "a SlimmableContainer cannot be nested")
        spec = _parse_container(model, source, depth)
    if out_channels is not None and output_channels(spec) != out_channels:
        raise InvalidInput(source, f"the model must have {out_channels} output channel(s)")
    return spec


def output_channels(spec: ModelSpec) -> int:
    return spec.out_channels if isinstance(spec, WaveNetModel) else 1


def receptive_field(spec: ModelSpec) -> int:
    """Input samples that affect one output sample; 0 when unbounded (any LSTM inside)."""
    if isinstance(spec, ContainerModel):
        fields = [receptive_field(sub) for sub in spec.submodels]
        return 0 if 0 in fields else max(fields)
    if isinstance(spec, LstmModel):
        return 0
    if isinstance(spec, LinearModel):
        return int(spec.params.taps.size)
    if isinstance(spec, ConvNetModel):
        return spec.spec.receptive_field
    own = 1 + sum(a.receptive_field_extra for a in spec.arrays)
    if spec.post_head is not None:
        own += sum(k - 1 for k in spec.post_head.kernel_sizes)
    if spec.condition is None:
        return own
    cond = receptive_field(spec.condition)
    return 0 if cond == 0 else own + cond - 1


def total_weights(spec: ModelSpec) -> int:
    if isinstance(spec, ContainerModel):
        return sum(total_weights(sub) for sub in spec.submodels)
    if isinstance(spec, WaveNetModel):
        nested = 0 if spec.condition is None else total_weights(spec.condition)
        return spec.own_weights + nested
    if isinstance(spec, LstmModel):
        p = spec.params
        return sum(layer.weight.size + 6 * p.hidden_size for layer in p.layers) + p.hidden_size + 1
    if isinstance(spec, LinearModel):
        return int(spec.params.taps.size) + 1
    return spec.spec.weight_count


def slim_values(spec: ModelSpec) -> tuple[float, ...]:
    """The smallest slim value selecting each distinct model size; empty if not slimmable."""
    if isinstance(spec, ContainerModel):
        if len(spec.submodels) < 2:
            return ()
        return (0.0, *(min(1.0, value) for value in spec.max_values[:-1]))
    if isinstance(spec, WaveNetModel) and spec.slimmable:
        edges = {
            i / len(a.allowed_channels) for a in spec.arrays for i in range(len(a.allowed_channels))
        }
        return tuple(sorted(edges))
    return ()


def reference_for(spec: ModelSpec, slim: float | None) -> ReferenceProcessor:
    """Build the numpy reference processor for a spec at a slim value (None = full model)."""
    if isinstance(spec, ContainerModel):
        # The core's container only switches submodels; the chosen one runs at full size.
        return reference_for(spec.submodels[spec.index_for(slim)], None)
    if isinstance(spec, WaveNetModel):
        return spec.reference(slim)
    if isinstance(spec, LstmModel):
        return LstmReference(spec.params)
    if isinstance(spec, LinearModel):
        return LinearReference(spec.params)
    return ConvNetReference(spec.spec, np.asarray(spec.weights), spec.source)
