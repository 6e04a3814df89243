"""Demo content the product generates itself: DI riffs, hand-built captures, cabinet IRs."""

from toneshootout.engine.demo.cabinets import DEMO_CABINETS, synthesize_cabinet_ir
from toneshootout.engine.demo.captures import build_capture, demo_captures, write_capture
from toneshootout.engine.demo.di import synthesize_di_arpeggio, synthesize_di_riff
from toneshootout.engine.demo.material import DemoMaterial, demo_spec_toml, write_demo_material

__all__ = [
    "DEMO_CABINETS",
    "DemoMaterial",
    "build_capture",
    "demo_captures",
    "demo_spec_toml",
    "synthesize_cabinet_ir",
    "synthesize_di_arpeggio",
    "synthesize_di_riff",
    "write_capture",
    "write_demo_material",
]
