"""Replay a plan: the fleet ``gigawatt plan`` chose, as a simulation scenario.

A plan (its JSON, :meth:`gigawatt.optimize.plan.PlanResult.to_dict`) and the plan scenario it was
made from become one :class:`~gigawatt.spec.simulation.SimulationScenario` run by the usual twin
(:mod:`gigawatt.simulate.run`), one pool per placement (plan assignment):

- **Serving** (online, RAG, agent): a service on a *slice* of at most :data:`SLICE_REPLICAS`
  replicas of the planned layout, each replica fed the load one planned replica sees at every
  hour: ``share x rate(h) / replicas(h)``, ``rate(h)`` the workload's mean rate shaped by its
  load profile (:func:`gigawatt.evaluate.demand.cycle_levels`), ``replicas(h)`` the planned
  count on committed capacity and ``ceil(count x level(h))`` on pay-per-use capacity (the plan
  scales it per time block). Requests arrive as a Poisson process in sampled windows of every
  hour (``active_s_per_h``, sized so a run stays within :data:`REQUEST_BUDGET` requests).
- **Training** (pre-train, fine-tune): one job of the planned accelerators and failure-free
  length (the plan's hours; spot hours without the plan's preemption allowance), with
  failures, Young/Daly checkpoints and restarts.
- **Batch inference**: a job per day of the planned accelerators and daily hours.

Spot pools are reclaimed at the catalog's spot preemption rate (``cost_assumptions``). The plan
JSON does not carry the plan's per-block split of a workload over its placements; each placement
takes its planned ``share`` of every hour (an assumption the report states).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from gigawatt.errors import InputError
from gigawatt.evaluate.demand import cycle_levels
from gigawatt.evaluate.economics import assumptions
from gigawatt.evaluate.network import request_path_s
from gigawatt.evaluate.performance import serving_lengths
from gigawatt.evaluate.table_costs import spot_lost_fraction
from gigawatt.evaluate.table_services import SERVICE_ACCELERATOR
from gigawatt.spec import Scenario
from gigawatt.spec.simulation import (
    FacilitySpec,
    FailureSpec,
    FleetSpec,
    InferenceSpec,
    JobSpec,
    PoolSpec,
    RateCurveSpec,
    SimulationScenario,
    SloSpec,
    SpotSpec,
)
from gigawatt.spec.workloads import AgentWorkload, InteractiveWorkload, RagWorkload

SLICE_REPLICAS = 1
"""Replicas simulated per serving placement (each at the load of one planned replica)."""
REQUEST_BUDGET = 300_000
"""Requests simulated in a replay, over all services (sets the sampled window per hour)."""
MIN_ACTIVE_S = 120.0
"""Shortest sampled window per hour [s]."""
TOKEN_SIGMA = (0.99, 0.86)
"""Log-standard deviations of prompt and output lengths: those of the Azure LLM 2023
conversation trace (see :class:`~gigawatt.spec.simulation.RateCurveSpec`), assumed for every
workload; the means are the workload's."""
SERVING_KINDS = ("online_inference", "rag", "agent")
TRAINING_KINDS = ("pretrain", "finetune")
COMMITTED = ("owned", "purchase", "reserved_1y", "reserved_3y", "contract", "capacity_block")


@dataclass(frozen=True)
class Placement:
    """One plan assignment as replayed (``sim_id``: its pool, service or job ids)."""

    workload: str
    kind: str
    sim_id: str
    venue: str
    accelerator: str
    region: str
    pricing_model: str
    count: int
    unit: int
    share: float
    replicas_h: tuple[int, ...] = ()
    simulated: int = 0
    slo_ttft_s: float | None = None
    slo_tpot_s: float | None = None
    plan: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Replay:
    """The simulation scenario of a plan, its placements and the assumptions made."""

    scenario: SimulationScenario
    placements: tuple[Placement, ...]
    assumptions: tuple[str, ...]
    plan_horizon_days: float
    days: float


