"""Seed conformance: the source articles' claims (../shared/design/SEED-CLAIMS.md) put to the
planner as scenarios whose inputs match each claim (examples/seed/), and a holdout of scenarios of
the same kind with other numbers (tests/fixtures/seed_holdout/) to test generalisation.

Each test asserts the articles' answer where the planner reaches it, or the precise reason it
does not (a catalog figure outside the article's range, a modelling rule), as relations that follow
from the inputs: a venue kind (catalog ``venues.kind``), a payment kind, a saving against an
explicit baseline computed here from the option table ("all hyperscaler on-demand": per workload
the cheapest hyperscaler on-demand option that meets its SLO, alone, ignoring offer capacity, as
the articles compare). No expected cost is hard-coded. What each scenario answered, with figures:
docs/models/seed-conformance.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from gigawatt.catalog import Catalog, load_catalog
from gigawatt.catalog.lookup import system_for, system_power_kw
from gigawatt.errors import InputError
from gigawatt.evaluate.network import request_path_s
from gigawatt.evaluate.screen import WorkloadScreen, screen_scenario
from gigawatt.evaluate.table import OptionTable, TableOption
from gigawatt.evaluate.table_pools import HOURS_PER_MONTH, payment_kind, purchase_terms
from gigawatt.optimize.plan import PlanResult, plan_scenario
from gigawatt.spec import Scenario, check_scenario_refs, parse_scenario
from gigawatt.spec.loading import read_yaml

pytest.importorskip("scipy")

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "examples" / "seed"
HOLDOUT = REPO / "tests" / "fixtures" / "seed_holdout"
COMMITTED = ("committed", "purchase")
USER_OPERATED = ("colocation", "onprem", "edge")


# --- planning the scenarios -----------------------------------------------------------------


@cache
def catalog() -> Catalog:
    """The bundled catalog (loaded once)."""
    return load_catalog()


def kind(venue: str) -> str:
    """The catalog kind of ``venue`` (hyperscaler, neocloud, colocation, onprem, edge)."""
    return str(catalog().get("venues", venue)["kind"])


def scenario(path: Path, drop_kinds: tuple[str, ...] = (), **edits: Any) -> Scenario:
    """The scenario of ``path`` without candidate venues of ``drop_kinds``; ``edits`` replace
    fields of its first workload."""
    data, _ = read_yaml(path)
    if drop_kinds:
        data["venues"] = [v for v in data["venues"] if kind(v) not in drop_kinds]
    data["workloads"][0].update(edits)
    return parse_scenario(data, source=str(path))


_PLANS: dict[str, tuple[Scenario, PlanResult]] = {}


def plan(path: Path, drop_kinds: tuple[str, ...] = (), **edits: Any) -> tuple[Scenario, PlanResult]:
    """The scenario and its plan (objective as the file says, explanations off; computed once
    per session); the checker must accept every plan."""
    key = repr((path, drop_kinds, sorted(edits.items())))
    if key not in _PLANS:
        spec = scenario(path, drop_kinds, **edits)
        result = plan_scenario(spec, catalog(), explain=False)
        if result.feasible:
            assert result.check["ok"], result.check["violations"]
        _PLANS[key] = (spec, result)
    return _PLANS[key]


def rows(result: PlanResult) -> list[dict[str, Any]]:
    """The plan's assignments (a plan must exist)."""
    assert result.feasible, result.infeasibility
    return result.assignments


def options(table: OptionTable, workload: str) -> list[TableOption]:
    """The feasible options of ``workload``."""
    return [o for o in table.options if o.workload == workload]


# --- baselines and rates --------------------------------------------------------------------


def hyperscaler_on_demand(table: OptionTable) -> dict[str, TableOption]:
    """Per workload, the hyperscaler on-demand option that costs least alone (meets its SLO;
    offer capacity ignored, as the articles' comparison does)."""
    best: dict[str, TableOption] = {}
    for o in table.options:
        if kind(o.venue) != "hyperscaler" or o.pricing_model != "on_demand":
            continue
        if o.workload not in best or table.alone_cost_usd(o) < table.alone_cost_usd(
            best[o.workload]
        ):
            best[o.workload] = o
    return best


