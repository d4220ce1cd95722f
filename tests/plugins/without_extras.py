"""pytest plugin: run the suite as if the optional extras were not installed.

``PYTHONPATH=tests/plugins python -m pytest -p without_extras`` makes ``import matplotlib``,
``import scipy`` and ``import highspy`` fail (``gigawatt[report]`` and ``gigawatt[plan]``
missing), so CI checks that every test needing an extra skips, or takes the fallback path,
without it.
"""

import sys

for _name in (
    "matplotlib",
    "matplotlib.pyplot",
    "scipy",
    "scipy.optimize",
    "scipy.sparse",
    "highspy",
):
    sys.modules[_name] = None  # type: ignore[assignment]