def load_plan_json(path: Path) -> dict[str, Any]:
    """The plan JSON written by ``gigawatt plan --json`` (one-line errors when it is not)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"plan file {str(path)!r} does not exist", where="--plan")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not JSON ({exc})", where="--plan") from None
    if not isinstance(data, dict) or "assignments" not in data or "scenario" not in data:
        raise InputError(
            f"{path}: not a plan (write one with `gigawatt plan SCENARIO --json`)", where="--plan"
        )
    return data


def plan_replay(
    scenario: Scenario, plan: dict[str, Any], catalog: Any, days: float, seed: int = 0
) -> Replay:
    """The replay of ``plan`` (made from ``scenario``) over ``days``."""
    if plan.get("scenario") != scenario.name:
        raise InputError(
            f"plan is of scenario {plan.get('scenario')!r}, not {scenario.name!r}", where="--plan"
        )
    if plan.get("status") != "plan":
        raise InputError(
            f"plan status is {plan.get('status')!r}: no plan to replay", where="--plan"
        )
    if days <= 0 or not math.isfinite(days):
        raise InputError(f"must be > 0, got {days!r}", where="days")
    hours = max(1, math.ceil(days * 24))
    levels = _hourly_levels(scenario, hours)
    notes = [
        "traffic split: each placement serves its planned share of every hour (the plan's "
        "per-block split is not in the plan JSON)",
        f"serving: {SLICE_REPLICAS} replicas per placement simulated at the per-replica load of "
        "the planned fleet; pay-per-use replicas follow demand hour by hour",
        "pay-per-use serving replicas follow demand with at least one held every hour; the plan "
        "may hold them fewer hours (its per-block split), so the twin's cost can exceed it",
        "energy: held accelerators at busy power; the plan prices power at its utilisation",
        "spot training checkpoints at the catalog's spot_checkpoint_interval_h (the plan's "
        "assumption); batch jobs do not checkpoint",
        "request lengths: lognormal with the Azure LLM 2023 conversation trace's spread "
        f"(sigma {TOKEN_SIGMA[0]} prompt, {TOKEN_SIGMA[1]} output) around the workload's means",
    ]
    pools: list[PoolSpec] = []
    services: list[InferenceSpec] = []
    jobs: list[JobSpec] = []
    placements: list[Placement] = []
    spot = _spot(catalog, notes)
    for i, a in enumerate(plan["assignments"]):
        if a["accelerator"] == SERVICE_ACCELERATOR:
            notes.append(
                f"{a['workload']}: the share on per-token service {a['offer']} is not replayed "
                "(its latency and capacity are the provider's; its cost is the plan's)"
            )
            continue
        w = scenario.workload(str(a["workload"]))
        sim_id = f"{a['workload']}#{i}"
        kind = str(a["kind"])
        price = _price_per_gpu_h(a)
        model = str(a["pricing_model"])
        pool_kind = (
            "spot" if model == "spot" else ("on_demand" if model == "on_demand" else "owned")
        )
        base = {
            "id": sim_id,
            "accelerator": str(a["accelerator"]),
            "kind": pool_kind,
            "price_usd_per_gpu_hour": price,
            "spot": spot if model == "spot" else None,
        }
        p = _placement(a, sim_id)
        if kind in SERVING_KINDS:
            place, pool, svc = _serving(w, a, p, base, levels[w.name], catalog)
            pools.append(pool)
            services.append(svc)
            placements.append(place)
        elif kind in TRAINING_KINDS or kind == "batch_inference":
            interval_min = 60.0 * float(
                assumptions(catalog, "typical")["spot_checkpoint_interval_h"]
            )
            pool, job = _job(w, a, base, plan, days, spot_lost_fraction(catalog))
            if model == "spot" and job.kind == "training":
                job = job.model_copy(update={"checkpoint_interval_min": interval_min})
            pools.append(pool)
            jobs.append(job)
            placements.append(p)
        else:
            notes.append(f"{a['workload']}: {kind} placements are not replayed")
    _size_windows(services, hours)
    if not pools:
        raise InputError("the plan has no placement the twin can replay", where="--plan")
    sc = SimulationScenario(
        name=f"replay of {scenario.name}",
        days=days,
        seed=seed,
        facility=FacilitySpec(pue=1.0),
        fleet=FleetSpec(pools=pools),
        failures=FailureSpec(),
        jobs=jobs,
        inference=services,
    )
    return Replay(sc, tuple(placements), tuple(notes), float(plan["horizon_days"]), days)


def _placement(a: dict[str, Any], sim_id: str) -> Placement:
    return Placement(
        str(a["workload"]),
        str(a["kind"]),
        sim_id,
        str(a["venue"]),
        str(a["accelerator"]),
        str(a["region"]),
        str(a["pricing_model"]),
        int(a["count"]),
        max(int(a["unit_accelerators"]), 1),
        float(a["share"]),
        plan=a,
    )


def _price_per_gpu_h(a: dict[str, Any]) -> float:
    """Price per accelerator-hour the plan pays for a placement: its cost over its billed
    accelerator-hours (0 for owned capacity, whose capital cost the plan counts as sunk)."""
    billed = float(a.get("mean_count") or 0.0) * float(a.get("hours") or 0.0)
    cost = float(a.get("cost_usd") or 0.0)
    return cost / billed if billed > 0 and cost > 0 else 0.0


def _spot(catalog: Any, notes: list[str]) -> SpotSpec:
    """Spot reclaims per node-day from the catalog's typical spot preemption rate."""
    rows = {k: assumptions(catalog, k) for k in ("low", "typical", "high")}
    rate = {k: float(r["spot_preemptions_per_h"]) * 24.0 for k, r in rows.items()}
    restart_h = float(rows["typical"]["spot_restart_overhead_h"])
    notes.append(
        f"spot: {rate['typical']:.3g} reclaims per node-day (catalog cost_assumptions "
        f"spot_preemptions_per_h x 24; range {rate['low']:.3g}-{rate['high']:.3g}), capacity "
        f"back after {restart_h:g} h (spot_restart_overhead_h), 30 s notice (assumption)"
    )
    return SpotSpec(
        preemptions_per_node_day=rate["typical"], notice_s=30.0, unavailable_h=restart_h
    )


