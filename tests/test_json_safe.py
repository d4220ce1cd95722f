"""One JSON-safety rule for every ``--json`` output."""

from __future__ import annotations

import json
import math

import numpy as np

from gigawatt.json_safe import json_safe


def test_nan_inf_numpy_and_tuples_become_plain_json() -> None:
    raw = {1: (math.nan, np.float64(2.5), [math.inf, np.int64(3)]), "x": "s"}
    out = json_safe(raw)
    assert out == {"1": [None, 2.5, [None, 3]], "x": "s"}
    text = json.dumps(out, allow_nan=False)  # raises on NaN/inf
    assert "NaN" not in text and "Infinity" not in text
