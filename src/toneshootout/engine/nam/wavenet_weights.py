"""The flat weight layout of general (A1 + A2) WaveNets, unpacked into dense matrices.

Order per layer array (NeuralAmpModelerCore `set_weights_`): rechannel; per layer the dilated
conv (+bias), input mixin, layer1x1 (+bias), head1x1 (+bias), then the active FiLM 1x1s in
`FILM_KEYS` order (+bias each); then the head rechannel conv (+bias if any). After the arrays:
the post-stack head convs, then `head_scale`. Grouped weights are stored group by group as
(out/groups, in/groups[, tap]) blocks; we expand them to block-diagonal dense matrices.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from toneshootout.engine.nam.params import _Reader
from toneshootout.engine.nam.wavenet_config import (
    FILM_KEYS,
    ArraySpec,
    PostHeadSpec,
    film_rows,
)
from toneshootout.engine.types import Signal


@dataclass(frozen=True)
class Conv:
    """A causal conv: weight (out, in, taps), tap k reads x[t - (taps - 1 - k) * dilation]."""

    weight: Signal
    bias: Signal | None
    dilation: int = 1


@dataclass(frozen=True)
class LayerWeights:
    conv: Conv
    mixin: Signal  # (z, condition)
    layer1x1: Conv | None
    head1x1: Conv | None
    films: dict[str, Conv]  # active FiLMs only, each a 1x1 of the condition


@dataclass(frozen=True)
class ArrayWeights:
    rechannel: Signal  # (channels, input_size)
    layers: tuple[LayerWeights, ...]
    head: Conv  # (head_size, head_out, head_kernel)


def conv_count(cin: int, cout: int, taps: int, bias: bool, groups: int = 1) -> int:
    """Weights in one (grouped) conv including its bias."""
    return cout * (cin // groups) * taps + (cout if bias else 0)


def _array_count(spec: ArraySpec) -> int:
    total = spec.channels * spec.input_size
    for layer in spec.layers:
        z = spec.z_channels(layer)
        total += conv_count(spec.channels, z, layer.kernel_size, True, spec.groups_input)
        total += conv_count(spec.condition_size, z, 1, False, spec.groups_mixin)
        if spec.layer1x1:
            total += conv_count(spec.bottleneck, spec.channels, 1, True, spec.layer1x1_groups)
        if spec.head1x1:
            total += conv_count(spec.bottleneck, spec.head1x1_out, 1, True, spec.head1x1_groups)
        for key in FILM_KEYS:
            film = spec.film(key)
            if film.active:
                rows = film_rows(spec, key, layer)
                total += conv_count(spec.condition_size, rows, 1, True, film.groups)
    return total + conv_count(spec.head_out, spec.head_size, spec.head_kernel, spec.head_bias)


def _post_head_stages(head: PostHeadSpec) -> list[tuple[int, int, int]]:
    stages = []
    cin = head.in_channels
    for i, taps in enumerate(head.kernel_sizes):
        cout = head.out_channels if i == len(head.kernel_sizes) - 1 else head.channels
        stages.append((cin, cout, taps))
        cin = cout
    return stages


def weight_count(arrays: tuple[ArraySpec, ...], post_head: PostHeadSpec | None) -> int:
    """How many flat weights the config implies (head_scale included)."""
    total = sum(_array_count(spec) for spec in arrays)
    if post_head is not None:
        total += sum(
            conv_count(cin, cout, k, True) for cin, cout, k in _post_head_stages(post_head)
        )
    return total + 1


def _take_conv(
    reader: _Reader,
    cin: int,
    cout: int,
    taps: int,
    bias: bool,
    *,
    groups: int = 1,
    dilation: int = 1,
) -> Conv:
    blocks = reader.take(groups, cout // groups, cin // groups, taps)
    dense = np.zeros((cout, cin, taps), dtype=np.float32)
    out_pg, in_pg = cout // groups, cin // groups
    for g in range(groups):
        dense[g * out_pg : (g + 1) * out_pg, g * in_pg : (g + 1) * in_pg] = blocks[g]
    return Conv(dense, reader.take(cout) if bias else None, dilation)


def _take_layer(reader: _Reader, spec: ArraySpec, index: int) -> LayerWeights:
    layer = spec.layers[index]
    z = spec.z_channels(layer)
    conv = _take_conv(
        reader,
        spec.channels,
        z,
        layer.kernel_size,
        True,
        groups=spec.groups_input,
        dilation=layer.dilation,
    )
    mixin = _take_conv(reader, spec.condition_size, z, 1, False, groups=spec.groups_mixin).weight[
        :, :, 0
    ]
    layer1x1 = head1x1 = None
    if spec.layer1x1:
        layer1x1 = _take_conv(
            reader, spec.bottleneck, spec.channels, 1, True, groups=spec.layer1x1_groups
        )
    if spec.head1x1:
        head1x1 = _take_conv(
            reader, spec.bottleneck, spec.head1x1_out, 1, True, groups=spec.head1x1_groups
        )
    films = {}
    for key in FILM_KEYS:
        film = spec.film(key)
        if film.active:
            rows = film_rows(spec, key, layer)
            films[key] = _take_conv(reader, spec.condition_size, rows, 1, True, groups=film.groups)
    return LayerWeights(conv, mixin, layer1x1, head1x1, films)


def unpack_wavenet(
    arrays: tuple[ArraySpec, ...], post_head: PostHeadSpec | None, weights: Signal, source: str
) -> tuple[tuple[ArrayWeights, ...], tuple[Conv, ...], float]:
    """Unpack every layer array, the post-stack head convs and head_scale."""
    reader = _Reader(np.asarray(weights, dtype=np.float32), source)
    unpacked = []
    for spec in arrays:
        rechannel = reader.take(spec.channels, spec.input_size)
        layers = tuple(_take_layer(reader, spec, i) for i in range(len(spec.layers)))
        head = _take_conv(reader, spec.head_out, spec.head_size, spec.head_kernel, spec.head_bias)
        unpacked.append(ArrayWeights(rechannel, layers, head))
    head_convs: list[Conv] = []
    if post_head is not None:
        for cin, cout, taps in _post_head_stages(post_head):
            head_convs.append(_take_conv(reader, cin, cout, taps, True))
    head_scale = float(reader.take(1)[0])
    reader.finish()
    return tuple(unpacked), tuple(head_convs), head_scale


def _cut(conv: Conv, rows: int, cols: int) -> Conv:
    bias = None if conv.bias is None else conv.bias[:rows]
    return Conv(conv.weight[:rows, :cols], bias, conv.dilation)


def _slim_bottleneck(spec: ArraySpec, channels: int) -> int:
    if not spec.layer1x1:
        return channels
    return max(1, spec.bottleneck * channels // spec.channels)


def slim_arrays(
    arrays: tuple[ArraySpec, ...], weights: tuple[ArrayWeights, ...], channels: tuple[int, ...]
) -> tuple[tuple[ArraySpec, ...], tuple[ArrayWeights, ...]]:
    """Keep the first `channels[i]` channels of array i, as the core's slice_channels_uniform.

    Like the reference, gated and FiLM matrices keep their first rows as stored (not the first
    rows of each half), so a slimmed model computes exactly what the players compute.
    """
    specs, packs = [], []
    for i, (spec, pack) in enumerate(zip(arrays, weights, strict=True)):
        ch = channels[i]
        bn = _slim_bottleneck(spec, ch)
        in_size = spec.input_size if i == 0 else channels[i - 1]
        head_size = channels[i + 1] if i + 1 < len(arrays) else spec.head_size
        new = replace(spec, input_size=in_size, channels=ch, bottleneck=bn, head_size=head_size)
        new = replace(
            new,
            layers=tuple(
                replace(
                    layer,
                    activation=layer.activation.sliced(bn),
                    secondary=layer.secondary.sliced(bn),
                )
                for layer in spec.layers
            ),
        )
        layers = []
        for layer_spec, layer in zip(new.layers, pack.layers, strict=True):
            z = new.z_channels(layer_spec)
            films = {
                key: _cut(conv, film_rows(new, key, layer_spec), spec.condition_size)
                for key, conv in layer.films.items()
            }
            layers.append(
                LayerWeights(
                    conv=_cut(layer.conv, z, ch),
                    mixin=layer.mixin[:z],
                    layer1x1=None if layer.layer1x1 is None else _cut(layer.layer1x1, ch, bn),
                    head1x1=None
                    if layer.head1x1 is None
                    else _cut(layer.head1x1, spec.head1x1_out, bn),
                    films=films,
                )
            )
        head = _cut(pack.head, head_size, new.head_out)
        specs.append(new)
        packs.append(ArrayWeights(pack.rechannel[:ch, :in_size], tuple(layers), head))
    return tuple(specs), tuple(packs)