def _hourly_levels(scenario: Scenario, hours: int) -> dict[str, np.ndarray]:
    """Each workload's demand at every hour of the run [fraction of its peak] (split slots of
    bursty profiles averaged back to whole hours)."""
    workloads = list(scenario.workloads)
    levels, weights = cycle_levels(workloads)
    starts = np.concatenate(([0.0], np.cumsum(weights)[:-1]))
    slot_hour = np.floor(starts + 1e-9).astype(int)
    cycle = round(float(weights.sum()))
    out: dict[str, np.ndarray] = {}
    for row, w in enumerate(workloads):
        per_hour = np.bincount(slot_hour, weights=levels[row] * weights, minlength=cycle)
        out[w.name] = per_hour[np.arange(hours) % cycle]
    return out


def _mean_rate_per_s(w: Any) -> float:
    if isinstance(w, AgentWorkload):
        return float(w.steps_per_s)
    return float(w.qps)


def _engine_slo(w: Any, a: dict[str, Any], catalog: Any) -> tuple[float | None, float | None]:
    """p95 (TTFT, TPOT) targets of the engine: the workload's, less retrieval and the request
    path to the placement's venue (as the planner budgets them)."""
    slo = w.slo
    ttft = slo.p95_ttft_s
    if ttft is not None:
        users = getattr(w, "users_region", None)
        ttft -= request_path_s(catalog, users, str(a["region"]), str(a["venue"]))
        if isinstance(w, RagWorkload):
            ttft -= w.retrieval_latency_s
    return ttft, slo.p95_tpot_s


