"""The README's example spec is a spec the engine takes, so the README stays true."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from toneshootout.engine.spec import parse_spec

README = Path(__file__).resolve().parents[3] / "README.md"


def test_the_readme_spec_example_parses() -> None:
    (example,) = re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    spec = parse_spec(tomllib.loads(example), "README.md")
    assert [b.type for b in spec.chain[0].blocks] == ["boost", "capture", "ir", "reverb"]