def baseline_usd(table: OptionTable) -> float:
    """Cost of the all-hyperscaler-on-demand baseline over the horizon [USD]."""
    best = hyperscaler_on_demand(table)
    assert set(best) == set(table.workloads), "a workload has no hyperscaler on-demand option"
    return sum(table.alone_cost_usd(o) for o in best.values())


def saving(result: PlanResult) -> float:
    """Saving of the plan against the all-hyperscaler-on-demand baseline [fraction]."""
    return 1.0 - float(result.total_cost_usd or math.inf) / baseline_usd(result.table)


def committed_usd_per_accel_h(result: PlanResult) -> float:
    """Fully loaded cost of the plan's committed and bought capacity per accelerator-hour held
    [USD/accelerator-h]: what it pays for them (pools, electricity) over pool size x horizon."""
    paid = sum(r["cost_usd"] for r in rows(result) if payment_kind(r["pricing_model"]) in COMMITTED)
    held = sum(p["accelerators"] for p in result.pools)
    return paid / (held * result.table.horizon_days * 24.0)


def colo_fee_usd_per_accel_h(venue: str, accelerator: str) -> float:
    """The colocation fee of ``venue`` for one accelerator of its system [USD/accelerator-h]:
    ``colo_power_usd_per_kw_month`` on the system's maximum IT power."""
    cat = catalog()
    system = system_for(cat, accelerator)
    kw = system_power_kw(system, cat.get("accelerators", accelerator))[1]
    fee = float(cat.get("venues", venue)["colo_power_usd_per_kw_month"] or 0.0)
    return fee * kw / float(system["accelerators_per_system"]) / HOURS_PER_MONTH


def catalog_prices(venues: list[str], accelerator: str, pricing: str) -> list[float]:
    """Catalog prices of ``accelerator`` at hyperscalers among ``venues`` [USD/accelerator-h]."""
    return [
        float(r["price_usd_per_accel_h"])
        for r in catalog().rows("offers")
        if r["venue"] in venues
        and kind(r["venue"]) == "hyperscaler"
        and r["accelerator"] == accelerator
        and r["pricing_model"] == pricing
    ]


def reservation_cuts(venues: list[str]) -> list[float]:
    """1 - (1-year reserved price / on-demand price) of every reserved_1y offer of ``venues``
    with an on-demand offer of the same venue, accelerator and region [fraction]."""
    offers = catalog().rows("offers")
    on_demand = {
        (r["venue"], r["accelerator"], r["region"]): float(r["price_usd_per_accel_h"])
        for r in offers
        if r["pricing_model"] == "on_demand"
    }
    keys = [
        ((r["venue"], r["accelerator"], r["region"]), float(r["price_usd_per_accel_h"]))
        for r in offers
        if r["pricing_model"] == "reserved_1y" and r["venue"] in venues
    ]
    return [1.0 - price / on_demand[key] for key, price in keys if key in on_demand]


def capacity(table: OptionTable, offer: str | None) -> float:
    """The offer's capacity limit in the table [accelerators] (inf: none, or not rented)."""
    key = f"offers[{offer}].max_accelerators"
    return next((c.limit for c in table.accelerator_caps if c.key == key), math.inf)


# --- claim checks shared by the seed scenarios and the holdout ------------------------------


def check_sustained_inference(result: PlanResult) -> float:
    """Claims (b), (h): sustained high-volume inference runs on colocation or a dedicated GPU
    cloud, on committed or bought capacity, at least 40 % below all-hyperscaler on-demand;
    returns the saving."""
    for r in rows(result):
        assert kind(r["venue"]) in ("colocation", "neocloud"), r
        assert payment_kind(r["pricing_model"]) in COMMITTED, r
    s = saving(result)
    assert s >= 0.40, s
    return s


def check_low_latency(spec: Scenario, result: PlanResult) -> None:
    """Claims (c), (e): under a latency below the cloud's request path, the workload runs at the
    edge (on-prem if its path allowed); every option elsewhere is rejected because its request
    path alone uses the SLO, so cost never decided it."""
    workload = spec.workloads[0]
    slo_s = workload.slo.p95_ttft_s
    assert slo_s is not None
    users = workload.users_region
    for r in rows(result):
        assert kind(r["venue"]) in ("edge", "onprem"), r
        assert request_path_s(catalog(), users, r["region"], r["venue"]) < slo_s
    elsewhere = [o for o in result.table.rejected if kind(o.venue) not in ("edge",)]
    assert elsewhere
    for o in elsewhere:
        if o.pricing_model == "spot" or "purchase price" in o.detail:
            continue  # rejected before latency: spot for serving, hardware without a price
        assert request_path_s(catalog(), users, o.region, o.venue) >= slo_s, o.detail
    assert all(kind(o.venue) == "edge" for o in result.table.options)


