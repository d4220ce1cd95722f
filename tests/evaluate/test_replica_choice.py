"""Replica sizing, one rule for ``gigawatt infer`` and the plan's option table: the layouts tried,
the choice for a load (the fewest accelerators for the peak, not only the most efficient replica
per request/s: an edge site must not get a 2-device replica it cannot power), agreement of the
two surfaces and independence of the needed count from ``--count``."""

from __future__ import annotations

from pathlib import Path

import pytest

from gigawatt.catalog import Catalog, load_catalog
from gigawatt.evaluate.inference import InferenceRequest, plan_inference
from gigawatt.evaluate.replicas import ServingCache, ServingSetup
from gigawatt.evaluate.resolve import model_architecture
from gigawatt.evaluate.table_build import build_option_table
from gigawatt.models import inference as inf
from gigawatt.models.sizing import Layout, ReplicaRate, choose_replicas, layout_ladder
from gigawatt.optimize.plan import plan_scenario
from gigawatt.spec import load_scenario, parse_scenario

EDGE = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "edge.yaml"
ONE, TWO, FOUR = Layout(1, 1), Layout(2, 2), Layout(4, 4)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(use_env=False)


def _choose(
    rates: dict[Layout, tuple[float, float]], peak: float | None
) -> tuple[Layout, int] | None:
    """Choice among layouts of (rate at SLO, offline rate) per replica; (layout, replicas)."""
    asked: list[Layout] = []

    def rate_at_slo(layout: Layout) -> ReplicaRate:
        asked.append(layout)
        return ReplicaRate(layout, layout.tp, *rates[layout])

    cands = [(lay, lay.tp, off) for lay, (_, off) in rates.items()]
    sized = choose_replicas(cands, rate_at_slo, peak)
    assert len(asked) == len(set(asked))
    return None if sized is None else (sized.rate.layout, sized.replicas)


def test_small_load_takes_the_smallest_replica() -> None:
    rates = {ONE: (1.0, 2.0), TWO: (3.0, 6.0)}  # TWO: more requests/s per accelerator
    assert _choose(rates, None) == (TWO, 1)
    assert _choose(rates, 0.8) == (ONE, 1)  # 1 accelerator instead of 2
    assert _choose(rates, 300.0) == (TWO, 100)  # 200 accelerators instead of 300
    assert _choose({ONE: (0.0, 2.0)}, 1.0) is None  # no layout meets the SLO
    assert _choose({}, 1.0) is None


def test_choice_skips_layouts_that_cannot_win() -> None:
    asked: list[Layout] = []

    def rate_at_slo(layout: Layout) -> ReplicaRate:
        asked.append(layout)
        return ReplicaRate(layout, layout.tp, {ONE: 0.9, TWO: 1.9, FOUR: 3.9}[layout], 1.0)

    cands = [(ONE, 1, 1.0), (TWO, 2, 2.0), (FOUR, 4, 4.0)]
    sized = choose_replicas(cands, rate_at_slo, 0.5)
    assert sized is not None and sized.rate.layout == ONE and sized.accelerators == 1
    assert asked == [ONE]  # 2 and 4 accelerators cannot beat 1


def test_layout_ladder_follows_heads_domain_and_fabric(catalog: Catalog) -> None:
    shape = inf.model_shape(model_architecture("llama-3.1-70b", catalog))
    h100 = inf.hardware_shape(catalog.get("accelerators", "h100-sxm"))
    ladder = layout_ladder(shape, h100, 64)
    assert [(x.tp, x.pp) for x in ladder] == [
        (1, 1),
        (2, 1),
        (4, 1),
        (8, 1),
        (8, 2),
        (8, 4),
        (8, 8),
    ]
    assert all(int(shape.heads) % x.tp == 0 for x in ladder)
    orin = inf.hardware_shape(catalog.get("accelerators", "jetson-agx-orin"))
    assert layout_ladder(shape, orin, 64) == [Layout(1, 1)]  # no scale-up fabric
    mixtral = inf.model_shape(model_architecture("mixtral-8x7b", catalog))
    assert [x.ep for x in layout_ladder(mixtral, h100, 8)] == [1, 2, 4, 8]


