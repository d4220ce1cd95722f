"""How an option of the option table pays for capacity: its payment kind and the commitment pool
it draws on.

Payment kinds:

- ``pay_per_use`` (``on_demand``, ``spot``): USD/accelerator-h x accelerators x hours used (no
  pool; :mod:`gigawatt.evaluate.table_costs` prices the hours).
- ``committed`` (``reserved_1y``, ``reserved_3y``, ``contract``, ``capacity_block``): a *pool* of
  accelerators sized by the optimiser and paid whether used or not, for the longer of the horizon
  and the commitment term; workloads of the offer share it.
- ``owned``: the scenario's owned hardware, a pool of at most the owned count; the hardware is
  sunk (no capital cost), electricity is paid per kWh.
- ``purchase``: hardware bought at a user-operated venue, a pool whose per-accelerator cost is
  the annuity of the capex (net of resale value) plus maintenance and staff, for the horizon's
  share of a year (:mod:`gigawatt.models.tco`), plus electricity per kWh.
"""

from __future__ import annotations

from gigawatt.catalog import Catalog
from gigawatt.catalog.lookup import system_for
from gigawatt.catalog.schema import PRICING_FAMILY
from gigawatt.errors import InputError
from gigawatt.evaluate.economics import assumptions, unit_price_usd
from gigawatt.evaluate.screen import Option
from gigawatt.evaluate.table import Pool
from gigawatt.models import energy, tco
from gigawatt.spec import Scenario

HOURS_PER_MONTH = energy.HOURS_PER_YEAR / 12.0

PoolTerms = tuple[float | None, int | None, str]
"""(USD per accelerator over the horizon, or None when unpriced; most accelerators, or None;
note)."""


def payment_kind(pricing_model: str) -> str:
    """The pricing-model family (``pay_per_use``, ``committed``: catalog.schema.PRICING_FAMILY),
    or the pricing model itself for hardware that is not rented (``owned``, ``purchase``)."""
    return PRICING_FAMILY.get(pricing_model, pricing_model)


def pool_key(payment: str, opt: Option) -> str | None:
    """The pool an option draws on (None: pay-per-use): one per committed offer, one per
    venue/region/accelerator for owned and for purchased hardware."""
    if payment == "committed":
        return f"offer:{opt.offer}"
    if payment in ("owned", "purchase"):
        return f"{payment}:{opt.venue}:{opt.region}:{opt.accelerator}"
    return None


def make_pool(
    key: str,
    payment: str,
    opt: Option,
    usd_per_accelerator: float,
    max_count: int | None,
    note: str,
    instance_accelerators: int = 1,
) -> Pool:
    """Pool ``key`` at ``opt``'s venue, accelerator and region (and offer, for committed
    capacity), sized in whole instances of ``instance_accelerators``."""
    offer = opt.offer if payment == "committed" else None
    return Pool(
        key,
        payment,
        opt.venue,
        opt.accelerator,
        opt.region,
        offer,
        usd_per_accelerator,
        max_count,
        note,
        instance_accelerators,
    )


def committed_terms(catalog: Catalog, opt: Option, horizon_h: float) -> PoolTerms:
    """A committed offer's price for the longer of the horizon and its term [USD/accelerator]."""
    term = catalog.tables["offers"][opt.offer].get("term_months") if opt.offer else None
    term_h = float(term or 0) * HOURS_PER_MONTH
    paid_h = max(horizon_h, term_h)
    price = float(opt.price_usd_per_accel_h or 0.0)
    note = f"{price:g} USD/accelerator-h x {paid_h:,.0f} h committed"
    if term_h > horizon_h:
        note += (
            f" (the whole {float(term or 0):g}-month term is charged, though the horizon is "
            f"{horizon_h:,.0f} h)"
        )
    return price * paid_h, None, note


def owned_terms(scenario: Scenario, opt: Option) -> PoolTerms:
    """Owned hardware: free (sunk), at most the scenario's owned count at the site."""
    count = sum(
        h.count
        for h in scenario.owned_hardware
        if (h.venue, h.region, h.accelerator) == (opt.venue, opt.region, opt.accelerator)
    )
    return 0.0, count, "owned: capital cost sunk, electricity paid"


def purchase_terms(catalog: Catalog, accelerator: str, horizon_days: float) -> PoolTerms:
    """Horizon share of owning one accelerator: capex annuity net of resale + maintenance +
    staff (typical cost assumptions) [USD/accelerator]; None when it has no purchase price."""
    accel = catalog.get("accelerators", accelerator)
    try:
        price = unit_price_usd(system_for(catalog, accelerator), accel, "typical")
    except InputError:
        if accel.get("purchase_price_usd") is None:
            return None, None, f"no purchase price for {accelerator}"
        price = float(accel["purchase_price_usd"])
    a = assumptions(catalog, "typical")
    years = float(a["depreciation_years"])
    rate = float(a["cost_of_capital_fraction"])
    curve = [float(a[f"residual_{i}y_fraction"]) for i in range(1, 6)]
    capex = price + float(a["networking_capex_per_accel_usd"])
    residual = price * tco.residual_fraction(years, curve)
    yearly = tco.annualized_capex_usd(capex, residual, rate, years)
    yearly += price * float(a["maintenance_per_year_fraction"])
    yearly += float(a["staff_per_accel_year_usd"])
    share = horizon_days / 365.0
    return (
        yearly * share,
        None,
        f"capex {price:,.0f} USD + network annuity over {years:g} y at {rate:.0%}, resale, "
        "maintenance and staff (cost_assumptions typical), horizon share",
    )