def edge_screen(spec: Scenario) -> tuple[WorkloadScreen, list[dict[str, Any]]]:
    """The screen of the first workload and the edge-class devices the edge venue sells."""
    devices = [a for a in catalog().rows("accelerators") if "edge" in (a["device_class"] or [])]
    return screen_scenario(spec, catalog())[0], devices


def check_edge_memory(spec: Scenario, result: PlanResult) -> None:
    """Claim (g): a model whose state exceeds every edge device's memory never runs at the edge;
    each device is excluded with a memory reason (state > device memory), before any cost."""
    screen, devices = edge_screen(spec)
    assert all(screen.model_state_gib > d["memory_gib"] for d in devices)
    for d in devices:
        assert any(k.startswith("memory") and f"{d['id']} has" in k for k in screen.excluded), (
            screen.excluded
        )
    assert not [r for r in rows(result) if kind(r["venue"]) == "edge"]
    assert not [o for o in result.table.options if kind(o.venue) == "edge"]


def break_even_share(table: OptionTable, workload: str) -> float:
    """Share of the hours below which renting a slice of ``workload``'s peak costs less than
    committing for it: the cheapest committed option's cost of holding the peak all horizon
    over the cheapest pay-per-use option's cost of carrying it every hour (electricity of a
    bought slice counted for the hours it runs)."""
    opts = options(table, workload)

    def commit(o: TableOption) -> float:
        return table.pools[o.pool].usd_per_accelerator * o.unit_accelerators * o.units_needed

    rent = min(o.usage_usd_per_unit * o.units_needed for o in opts if o.pool is None)
    pooled = [o for o in opts if o.pool is not None]
    return min(commit(o) / (rent - o.usage_usd_per_unit * o.units_needed) for o in pooled)


def rented_slice(table: OptionTable, workload: str) -> float:
    """The slice of the peak [fraction] present in fewer hours than the break-even share: the
    part the break-even rule rents (0: none)."""
    levels = table.levels_of(table.workloads.index(workload))
    share, cut = break_even_share(table, workload), 1.0
    above = 0.0
    for k in range(len(levels.values)):
        above += levels.hours_share[k]
        if above >= share:
            break
        cut = levels.values[k + 1] if k + 1 < len(levels.values) else 0.0
    return 1.0 - cut


def check_hybrid(result: PlanResult) -> bool:
    """Claim (i): a profiled service keeps committed capacity for its base; its peak is rented
    exactly when the break-even rule rents a slice of at least one commitment unit (instance or
    system of the cheapest committed option), and rented capacity runs fewer hours than the
    break-even share. Returns whether the hybrid emerged."""
    table = result.table
    workload = table.workloads[0]
    plan_rows = rows(result)
    assert any(payment_kind(r["pricing_model"]) in COMMITTED for r in plan_rows)
    rented = [r for r in plan_rows if payment_kind(r["pricing_model"]) == "pay_per_use"]
    share = break_even_share(table, workload)
    for r in rented:
        assert r["mean_count"] / r["count"] <= share, (r, share)
    pooled = min(
        (o for o in options(table, workload) if o.pool is not None),
        key=lambda o: table.alone_cost_usd(o),
    )
    peak_accelerators = pooled.units_needed * pooled.unit_accelerators
    unit = table.pools[str(pooled.pool)].instance_accelerators
    if rented_slice(table, workload) * peak_accelerators >= unit:
        assert rented, (rented_slice(table, workload), peak_accelerators, unit)
    return bool(rented)


# --- the seed claims ------------------------------------------------------------------------