CASES = [
    # model, accelerator, precision, qps, p95 TTFT [s], p95 TPOT [s]
    ("llama-3.1-70b", "h100-sxm", "bf16", 20.0, 1.0, None),
    ("llama-3.1-8b", "h100-sxm", "fp8", 60.0, 0.5, 0.05),
    ("mixtral-8x7b", "h200", "bf16", 8.0, 2.0, None),
    ("llama-3.1-70b", "b200", "fp8", 30.0, 1.0, 0.04),
]


def _table_accelerators(
    catalog: Catalog,
    model: str,
    accelerator: str,
    precision: str,
    qps: float,
    ttft: float,
    tpot: float | None,
) -> int:
    """Accelerators the option table holds for one online workload on ``accelerator``."""
    slo = {"p95_ttft_s": ttft} | ({} if tpot is None else {"p95_tpot_s": tpot})
    scenario = parse_scenario(
        {
            "name": "agree",
            "horizon_days": 30,
            "workloads": [
                {
                    "name": "chat",
                    "kind": "online_inference",
                    "model": model,
                    "qps": qps,
                    "input_tokens_per_request": 1024,
                    "output_tokens_per_request": 256,
                    "precision": precision,
                    "slo": slo,
                }
            ],
        }
    )
    table = build_option_table(scenario, catalog)
    mine = [o for o in table.options if o.accelerator == accelerator and o.slo_met]
    found = {o.accelerators for o in mine if o.payment != "pay_per_use"}
    assert len(found) == 1, found
    need = found.pop()
    for o in mine:  # rented in whole instances: at least the replicas' accelerators
        if o.payment == "pay_per_use":
            instance = catalog.tables["offers"][o.offer]["accelerators_per_instance"]
            assert o.unit_accelerators % instance == 0 and o.accelerators >= need
    return need


@pytest.mark.parametrize(("model", "accelerator", "precision", "qps", "ttft", "tpot"), CASES)
def test_infer_and_option_table_agree_and_ignore_count(
    catalog: Catalog,
    model: str,
    accelerator: str,
    precision: str,
    qps: float,
    ttft: float,
    tpot: float | None,
) -> None:
    needed = set()
    for count in (1, 8, 16, 24, 64):
        req = InferenceRequest(
            model, accelerator, count, precision, qps=qps, slo_ttft_s=ttft, slo_tpot_s=tpot
        )
        needed.add(plan_inference(req, catalog).accelerators_needed)
    assert len(needed) == 1 and None not in needed, needed
    table = _table_accelerators(catalog, model, accelerator, precision, qps, ttft, tpot)
    assert needed == {table}


def test_user_layout_is_sized_as_given(catalog: Catalog) -> None:
    req = InferenceRequest("llama-3.1-70b", "h100-sxm", 8, qps=20.0, slo_ttft_s=1.0, tp=8)
    d = plan_inference(req, catalog)
    assert d.layout["tp"] == 8 and d.accelerators_needed is not None
    assert d.accelerators_needed % 8 == 0


def test_cache_is_per_catalog(catalog: Catalog) -> None:
    cache = ServingCache(catalog)
    setup = ServingSetup("llama-3.1-8b", "h100-sxm")
    first = cache.fitting_layouts(setup, 1024.0, 256.0)
    assert cache.fitting_layouts(setup, 1024.0, 256.0) is first  # kept, not recomputed
    assert ServingCache(catalog).fitting_layouts(setup, 1024.0, 256.0) is not first


def test_edge_example_runs_one_device_per_site() -> None:
    pytest.importorskip("scipy")  # the plan needs gigawatt[plan]
    plan = plan_scenario(load_scenario(EDGE), load_catalog(use_env=False), explain=False)
    d = plan.to_dict()
    store = [a for a in d["assignments"] if a["workload"] == "store-assistant"]
    assert store and d["check"]["ok"]
    assert sum(a["count"] for a in store) == 1200  # 1,200 sites x 1 device within 60 W
