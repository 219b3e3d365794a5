from __future__ import annotations

import json
import os
from typing import Any

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TESTDATA = os.path.join(ROOT, "testdata")


def load_json(*parts: str) -> Any:
    with open(os.path.join(TESTDATA, *parts), "rb") as f:
        return json.load(f)