def test_a_training_buys_when_it_may_else_rents_committed_capacity() -> None:
    """(a) Large-model training -> hyperscaler. The planner buys hardware (a purchase is
    charged the horizon's share of a year of ownership: no hardware risk, no minimum holding);
    with rentals only it takes committed GPU-cloud capacity, because the job is larger than any
    hyperscaler pay-per-use offer's capacity and every hyperscaler option that can hold it
    costs more."""
    path = SEED / "a-training.yaml"
    _, result = plan(path)
    horizon = result.table.horizon_days
    for r in rows(result):
        assert (kind(r["venue"]), r["pricing_model"]) == ("colocation", "purchase")
        pool = result.table.pools[r["pool"]]
        yearly = purchase_terms(catalog(), r["accelerator"], 365.0)[0]
        assert yearly is not None
        assert pool.usd_per_accelerator == pytest.approx(yearly * horizon / 365.0)
        capex = float(catalog().get("accelerators", r["accelerator"])["purchase_price_usd"])
        assert pool.usd_per_accelerator < 0.25 * capex  # the capital is not at risk
    _, rented = plan(path, USER_OPERATED)
    (row,) = rows(rented)
    table = rented.table
    assert payment_kind(row["pricing_model"]) == "committed"
    if kind(row["venue"]) != "hyperscaler":
        for o in table.options:
            if kind(o.venue) == "hyperscaler" and o.payment == "pay_per_use":
                assert o.accelerators > capacity(table, o.offer), o.offer
        holding = [
            o
            for o in table.options
            if kind(o.venue) == "hyperscaler" and o.accelerators <= capacity(table, o.offer)
        ]
        assert holding and min(table.alone_cost_usd(o) for o in holding) > float(
            rented.total_cost_usd or 0.0
        )


def test_a_frontier_training_on_dedicated_hardware() -> None:
    """(a) At frontier scale -> a dedicated AI datacenter. Agrees: the job is never split, and
    no rented offer's capacity holds it on any accelerator, so only bought hardware can."""
    _, result = plan(SEED / "a-frontier-training.yaml")
    for r in rows(result):
        assert kind(r["venue"]) in ("onprem", "colocation") and r["pricing_model"] == "purchase"
    table = result.table
    rented = [o for o in table.options if o.pool is None or o.payment == "committed"]
    assert rented and all(o.accelerators > capacity(table, o.offer) for o in rented)


def test_a_h100_prices_against_the_article() -> None:
    """(a) "$5-7 spot, $8-12 on demand" for an H100: the catalog's hyperscaler prices among the
    scenario's venues straddle the on-demand range and undercut the spot range (data wins)."""
    spec, _ = plan(SEED / "a-training.yaml")
    venues = list(spec.venues or [])
    on_demand = catalog_prices(venues, "h100-sxm", "on_demand")
    spot = catalog_prices(venues, "h100-sxm", "spot")
    assert min(on_demand) < 8.0 <= max(on_demand)  # AWS after its 2025 cut; GCP inside
    assert min(spot) < 5.0  # AWS spot; the article's 5-7 is above every hyperscaler but GCP


def test_b_sustained_inference_on_colocation() -> None:
    """(b) Sustained high-volume inference -> colocation / dedicated GPU cloud, 40-60 % below
    on-demand cloud. Agrees on the place; the saving is larger because the catalog's owned H100
    (fully loaded, even with the colocation fee the plan omits) is below the article's
    $2.50-3.50 and the cheapest hyperscaler H100 on demand is below its $8-12."""
    _, result = plan(SEED / "b-sustained-inference.yaml")
    s = check_sustained_inference(result)
    if s > 0.60:
        rate = committed_usd_per_accel_h(result)
        (row,) = {(r["venue"], r["accelerator"]) for r in rows(result)}
        assert rate + colo_fee_usd_per_accel_h(*row) < 2.50, rate
        base = hyperscaler_on_demand(result.table)["chat-api"]
        assert float(base.price_usd_per_accel_h or 0.0) < 8.0
        assert rate / float(base.price_usd_per_accel_h or math.inf) < 0.40


def test_b_plan_charges_no_colocation_fee() -> None:
    """The plan prices hardware bought into colocation like on-prem hardware: the pool's cost
    does not depend on the venue, so the venue's colo_power_usd_per_kw_month is not charged
    (``gigawatt tco`` charges it). Reported in docs/models/seed-conformance.md."""
    _, result = plan(SEED / "b-sustained-inference.yaml")
    for r in rows(result):
        pool = result.table.pools[r["pool"]]
        assert pool.venue == "colo-generic-us"
        terms = purchase_terms(catalog(), pool.accelerator, result.table.horizon_days)[0]
        assert pool.usd_per_accelerator == pytest.approx(terms)
        assert colo_fee_usd_per_accel_h(pool.venue, pool.accelerator) > 0.1


