"""`toneshootout demo`: generate demo material and a spec, then render it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from toneshootout.cli.render import run_and_report


def demo(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the material, spec and render.")
    ] = Path("var/demo"),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON summary, no progress bars.")
    ] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace an earlier demo render.")] = False,
) -> None:
    """Write the generated demo DIs, captures, cabinet IRs and spec, then render the shootout."""
    from toneshootout.engine.demo.material import demo_spec_toml, write_demo_material

    material_dir = out / "material"
    material = write_demo_material(material_dir)
    spec_path = material_dir / "demo.toml"
    spec_path.write_text(demo_spec_toml(material), encoding="utf-8")
    run_and_report(spec_path, out / "render", as_json=as_json, overwrite=overwrite)
    if not as_json:
        typer.echo(f"Demo material: {material_dir}\nSpec: {spec_path}\nRender: {out / 'render'}")
