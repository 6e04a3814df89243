"""Keep docs/BENCHMARKS.md as sections, each rewritten whole by the script that measures it."""

from __future__ import annotations

import os
import re
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "docs" / "BENCHMARKS.md"
HEADER = (
    "# Benchmarks\n\n"
    "Every section is written by the script named in it; re-run that command to reproduce it.\n"
    "The machine is shared and noisy: figures are medians, and comparisons are measured side by\n"
    "side in one run.\n"
)


def update_section(name: str, body: str, path: Path = BENCHMARKS) -> None:
    """Replace (or append) the section delimited by markers named `name`."""
    start, end = f"<!-- section:{name} -->", f"<!-- /section:{name} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    text = (
        pattern.sub(lambda _: block, text)
        if pattern.search(text)
        else f"{text.rstrip()}\n\n{block}\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def machine_line() -> str:
    """The CPU this was measured on (the sessions' CPUs differ up to 3×) and how busy it was."""
    model, flags = "unknown CPU", set()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
    vector = [f for f in ("avx2", "fma", "avx512f") if f in flags]
    load = os.getloadavg()[0]
    return (
        f"Machine: {model} ({'+'.join(vector) or 'no AVX2'}), {os.cpu_count()} cores, "
        f"1-minute load average {load:.1f} at the end."
    )