def test_c_low_latency_runs_at_the_edge_not_on_prem() -> None:
    """(c) Under 10 ms -> on-prem or edge. The planner answers edge; on-prem misses the SLO on
    its request path alone (the catalog's on-prem path is the cloud's: users reach the site over
    the public access network; users on site are the edge venue)."""
    spec, result = plan(SEED / "c-low-latency.yaml")
    check_low_latency(spec, result)
    slo_s = spec.workloads[0].slo.p95_ttft_s
    assert slo_s is not None
    assert request_path_s(catalog(), "us", "us", "onprem") >= slo_s
    assert request_path_s(catalog(), "us", "us", "edge") < slo_s


def test_d_experiments_on_hyperscaler_spot() -> None:
    """(d) Fine-tuning / experimentation -> hyperscaler spot, a 60-80 % discount. Agrees; the
    article's $2-5 for spot H100 is above the catalog's cheapest hyperscaler H100 spot."""
    spec, result = plan(SEED / "d-finetune-experiments.yaml")
    for r in rows(result):
        assert (kind(r["venue"]), r["pricing_model"]) == ("hyperscaler", "spot"), r
    assert 0.60 <= saving(result) <= 0.80
    assert min(catalog_prices(list(spec.venues or []), "h100-sxm", "spot")) < 2.0


def test_e_robotics_on_edge_hardware() -> None:
    """(e) Robotics under 5 ms -> edge hardware (Orin class), no network dependency."""
    spec, result = plan(SEED / "e-robotics-edge.yaml")
    check_low_latency(spec, result)
    for r in rows(result):
        device = catalog().get("accelerators", r["accelerator"])
        assert device["device_class"] == ["edge"], device["id"]  # a module, not a card
        assert kind(r["venue"]) == "edge"


def test_f_recurring_training_on_committed_capacity() -> None:
    """(f) Recurring production training -> reserved or dedicated GPU cloud; 1-year commits cut
    on-demand by 30-40 %. The planner commits (buys, when it may); with rentals only it takes a
    committed offer; the catalog's 1-year reservations are 40 % below on demand."""
    path = SEED / "f-recurring-training.yaml"
    spec, result = plan(path)
    assert all(payment_kind(r["pricing_model"]) in COMMITTED for r in rows(result))
    _, rented = plan(path, USER_OPERATED)
    for r in rows(rented):
        assert payment_kind(r["pricing_model"]) == "committed"
        assert kind(r["venue"]) in ("hyperscaler", "neocloud")
    cuts = reservation_cuts(list(spec.venues or []))
    assert cuts and all(0.30 <= c <= 0.40 + 1e-9 for c in cuts), cuts


def test_g_edge_is_wrong_for_a_70b_model() -> None:
    """(g) Edge is wrong when the model exceeds device memory (70B+). Holds at 8 and 16 bits; at
    int4 a 70B model's weights fit a 64 GiB Jetson AGX Orin, and then latency rules it out."""
    path = SEED / "g-edge-memory.yaml"
    spec, result = plan(path)
    check_edge_memory(spec, result)
    small = scenario(path, precision="int4")
    screen, devices = edge_screen(small)
    fits = [d["id"] for d in devices if screen.model_state_gib <= d["memory_gib"]]
    assert fits == ["jetson-agx-orin"]
    _, int4 = plan(path, precision="int4")
    assert not [r for r in rows(int4) if kind(r["venue"]) == "edge"]
    assert any(o.venue == "edge" and not o.slo_met for o in int4.table.rejected)


