"""WaveNet configs (A1 0.5.x and the 0.6/0.7 A2 options) parsed into bounded, typed specs.

Semantics follow NeuralAmpModelerCore's `wavenet::parse_config_json`: legacy `head_size` /
`head_bias` / `gated` / `kernel_size`, or their A2 forms `head`, `gating_mode`, `kernel_sizes`;
unknown layer keys are refused because they could change what the model computes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from toneshootout.engine.errors import InvalidInput, UnsupportedFeature
from toneshootout.engine.nam.activations import SIGMOID, Activation, parse_activation
from toneshootout.engine.nam.config_fields import Fields

MAX_ARRAYS = 8
MAX_LAYERS = 64
MAX_CHANNELS = 64
MAX_KERNEL = 32
MAX_DILATION = 8192
MAX_RECEPTIVE_FIELD = 65_536
FILM_KEYS = (
    "conv_pre_film",
    "conv_post_film",
    "input_mixin_pre_film",
    "input_mixin_post_film",
    "activation_pre_film",
    "activation_post_film",
    "layer1x1_post_film",
    "head1x1_post_film",
)
A1_KEYS = frozenset(
    {"input_size", "condition_size", "head_size", "channels", "kernel_size", "dilations"}
    | {"activation", "gated", "head_bias"}
)
A2_KEYS = (
    A1_KEYS
    | frozenset(FILM_KEYS)
    | frozenset(
        {"head", "bottleneck", "kernel_sizes", "gating_mode", "secondary_activation"}
        | {"groups_input", "groups_input_mixin", "layer1x1", "head1x1", "slimmable"}
    )
)
GATING_MODES = ("none", "gated", "blended")


@dataclass(frozen=True)
class Film:
    """Feature-wise modulation: x * scale(c) [+ shift(c)], from a grouped 1x1 of the condition."""

    active: bool = False
    shift: bool = True
    groups: int = 1


@dataclass(frozen=True)
class LayerSpec:
    kernel_size: int
    dilation: int
    activation: Activation
    gating: str  # one of GATING_MODES
    secondary: Activation  # the gate / blend activation; unused when gating == "none"


@dataclass(frozen=True)
class ArraySpec:
    input_size: int
    condition_size: int
    channels: int
    bottleneck: int
    head_size: int
    head_kernel: int
    head_bias: bool
    layers: tuple[LayerSpec, ...]
    groups_input: int = 1
    groups_mixin: int = 1
    layer1x1: bool = True
    layer1x1_groups: int = 1
    head1x1: bool = False
    head1x1_out: int = 0
    head1x1_groups: int = 1
    films: tuple[Film, ...] = (Film(),) * len(FILM_KEYS)
    allowed_channels: tuple[int, ...] = ()  # empty: not slimmable
    a1_layout: bool = False

    @property
    def head_out(self) -> int:
        """Rows the layers add into the head accumulator."""
        return self.head1x1_out if self.head1x1 else self.bottleneck

    def z_channels(self, layer: LayerSpec) -> int:
        return self.bottleneck if layer.gating == "none" else 2 * self.bottleneck

    def film(self, key: str) -> Film:
        return self.films[FILM_KEYS.index(key)]

    @property
    def receptive_field_extra(self) -> int:
        layers = sum((layer.kernel_size - 1) * layer.dilation for layer in self.layers)
        return layers + self.head_kernel - 1


@dataclass(frozen=True)
class PostHeadSpec:
    """The optional post-stack head: per stage, activation then a biased causal conv."""

    in_channels: int
    channels: int
    out_channels: int
    kernel_sizes: tuple[int, ...]
    activation: Activation


def _film(fields: Fields, key: str) -> Film:
    value = fields.raw(key, None)
    if value is None or value is False:
        return Film()
    film = Fields.of(value, fields.source, fields.where(key))
    film.only(frozenset({"active", "shift", "groups"}), "FiLM")
    return Film(
        active=film.boolean("active", True),
        shift=film.boolean("shift", True),
        groups=film.integer("groups", 1, MAX_CHANNELS, 1),
    )


def _per_layer(fields: Fields, key: str, count: int) -> list[Any]:
    value = fields.raw(key)
    if isinstance(value, list):
        if len(value) != count:
            raise fields.fail(key, f"has {len(value)} entries for {count} dilations")
        return value
    return [value] * count


def _gating(fields: Fields, count: int) -> list[str]:
    if fields.has("gating_mode"):
        if fields.has("gated"):
            raise fields.fail("gated", "cannot be given together with 'gating_mode'")
        modes = _per_layer(fields, "gating_mode", count)
        for mode in modes:
            if mode not in GATING_MODES:
                raise fields.fail("gating_mode", f"must be none, gated or blended, got {mode!r}")
        return [str(mode) for mode in modes]
    return ["gated" if fields.boolean("gated", False) else "none"] * count


def _layers(fields: Fields) -> tuple[LayerSpec, ...]:
    dilations = fields.int_list("dilations", 1, MAX_DILATION, MAX_LAYERS)
    count = len(dilations)
    if fields.has("kernel_size") == fields.has("kernel_sizes"):
        raise fields.fail("kernel_size", "give exactly one of 'kernel_size' and 'kernel_sizes'")
    if fields.has("kernel_sizes"):
        kernels = fields.int_list("kernel_sizes", 1, MAX_KERNEL, MAX_LAYERS)
        if len(kernels) != count:
            raise fields.fail("kernel_sizes", f"has {len(kernels)} entries for {count} dilations")
    else:
        kernels = (fields.integer("kernel_size", 1, MAX_KERNEL),) * count
    where = fields.where("activation")
    activations = [
        parse_activation(a, fields.source, where) for a in _per_layer(fields, "activation", count)
    ]
    gating = _gating(fields, count)
    secondary_raw = fields.raw("secondary_activation", None)
    specs = []
    for i in range(count):
        secondary = SIGMOID
        if gating[i] != "none" and secondary_raw is not None:
            raw = secondary_raw[i] if isinstance(secondary_raw, list) else secondary_raw
            secondary = parse_activation(raw, fields.source, fields.where("secondary_activation"))
        specs.append(LayerSpec(kernels[i], dilations[i], activations[i], gating[i], secondary))
    if isinstance(secondary_raw, list) and len(secondary_raw) != count:
        raise fields.fail("secondary_activation", f"has {len(secondary_raw)} entries for {count}")
    return tuple(specs)


def _head(fields: Fields) -> tuple[int, int, bool]:
    if fields.raw("head", None) is not None:
        head = fields.child("head")
        head.only(frozenset({"out_channels", "kernel_size", "bias"}), "head")
        size = head.integer("out_channels", 1, MAX_CHANNELS)
        if fields.has("head_size") and fields.raw("head_size") != size:
            raise fields.fail("head_size", "disagrees with 'head.out_channels'")
        return size, head.integer("kernel_size", 1, MAX_KERNEL), head.boolean("bias")
    return fields.integer("head_size", 1, MAX_CHANNELS), 1, fields.boolean("head_bias")


def _slimmable(fields: Fields, channels: int) -> tuple[int, ...]:
    if fields.raw("slimmable", None) is None:
        return ()
    slim = fields.child("slimmable")
    slim.only(frozenset({"method", "kwargs"}), "slimmable")
    if slim.raw("method") != "slice_channels_uniform":
        raise UnsupportedFeature(
            fields.source, f"'{slim.where('method')}' {slim.raw('method')!r} is not supported"
        )
    kwargs = Fields.of(slim.raw("kwargs", {}), fields.source, slim.where("kwargs"))
    kwargs.only(frozenset({"allowed_channels"}), "slimmable")
    if not kwargs.has("allowed_channels"):
        return tuple(range(1, channels + 1))
    allowed = kwargs.int_list("allowed_channels", 1, channels, MAX_CHANNELS)
    if list(allowed) != sorted(set(allowed)) or allowed[-1] != channels:
        raise kwargs.fail("allowed_channels", f"must ascend strictly and end at {channels}")
    return allowed


def parse_layer_array(fields: Fields) -> ArraySpec:
    """Parse and bound one entry of `config.layers`."""
    fields.only(A2_KEYS, "WaveNet layer")
    channels = fields.integer("channels", 1, MAX_CHANNELS)
    layer1x1 = Fields.of(fields.raw("layer1x1", {}), fields.source, fields.where("layer1x1"))
    layer1x1.only(frozenset({"active", "groups"}), "layer1x1")
    head1x1 = Fields.of(fields.raw("head1x1", {}), fields.source, fields.where("head1x1"))
    head1x1.only(frozenset({"active", "out_channels", "groups"}), "head1x1")
    head_size, head_kernel, head_bias = _head(fields)
    spec = ArraySpec(
        input_size=fields.integer("input_size", 1, MAX_CHANNELS),
        condition_size=fields.integer("condition_size", 1, MAX_CHANNELS),
        channels=channels,
        bottleneck=fields.integer("bottleneck", 1, MAX_CHANNELS, channels),
        head_size=head_size,
        head_kernel=head_kernel,
        head_bias=head_bias,
        layers=_layers(fields),
        groups_input=fields.integer("groups_input", 1, MAX_CHANNELS, 1),
        groups_mixin=fields.integer("groups_input_mixin", 1, MAX_CHANNELS, 1),
        layer1x1=layer1x1.boolean("active", True),
        layer1x1_groups=layer1x1.integer("groups", 1, MAX_CHANNELS, 1),
        head1x1=head1x1.boolean("active", False),
        head1x1_out=head1x1.integer("out_channels", 1, MAX_CHANNELS, channels),
        head1x1_groups=head1x1.integer("groups", 1, MAX_CHANNELS, 1),
        films=tuple(_film(fields, key) for key in FILM_KEYS),
        allowed_channels=_slimmable(fields, channels),
        a1_layout=set(fields.data) <= A1_KEYS and isinstance(fields.raw("activation"), str),
    )
    check_array(spec, fields)
    return spec


def _divides(groups: int, sizes: tuple[int, ...], fields: Fields, what: str) -> None:
    if any(size % groups for size in sizes):
        raise fields.fail(what, f"groups={groups} must divide the channel counts {sizes}")


def check_array(spec: ArraySpec, fields: Fields) -> None:
    """Cross-field rules the reference enforces (or would silently get wrong)."""
    if not spec.layer1x1:
        if spec.bottleneck != spec.channels:
            raise fields.fail("bottleneck", "must equal 'channels' when layer1x1 is inactive")
        if spec.film("layer1x1_post_film").active:
            raise fields.fail("layer1x1_post_film", "needs layer1x1 to be active")
    if not spec.head1x1 and spec.film("head1x1_post_film").active:
        raise fields.fail("head1x1_post_film", "needs head1x1 to be active")
    for layer in spec.layers:
        z = spec.z_channels(layer)
        _divides(spec.groups_input, (spec.channels, z), fields, "groups_input")
        _divides(spec.groups_mixin, (spec.condition_size, z), fields, "groups_input_mixin")
        layer.activation.check_channels(spec.bottleneck, fields.source, fields.where("activation"))
        layer.secondary.check_channels(spec.bottleneck, fields.source, fields.where("activation"))
    _divides(spec.layer1x1_groups, (spec.bottleneck, spec.channels), fields, "layer1x1")
    if spec.head1x1:
        _divides(spec.head1x1_groups, (spec.bottleneck, spec.head1x1_out), fields, "head1x1")
    for key, film in zip(FILM_KEYS, spec.films, strict=True):
        if film.active:
            _divides(film.groups, (spec.condition_size, *_film_dims(spec, key)), fields, key)
    if spec.allowed_channels:
        grouped = (spec.groups_input, spec.groups_mixin, spec.layer1x1_groups, spec.head1x1_groups)
        if max(grouped) > 1 or spec.head_kernel != 1:
            raise UnsupportedFeature(
                fields.source, f"'{fields.path}' slimming needs groups of 1 and a 1-tap head"
            )


def _film_dim(spec: ArraySpec, key: str, z: int) -> int:
    """Rows of one FiLM 1x1: the modulated size, times two when the FiLM also shifts."""
    dims = {
        "conv_pre_film": spec.channels,
        "conv_post_film": z,
        "input_mixin_pre_film": spec.condition_size,
        "input_mixin_post_film": z,
        "activation_pre_film": z,
        "activation_post_film": spec.bottleneck,
        "layer1x1_post_film": spec.channels,
        "head1x1_post_film": spec.head1x1_out,
    }
    return (2 if spec.film(key).shift else 1) * dims[key]


def _film_dims(spec: ArraySpec, key: str) -> tuple[int, ...]:
    return tuple(_film_dim(spec, key, spec.z_channels(layer)) for layer in spec.layers)


def film_rows(spec: ArraySpec, key: str, layer: LayerSpec) -> int:
    """Output rows of one layer's FiLM 1x1 (scale rows, then shift rows when enabled)."""
    return _film_dim(spec, key, spec.z_channels(layer))