def _serving(
    w: Any,
    a: dict[str, Any],
    p: Placement,
    base: dict[str, Any],
    level: np.ndarray,
    catalog: Any,
) -> tuple[Placement, PoolSpec, InferenceSpec]:
    if not isinstance(w, InteractiveWorkload | AgentWorkload):
        raise InputError(f"{w.kind} cannot be replayed as a service", where=f"workloads.{w.name}")
    gpus = _replica_gpus(a)
    units = max(p.count // gpus, 1)
    mean_level = float(np.mean(level)) if level.size else 1.0
    rate = _mean_rate_per_s(w) * p.share * level / max(mean_level, 1e-12)
    committed = p.pricing_model in COMMITTED
    reps = (
        np.full(level.size, units)
        if committed
        else np.maximum(1, np.ceil(units * level / max(float(level.max()), 1e-12) - 1e-9))
    )
    n_sim = min(units, SLICE_REPLICAS)
    per_sim = rate / reps * n_sim
    isl, osl = serving_lengths(w) or (1.0, 1.0)  # type: ignore[arg-type]
    ttft, tpot = _engine_slo(w, a, catalog)
    pool = PoolSpec(**base, nodes=n_sim, gpus_per_node=gpus)
    svc = InferenceSpec(
        id=p.sim_id,
        team=w.name,
        pool=p.sim_id,
        model=w.model,
        precision=getattr(w, "precision", "bf16"),
        gpus_per_replica=gpus,
        replicas=n_sim,
        max_batch=256,
        rate=RateCurveSpec(
            hourly_rps=[float(x) for x in per_sim],
            prompt_tokens_median=_median(isl, TOKEN_SIGMA[0]),
            prompt_tokens_sigma=TOKEN_SIGMA[0],
            output_tokens_median=_median(osl, TOKEN_SIGMA[1]),
            output_tokens_sigma=TOKEN_SIGMA[1],
        ),
        slo=SloSpec(ttft_s=max(ttft, 1e-3) if ttft else 1e9, tpot_s=tpot or 1e9),
    )
    place = replace(
        p,
        unit=gpus,
        replicas_h=tuple(int(x) for x in reps),
        simulated=n_sim,
        slo_ttft_s=ttft,
        slo_tpot_s=tpot,
    )
    return place, pool, svc


def _replica_gpus(a: dict[str, Any]) -> int:
    """Accelerators of one replica: the layout the plan states in the assignment's basis
    (``tp=T`` and ``pp=P``, :func:`gigawatt.evaluate.performance`), else the unit."""
    basis = str(a.get("basis") or "")
    tp = re.match(r"tp=(\d+)", basis)
    pp = re.search(r"\bpp=(\d+)", basis)
    if tp is None:
        return max(int(a["unit_accelerators"]), 1)
    return int(tp.group(1)) * (int(pp.group(1)) if pp else 1)


def _median(mean: float, sigma: float) -> float:
    """Median of a lognormal of the given mean and log-standard deviation."""
    return max(mean * math.exp(-0.5 * sigma * sigma), 1.0)


def _job(
    w: Any, a: dict[str, Any], base: dict[str, Any], plan: dict[str, Any], days: float, lost: float
) -> tuple[PoolSpec, JobSpec]:
    """The pool and job(s) of a training or batch placement (spot: the plan's hours without its
    preemption allowance ``lost``, :func:`gigawatt.evaluate.table_costs.spot_hours`)."""
    count = int(a["count"])
    g = math.gcd(count, 8)
    nodes = count // g
    hours = float(a["hours"]) * (1.0 - (lost if a["pricing_model"] == "spot" else 0.0))
    spares = max(1, math.ceil(0.02 * nodes)) if nodes >= 8 else 0
    pool = PoolSpec(**base, nodes=nodes + spares, gpus_per_node=g, spares=spares)
    if a["kind"] == "batch_inference":
        per_day = hours / float(plan["horizon_days"])
        job = JobSpec(
            id=base["id"],
            kind="batch",
            team=w.name,
            gpus=count,
            duration_h=max(per_day, 1e-3),
            count=max(1, math.ceil(days)),
            every_h=24.0,
            pool=base["id"],
            checkpoint_interval_min=None,
        )
    else:
        job = JobSpec(
            id=base["id"],
            kind="training",
            team=w.name,
            gpus=count,
            duration_h=hours,
            pool=base["id"],
        )
    return pool, job


def _size_windows(services: list[InferenceSpec], hours: int) -> None:
    """Sample every service's hours so the run stays within :data:`REQUEST_BUDGET` requests:
    a window of ``active_s_per_h`` at the start of every hour, at least :data:`MIN_ACTIVE_S`;
    when even that is too many, windows every ``stride`` hours, ``stride`` prime to 24 so the
    windows visit every hour of the day in turn (the other hours get no requests)."""
    per_s = sum(float(np.mean(s.rate.hourly_rps or [0.0])) for s in services if s.rate)
    if per_s <= 0:
        return
    active = min(3600.0, REQUEST_BUDGET / (per_s * hours))
    stride = 1
    if active < MIN_ACTIVE_S:
        active = MIN_ACTIVE_S
        stride = max(1, math.ceil(per_s * hours * active / REQUEST_BUDGET))
        while math.gcd(stride, 24) != 1:
            stride += 1
    for i, s in enumerate(services):
        assert s.rate is not None and s.rate.hourly_rps is not None
        rates = [r if h % stride == 0 else 0.0 for h, r in enumerate(s.rate.hourly_rps)]
        services[i] = s.model_copy(
            update={
                "rate": s.rate.model_copy(update={"active_s_per_h": active, "hourly_rps": rates})
            }
        )
