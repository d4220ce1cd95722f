"""Water of electricity: the off-site water intensity of a grid from its generation mix.

The electricity water intensity factor (EWIF, L/kWh) of a grid is the generation-weighted mean of
each source's operational water consumption factor (Li, Yang, Islam and Ren, "Making AI Less
Thirsty", arXiv 2304.03271, 2023, eq. for off-site water; factors after Macknick et al., Environ.
Res. Lett. 7 045802, 2012). Consumption is water evaporated or otherwise removed from its basin,
not the (much larger, mostly returned) withdrawal.
"""

from __future__ import annotations

from collections.abc import Mapping


def ewif_l_per_kwh(
    generation_twh: Mapping[str, float], factors_l_per_kwh: Mapping[str, float]
) -> float:
    """Water consumed off-site (L) per kWh of a grid whose generation by source is
    ``generation_twh`` (TWh, any energy unit works) given each source's consumption factor
    ``factors_l_per_kwh`` (L/kWh). Sources without a factor raise KeyError; an empty or all-zero
    mix raises ValueError."""
    total = sum(generation_twh.values())
    if total <= 0:
        raise ValueError("generation mix is empty or sums to zero")
    return sum(twh * factors_l_per_kwh[src] for src, twh in generation_twh.items()) / total
