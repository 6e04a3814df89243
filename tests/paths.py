"""Where the shared fixtures live: `../shared` beside the checkout, or TONESHOOTOUT_SHARED_DIR."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TONESHOOTOUT_SHARED_DIR", REPO_ROOT.parent / "shared"))
FIXTURES = SHARED / "fixtures"
GOLDEN = FIXTURES / "nam-golden"
REAL = FIXTURES / "real"
