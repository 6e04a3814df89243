"""Keep docs/BENCHMARKS.md as sections, each rewritten whole by the script that measures it."""

from __future__ import annotations

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