def test_h_one_million_a_month_of_inference() -> None:
    """(h) At 1 M USD/month of inference, colocation saves 400-500 k USD/month vs on demand.
    The scenario's baseline is about 1 M USD/month; the saving is larger because the catalog's
    owned accelerator-hour costs less than half the cheapest hyperscaler on-demand one."""
    _, result = plan(SEED / "h-inference-1m-month.yaml")
    months = result.table.horizon_days / 365.0 * 12.0
    base = baseline_usd(result.table) / months
    assert 0.8e6 <= base <= 1.25e6, base  # the claim's condition
    check_sustained_inference(result)
    saved = base - float(result.total_cost_usd or 0.0) / months
    if not 400e3 <= saved <= 500e3:
        assert saved > 500e3
        best = hyperscaler_on_demand(result.table)["bulk-api"]
        ratio = committed_usd_per_accel_h(result) / float(best.price_usd_per_accel_h or math.inf)
        assert ratio < 0.5, ratio


def test_i_hybrid_steady_base_committed_bursts_rented() -> None:
    """(i) Steady load on committed capacity, bursts on cloud: the bursty service holds a
    colocation base and rents its bursts; the same mean rate held steady rents nothing."""
    path = SEED / "i-hybrid-bursty.yaml"
    _, result = plan(path)
    assert check_hybrid(result)
    assert rented_slice(result.table, "assistant") > 0.5
    _, steady = plan(path, load={"shape": "steady"})
    assert all(payment_kind(r["pricing_model"]) in COMMITTED for r in rows(steady))


def test_j_token_priced_services_are_weighed_against_self_hosting() -> None:
    """(j) Self-hosting vs token-priced AI services (issue 19). Services are weighed by default:
    the one service among the scenario's candidate venues (Bedrock, at aws) is weighed and the
    explanation gives the volumes where each side wins for sure; at this volume a bought H100
    costs less than Bedrock's 0.22 USD/1M tokens. With ``per_token_services: false`` the planner
    self-hosts without weighing any. Adding Groq (0.05/0.08 USD per 1M tokens) to the venues
    answers the claim for the platform it names: the whole assistant moves to the service. A venue
    that is not in the catalog stays an input error."""
    spec = scenario(SEED / "j-ai-services.yaml")
    weighed = plan_scenario(spec, catalog())
    assert weighed.check["ok"], weighed.check["violations"]
    for r in rows(weighed):
        assert r["count"] > 0 and r["accelerator"]
    services = {o.offer for o in weighed.table.options if o.payment == "service"}
    assert services == {"bedrock-llama-3.1-8b"}
    why = weighed.explanations["rag-assistant"]
    assert "per-token bedrock-llama-3.1-8b" in why and "(break-even)" in why
    assert "so self-hosting is cheaper at this volume" in why
    alone = plan_scenario(spec.model_copy(update={"per_token_services": False}), catalog())
    assert not [o for o in alone.table.options if o.payment == "service"]
    assert alone.total_cost_usd == pytest.approx(weighed.total_cost_usd)
    groq = spec.model_copy(update={"venues": [*(spec.venues or []), "groq"]})
    fast = plan_scenario(groq, catalog())
    assert fast.check["ok"], fast.check["violations"]
    assert [(r["offer"], r["share"]) for r in rows(fast)] == [("groq-llama-3.1-8b", 1.0)]
    assert "so the service is cheaper at this volume" in fast.explanations["rag-assistant"]
    assert float(fast.total_cost_usd or 0.0) < float(weighed.total_cost_usd or 0.0)
    bad = spec.model_copy(update={"venues": [*(spec.venues or []), "cerebras"]})
    with pytest.raises(InputError, match="venues"):
        check_scenario_refs(bad, catalog())


# --- holdout: the same claims on scenarios kept aside -----------------------------------------

HOLDOUT_CHECKS: dict[str, Callable[[Scenario, PlanResult], object]] = {
    "sustained-inference-eu": lambda _, result: check_sustained_inference(result),
    "low-latency-de": check_low_latency,
    "edge-memory-72b": check_edge_memory,
    "hybrid-weekly": lambda _, result: check_hybrid(result),
}


def test_holdout_set_is_complete() -> None:
    """Every holdout scenario has a claim check, and every check a scenario."""
    assert sorted(p.stem for p in HOLDOUT.glob("*.yaml")) == sorted(HOLDOUT_CHECKS)


@pytest.mark.parametrize("name", sorted(HOLDOUT_CHECKS))
def test_holdout_claims_hold(name: str) -> None:
    """The shared rule of the holdout scenario's claim holds on its plan."""
    spec, result = plan(HOLDOUT / f"{name}.yaml")
    HOLDOUT_CHECKS[name](spec, result)