def parse_post_head(fields: Fields, in_channels: int) -> PostHeadSpec:
    """Parse the optional WaveNet-level `head` (a small conv stack after the layer arrays)."""
    fields.only(
        frozenset({"in_channels", "channels", "out_channels", "kernel_sizes", "activation"}), "head"
    )
    if fields.raw("in_channels", None) not in (None, in_channels):
        raise fields.fail("in_channels", f"must equal the last layer's head size {in_channels}")
    return PostHeadSpec(
        in_channels=in_channels,
        channels=fields.integer("channels", 1, MAX_CHANNELS),
        out_channels=fields.integer("out_channels", 1, MAX_CHANNELS),
        kernel_sizes=fields.int_list("kernel_sizes", 1, MAX_KERNEL, 8),
        activation=parse_activation(
            fields.raw("activation"), fields.source, fields.where("activation")
        ),
    )


def chain_error(arrays: tuple[ArraySpec, ...], source: str) -> InvalidInput | None:
    """The first inconsistency between consecutive layer arrays, if any."""
    if arrays[0].input_size != 1:
        return InvalidInput(source, "'config.layers[0].input_size' must be 1 (mono input)")
    for i in range(1, len(arrays)):
        prev, cur = arrays[i - 1], arrays[i]
        if cur.input_size != prev.channels:
            return InvalidInput(
                source, f"'config.layers[{i}].input_size' must equal the previous channels"
            )
        if prev.head_size != cur.head_out or cur.channels != prev.head_size:
            return InvalidInput(
                source, f"'config.layers[{i - 1}]' head size does not fit layer array {i}"
            )
    return None
