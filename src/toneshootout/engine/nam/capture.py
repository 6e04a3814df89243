"""The public face of `.nam` captures: load, validate, describe, and build processors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toneshootout.engine.errors import InvalidInput, UnsupportedFeature
from toneshootout.engine.nam.format import (
    MAX_FILE_BYTES,
    NamModel,
    is_finite_number,
    parse_json_strict,
    read_model,
)
from toneshootout.engine.nam.models import (
    ContainerModel,
    LstmModel,
    ModelSpec,
    WaveNetModel,
    parse_model,
    receptive_field,
    reference_for,
    slim_values,
    total_weights,
)
from toneshootout.engine.nam.params import unpack_wavenet_a1
from toneshootout.engine.nam.processor import Processor

BACKENDS = ("auto", "numpy", "native")
# Activations the native kernel implements for A1 layouts (string form, default parameters).
_NATIVE_ACTIVATIONS = frozenset({"Tanh", "ReLU", "Sigmoid", "Hardtanh", "LeakyReLU"})
_SIZE_LABELS = {(16, 8): "standard", (12, 6): "lite", (8, 4): "feather", (4, 2): "nano"}
_STANDARD_DILATIONS = (tuple(2**i for i in range(10)),) * 2
_SMALL_DILATIONS = (
    tuple(2**i for i in range(7)),
    (128, 256, 512, *(2**i for i in range(10))),
)


@dataclass(frozen=True)
class CaptureMetadata:
    """What the file says about itself: shown to users, never trusted for levels."""

    name: str | None = None
    modeled_by: str | None = None
    gear_make: str | None = None
    gear_model: str | None = None
    gear_type: str | None = None
    tone_type: str | None = None
    loudness: float | None = None
    gain: float | None = None
    input_level_dbu: float | None = None
    output_level_dbu: float | None = None
    validation_esr: float | None = None


@dataclass(frozen=True)
class CaptureInfo:
    architecture: str
    version: str
    sample_rate: int
    weight_count: int
    receptive_field: int  # 0 when unbounded (LSTM)
    size_label: str | None  # standard / lite / feather / nano for A1 WaveNets
    slim_values: tuple[float, ...]  # empty when not slimmable
    metadata: CaptureMetadata


def _text(meta: Mapping[str, Any], key: str) -> str | None:
    value = meta.get(key)
    return value if isinstance(value, str) else None


def _number(meta: Mapping[str, Any], key: str) -> float | None:
    value: Any = meta.get(key)
    if not is_finite_number(value):
        return None
    return float(value)


def _metadata(meta: Mapping[str, Any]) -> CaptureMetadata:
    training = meta.get("training")
    return CaptureMetadata(
        name=_text(meta, "name"),
        modeled_by=_text(meta, "modeled_by"),
        gear_make=_text(meta, "gear_make"),
        gear_model=_text(meta, "gear_model"),
        gear_type=_text(meta, "gear_type"),
        tone_type=_text(meta, "tone_type"),
        loudness=_number(meta, "loudness"),
        gain=_number(meta, "gain"),
        input_level_dbu=_number(meta, "input_level_dbu"),
        output_level_dbu=_number(meta, "output_level_dbu"),
        validation_esr=_number(training, "validation_esr") if isinstance(training, dict) else None,
    )


def _size_label(spec: ModelSpec) -> str | None:
    if not isinstance(spec, WaveNetModel) or len(spec.arrays) != 2:
        return None
    arrays = spec.arrays
    if not all(a.a1_layout for a in arrays) or spec.condition is not None:
        return None
    layers = [layer for a in arrays for layer in a.layers]
    plain = all(
        layer.kernel_size == 3 and layer.gating == "none" and layer.activation.name == "Tanh"
        for layer in layers
    )
    label = _SIZE_LABELS.get((arrays[0].channels, arrays[1].channels))
    dilations = tuple(tuple(layer.dilation for layer in a.layers) for a in arrays)
    expected = _STANDARD_DILATIONS if label == "standard" else _SMALL_DILATIONS
    shaped = arrays[0].head_size == arrays[1].channels and arrays[1].head_size == 1
    return label if plain and shaped and dilations == expected else None


def _native_eligible(model: NamModel, spec: ModelSpec, slim: float | None) -> bool:
    """LSTMs, and WaveNets in the plain A1 layout that `WaveNetParams` describes exactly."""
    if isinstance(spec, LstmModel):
        return True
    if not isinstance(spec, WaveNetModel):
        return False
    full = spec.channels_for(slim) == tuple(a.channels for a in spec.arrays)
    if not full or spec.condition is not None or spec.post_head is not None:
        return False
    if not all(a.a1_layout for a in spec.arrays):
        return False
    # A1 layouts name activations as strings; the kernel receives them as written.
    return {layer["activation"] for layer in model.config["layers"]} <= _NATIVE_ACTIVATIONS


def _native(model: NamModel, spec: ModelSpec, source: str) -> Processor | None:
    """The native processor when it applies, else None; ImportError when it is not built."""
    from toneshootout.engine.nam import native  # noqa: PLC0415 - optional C extension

    if isinstance(spec, LstmModel):
        return native.native_lstm(spec.params)
    if isinstance(spec, WaveNetModel):
        return native.native_wavenet(unpack_wavenet_a1(model.config, model.weights, source))
    return None


class Capture:
    """A validated capture; picklable, so it can be sent to worker processes."""

    def __init__(self, model: NamModel, spec: ModelSpec, source: str) -> None:
        self._model = model
        self._spec = spec
        self._source = source
        self.info = CaptureInfo(
            architecture=model.architecture,
            version=model.version,
            sample_rate=model.sample_rate,
            weight_count=total_weights(spec),
            receptive_field=receptive_field(spec),
            size_label=_size_label(spec),
            slim_values=slim_values(spec),
            metadata=_metadata(self._display_metadata()),
        )

    def _display_metadata(self) -> Mapping[str, Any]:
        if not isinstance(self._spec, ContainerModel):
            return self._model.metadata
        # Containers often carry little metadata; the full model's fills the gaps.
        full = self._model.config["submodels"][-1]["model"].get("metadata") or {}
        return {**full, **self._model.metadata}

    def _chosen(self, slim: float | None) -> tuple[NamModel, ModelSpec]:
        if not isinstance(self._spec, ContainerModel):
            return self._model, self._spec
        index = self._spec.index_for(slim)
        document = self._model.config["submodels"][index]["model"]
        return read_model(document, self._source, 1), self._spec.submodels[index]

    def processor(self, slim: float | None = None, backend: str = "auto") -> Processor:
        """A fresh processor at `slim` (0–1, None = full model) on the chosen backend."""
        if backend not in BACKENDS:
            raise InvalidInput("backend", f"{backend!r} is not one of {', '.join(BACKENDS)}")
        if slim is not None and not (isinstance(slim, float | int) and 0.0 <= slim <= 1.0):
            raise InvalidInput("slim", f"must be a number from 0 to 1, got {slim!r}")
        model, spec = self._chosen(slim)
        # A container's slim value picks the submodel, which then runs at full size.
        inner_slim = None if isinstance(self._spec, ContainerModel) else slim
        if backend != "numpy" and _native_eligible(model, spec, inner_slim):
            try:
                native = _native(model, spec, self._source)
            except ImportError:
                if backend == "native":
                    raise UnsupportedFeature("backend", "the native kernel is not built") from None
            else:
                if native is not None:
                    return native
        elif backend == "native":
            raise UnsupportedFeature(
                self._source, "the native kernel runs only A1 WaveNets and LSTMs"
            )
        return reference_for(spec, inner_slim)


def parse_capture(data: bytes, source: str) -> Capture:
    """Validate a `.nam` file's bytes completely and return the capture."""
    model = read_model(parse_json_strict(data, source), source)
    return Capture(model, parse_model(model, source), source)


def load_capture(path: Path) -> Capture:
    """Read and validate a `.nam` file, refusing oversize files before reading them."""
    source = path.name
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InvalidInput(source, f"file is {size} bytes; the limit is {MAX_FILE_BYTES}")
        with path.open("rb") as handle:
            # Read at most one byte past the cap: the file may grow between stat and read.
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InvalidInput(source, f"cannot read the file: {exc.strerror}") from None
    return parse_capture(data, source)


def build_processor(capture: Capture, slim: float | None) -> Processor:
    """Build a capture's processor; module-level so worker processes can unpickle a partial."""
    return capture.processor(slim)
