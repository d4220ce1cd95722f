"""Request path between users and a serving engine: how long a request spends outside the
accelerators before its first token reaches the user.

Three parts, all [s]:

- the straight-fibre round trip between the users' region and the serving region
  (:func:`fibre_rtt_s`, great-circle distance at 2/3 of c: a lower bound, 0 within one region
  or when a region has no coordinates);
- the access round trip of the venue's kind (``request_paths.access_rtt_s``: last mile, metro
  network and peering to the nearest site; ~20 ms to a cloud region, ~0.5 ms on site at the
  edge);
- the API front end of the venue's kind (``request_paths.front_end_s``: HTTP server, tokenise,
  schedule, stream the first token; ~9 ms for a served model, 0 for a runtime in the
  application's own process at the edge).

Figures, sources and ranges are catalog rows (``catalog/data/request_paths.csv``), one per venue
kind; a venue kind without a row is an error, never a zero.
"""

from __future__ import annotations

import math
from typing import Any

from gigawatt.catalog import Catalog
from gigawatt.errors import InputError

FIBRE_KM_PER_S = 2.0e5
"""Light in optical fibre, about 2/3 of c (refractive index ~1.47) [km/s]."""
EARTH_RADIUS_KM = 6371.0


def fibre_rtt_s(a: dict[str, Any] | None, b: dict[str, Any] | None) -> float:
    """Round trip over a straight fibre path between two regions (a lower bound) [s]."""
    if a is None or b is None or a["id"] == b["id"]:
        return 0.0
    keys = ("latitude_deg", "longitude_deg")
    if any(r.get(k) is None for r in (a, b) for k in keys):
        return 0.0
    la1, lo1, la2, lo2 = (math.radians(float(r[k])) for r in (a, b) for k in keys)
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    km = 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
    return 2.0 * km / FIBRE_KM_PER_S


def network_rtt_s(catalog: Catalog, users_region: str | None, region: str) -> float:
    """Straight-fibre round trip between users and the serving region [s] (0 when either has no
    coordinates or the users' region is not given)."""
    if users_region is None:
        return 0.0
    regions = catalog.tables["regions"]
    return fibre_rtt_s(regions.get(users_region), regions.get(region))


def request_path(catalog: Catalog, venue: str) -> dict[str, Any]:
    """The ``request_paths`` row of ``venue``'s kind (InputError when the catalog has none)."""
    kind = str(catalog.get("venues", venue, field="venue")["kind"])
    row = catalog.tables.get("request_paths", {}).get(kind)
    if row is None:
        raise InputError(
            f"no request path for venue kind {kind!r} (venue {venue}); add a row to "
            "request_paths.csv",
            where="venue",
        )
    return row


def request_path_s(catalog: Catalog, users_region: str | None, region: str, venue: str) -> float:
    """Time a request spends outside the accelerators before its first token reaches the user
    [s]: the API front end, plus, when the users' region is given, the access round trip of the
    venue's kind and the fibre round trip between the regions (module docstring)."""
    path = request_path(catalog, venue)
    front_end_s = float(path["front_end_s"])
    if users_region is None:
        return front_end_s
    access_s = float(path["access_rtt_s"])
    return front_end_s + access_s + network_rtt_s(catalog, users_region, region)
