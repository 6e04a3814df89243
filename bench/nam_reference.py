"""Time the reference `neural-amp-modeler` (PyTorch) on one `.nam` file; run by nam_kernel.py.

Runs ONLY inside the benchmark venv (bench/.venv-ref, see setup_reference.sh). It loads legacy
0.5.x files through a small config shim, then times chunked inference: each chunk is preceded by
the receptive field − 1 samples before it, so the output is the whole-file output. With
`--barrier`, it prints "ready" after loading and waits for a line on stdin, so two processes
can start timing together. Prints one JSON line: {"seconds": [...], "samples": n}.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from typing import Any

import numpy as np
import torch  # type: ignore[import-not-found, unused-ignore]
from nam.models._from_nam import init_from_nam  # type: ignore[import-not-found, unused-ignore]


def legacy_wavenet_config(config: dict[str, Any]) -> dict[str, Any]:
    """Rewrite an A1 (0.5.x) WaveNet config in the layout neural-amp-modeler 0.13 expects."""
    shimmed = copy.deepcopy(config)
    for layer in shimmed["layers"]:
        if "head" in layer:
            continue
        layer["head"] = {
            "out_channels": layer.pop("head_size"),
            "kernel_size": 1,
            "bias": layer.pop("head_bias", False),
        }
        if layer.pop("gated", False):
            layer["activation"] = {
                "name": "PairMultiply",
                "primary": layer["activation"],
                "secondary": "Sigmoid",
            }
    return shimmed


def load_model(path: str) -> Any:
    """Build the reference model from a `.nam` file (legacy WaveNet configs shimmed)."""
    with open(path) as f:
        data = json.load(f)
    if data["architecture"] == "WaveNet":
        data["config"] = legacy_wavenet_config(data["config"])
    model = init_from_nam(data)
    model.eval()
    return model


def render(model: Any, x: np.ndarray, chunk: int) -> np.ndarray:
    """Chunked inference with a receptive-field prefix per chunk (zeros before the start)."""
    prefix = max(int(model.receptive_field) - 1, 0)
    padded = torch.from_numpy(np.concatenate([np.zeros(prefix, np.float32), x]))
    outputs = []
    with torch.inference_mode():
        for start in range(0, x.size, chunk):
            stop = min(start + chunk, x.size)
            piece = padded[start : stop + prefix]
            outputs.append(model(piece, pad_start=False).numpy())
    return np.concatenate(outputs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--signal", required=True, help=".npy float32 mono")
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--stop", type=int, default=-1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=65536)
    parser.add_argument("--save", default="")
    parser.add_argument("--barrier", action="store_true")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    model = load_model(args.model)
    x = np.load(args.signal).astype(np.float32)
    x = x[args.start : (args.stop if args.stop >= 0 else x.size)]
    render(model, x[:4096], args.chunk)  # warm-up
    if args.barrier:
        print("ready", flush=True)
        sys.stdin.readline()
    seconds = []
    for _ in range(args.repeats):
        began = time.perf_counter()
        y = render(model, x, args.chunk)
        seconds.append(time.perf_counter() - began)
    if args.save:
        np.save(args.save, y)
    print(json.dumps({"seconds": seconds, "samples": int(x.size)}), flush=True)


if __name__ == "__main__":
    main()
