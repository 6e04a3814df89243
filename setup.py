"""Build the native NAM inference kernel; everything else about the package is in pyproject.toml.

The kernel is compiled for the machine that builds it (`-march=native`), because the engine
builds where it runs. Set TONESHOOTOUT_NATIVE_ARCH to another `-march` value (for example
`x86-64-v3`) or to `none` for a portable build; the code is correct either way.
"""

import os
import sys
import sysconfig

from setuptools import Extension, setup  # type: ignore[import-untyped, unused-ignore]

NAM_DIR = "src/toneshootout/engine/nam"


def _compile_args() -> list[str]:
    if sys.platform == "win32" and "gcc" not in (sysconfig.get_config_var("CC") or ""):
        return ["/O2"]
    # -ffp-contract=fast: fused multiply-adds; no -ffast-math, which would reorder sums and
    # break the bit-identical output across block sizes the engine relies on.
    args = ["-O3", "-std=c11", "-ffp-contract=fast", "-fno-math-errno"]
    arch = os.environ.get("TONESHOOTOUT_NATIVE_ARCH", "native")
    if arch != "none":
        args.append(f"-march={arch}")
    return args


native = Extension(
    "toneshootout.engine.nam._native",
    sources=[
        f"{NAM_DIR}/_native.c",
        f"{NAM_DIR}/_native_wavenet.c",
        f"{NAM_DIR}/_native_wavenet_build.c",
        f"{NAM_DIR}/_native_lstm.c",
    ],
    depends=[
        f"{NAM_DIR}/_native_kernels.h",
        f"{NAM_DIR}/_native_simd.h",
        f"{NAM_DIR}/_native_wavenet.h",
    ],
    extra_compile_args=_compile_args(),
)

setup(ext_modules=[native])
