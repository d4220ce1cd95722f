"""Replay a plan: the fleet ``gigawatt plan`` chose, as a simulation scenario.

A plan (its JSON, :meth:`gigawatt.optimize.plan.PlanResult.to_dict`) and the plan scenario it was
made from become one :class:`~gigawatt.spec.simulation.SimulationScenario` run by the usual twin
(:mod:`gigawatt.simulate.run`), one pool per placement (plan assignment):

- **Serving** (online, RAG, agent): a service on a *slice* of at most :data:`SLICE_REPLICAS`
  replicas of the planned layout, each replica fed the load one planned replica sees at every
  hour; units held and traffic carried follow the plan's windows and demand levels
  (:mod:`gigawatt.simulate.replay_serving`). Requests arrive as a Poisson process in sampled
  windows of every hour (``active_s_per_h``, sized so a run stays within
  :data:`REQUEST_BUDGET` requests).
- **Training** (pre-train, fine-tune): one job per planned run (``start_day``, then every
  ``every_days``: the plan's windows) of the planned accelerators and failure-free length (the
  plan's hours per run; spot hours without the plan's preemption allowance), with failures,
  Young/Daly checkpoints and restarts.
- **Batch inference**: a job per day from ``start_day``, of the planned accelerators and daily
  hours.

Spot pools are reclaimed at the catalog's spot preemption rate (``cost_assumptions``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from gigawatt.errors import InputError
from gigawatt.evaluate.demand import cycle_levels, peak_to_mean
from gigawatt.evaluate.economics import assumptions
from gigawatt.evaluate.network import request_path_s
from gigawatt.evaluate.performance import serving_lengths
from gigawatt.evaluate.table_costs import spot_lost_fraction
from gigawatt.evaluate.table_services import SERVICE_ACCELERATOR
from gigawatt.models.serving import ENGINE_MAX_BATCH
from gigawatt.simulate.replay_serving import (
    batch_slots,
    mean_rate_per_s,
    replica_accelerators,
    replicas_running,
    split_traffic,
    unit_rate_per_s,
    units_held,
    window_mask,
)
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
from gigawatt.spec.workloads import AgentWorkload, InteractiveWorkload, RagWorkload, Workload

SLICE_REPLICAS = 1
"""Replicas simulated per serving placement (each at the load of one planned replica)."""
ENGINE_BATCH = int(ENGINE_MAX_BATCH["vllm"])
"""Batch cap of a replayed replica of a plan written without a structured layout: the
planner's engine's (vLLM, the sizing default)."""
REQUEST_BUDGET = 300_000
"""Requests simulated in a replay, over all services (sets the sampled window per hour)."""
MIN_ACTIVE_S = 120.0
"""Shortest sampled window per hour [s]."""
TOKEN_SIGMA = (0.99, 0.86)
"""Log-standard deviations of prompt and output lengths: those of the Azure LLM 2023
conversation trace (see :class:`~gigawatt.spec.simulation.RateCurveSpec`), assumed for every
workload; the means are the workload's."""
SERVING_KINDS = ("online_inference", "rag", "agent")
BATCH_CHECKPOINT_MIN = 1.0
"""A batch-inference job keeps the requests it finished: interrupted, it loses about the last
minute of work (the requests in flight), written at no cost."""
LENGTHS = ("trace", "mean")
"""Request-length choices of a replay (:func:`plan_replay`)."""
TRAINING_KINDS = ("pretrain", "finetune")


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
    replicas_h: tuple[float, ...] = ()
    """Replicas up at each hour of the run (serving)."""
    units_h: tuple[float, ...] = ()
    """Units the plan bills at each hour of the run (serving)."""
    rate_h: tuple[float, ...] = ()
    """Requests/s the placement carries at each hour of the run (serving)."""
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
    scenario: Scenario,
    plan: dict[str, Any],
    catalog: Any,
    days: float,
    seed: int = 0,
    lengths: str = "trace",
) -> Replay:
    """The replay of ``plan`` (made from ``scenario``) over ``days``; request ``lengths``
    spread as in a conversation trace (``trace``) or all at the workload's means (``mean``,
    the plan's own assumption)."""
    if lengths not in LENGTHS:
        raise InputError(f"must be one of {', '.join(LENGTHS)}, got {lengths!r}", where="--lengths")
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
    notes = [
        f"serving: {SLICE_REPLICAS} replica per placement simulated at the per-replica load of "
        "the planned fleet; units held follow the plan's windows and demand levels hour by "
        "hour, traffic is split over the placements by the capacity each holds",
        "cost, energy and carbon per billed accelerator-hour are the plan's (its prices, "
        "utilisation and power model); the twin changes the accelerator-hours billed "
        "(levels, windows, restarts, reclaims), committed capacity's fixed cost is pro-rated",
        "spot training checkpoints at the catalog's spot_checkpoint_interval_h (the plan's "
        "assumption); an interrupted batch job keeps its finished requests (loses ~1 min)",
        _lengths_note(lengths),
    ]
    spot = _spot(catalog, notes)
    built = _Built()
    for name, rows in _by_workload(plan["assignments"]).items():
        w = scenario.workload(name)
        if w.kind in SERVING_KINDS:
            levels = _hourly_levels(scenario, hours, w.name)
            _serving_workload(w, rows, levels, spot, built, (catalog, lengths))
        for i, a in rows:
            if a["accelerator"] == SERVICE_ACCELERATOR:
                notes.append(
                    f"{name}: the share on per-token service {a['offer']} is not replayed "
                    "(its latency and capacity are the provider's; its cost is the plan's)"
                )
            elif w.kind not in SERVING_KINDS:
                _job_placement(w, i, a, plan, days, catalog, spot, built, notes)
    _size_windows(built.services, hours)
    if not built.pools:
        raise InputError("the plan has no placement the twin can replay", where="--plan")
    sc = SimulationScenario(
        name=f"replay of {scenario.name}",
        days=days,
        seed=seed,
        facility=FacilitySpec(pue=1.0),
        fleet=FleetSpec(pools=built.pools),
        failures=FailureSpec(),
        jobs=built.jobs,
        inference=built.services,
    )
    return Replay(sc, tuple(built.placements), tuple(notes), float(plan["horizon_days"]), days)


@dataclass
class _Built:
    """Pools, services, jobs and placements made so far (``ids``: pool ids in order)."""

    pools: list[PoolSpec] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    services: list[InferenceSpec] = field(default_factory=list)
    jobs: list[JobSpec] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)

    def add(self, pool: PoolSpec, place: Placement) -> None:
        self.pools.append(pool)
        self.ids.append(pool.id)
        self.placements.append(place)


def _by_workload(assignments: list[dict[str, Any]]) -> dict[str, list[tuple[int, Any]]]:
    out: dict[str, list[tuple[int, Any]]] = {}
    for i, a in enumerate(assignments):
        out.setdefault(str(a["workload"]), []).append((i, a))
    return out


def _pool_update(a: dict[str, Any], spot: SpotSpec) -> dict[str, Any]:
    """Pool kind, price and reclaims of an assignment's pricing model."""
    model = str(a["pricing_model"])
    kind = "spot" if model == "spot" else ("on_demand" if model == "on_demand" else "owned")
    return {
        "kind": kind,
        "price_usd_per_gpu_hour": _price_per_gpu_h(a),
        "spot": spot if model == "spot" else None,
    }


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
    accelerator-hours (the twin's fleet figures; the replay's own cost is in
    :mod:`gigawatt.simulate.replay_report`)."""
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


def _hourly_levels(scenario: Scenario, hours: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A workload's (mean, highest) demand in every hour of the run [fraction of its peak]
    (bursty profiles split slots within an hour: the mean sets the rate, the highest the
    units the plan holds)."""
    workloads = list(scenario.workloads)
    levels, weights = cycle_levels(workloads)
    starts = np.concatenate(([0.0], np.cumsum(weights)[:-1]))
    slot_hour = np.floor(starts + 1e-9).astype(int)
    cycle = round(float(weights.sum()))
    row = [w.name for w in workloads].index(name)
    mean = np.bincount(slot_hour, weights=levels[row] * weights, minlength=cycle)
    top = np.zeros(cycle)
    np.maximum.at(top, slot_hour, levels[row])
    idx = np.arange(hours) % cycle
    return mean[idx], top[idx]


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


def _serving_workload(
    w: Workload,
    rows: list[tuple[int, dict[str, Any]]],
    levels: tuple[np.ndarray, np.ndarray],
    spot: SpotSpec,
    built: _Built,
    inputs: tuple[Any, str],
) -> None:
    """Services of a serving workload's placements (:mod:`gigawatt.simulate.replay_serving`);
    ``inputs`` the catalog and the request ``lengths``."""
    catalog, lengths = inputs
    if not isinstance(w, InteractiveWorkload | AgentWorkload):
        raise InputError(f"{w.kind} cannot be replayed as a service", where=f"workloads.{w.name}")
    mean_level, top_level = levels
    tokens = sum(float(a["share"]) for _, a in rows if a["accelerator"] == SERVICE_ACCELERATOR)
    ours = [(i, a) for i, a in rows if a["accelerator"] != SERVICE_ACCELERATOR]
    rate = mean_rate_per_s(w) * peak_to_mean(w) * max(1.0 - tokens, 0.0) * mean_level
    active = [window_mask(a, mean_level.size) for _, a in ours]
    held = [
        np.where(m, units_held(a, top_level), 0.0) for (_, a), m in zip(ours, active, strict=True)
    ]
    carried = split_traffic(rate, held, [unit_rate_per_s(w, a) for _, a in ours])
    for (i, a), m, units, load in zip(ours, active, held, carried, strict=True):
        sim_id = f"{a['workload']}#{i}"
        reps = replicas_running(a, units, m)
        gpus = replica_accelerators(a)
        n_sim = min(max(int(a["count"]) // gpus, 1), SLICE_REPLICAS)
        per_sim = np.where(reps > 0, load / np.maximum(reps, 1e-12), 0.0) * n_sim
        ttft, tpot = _engine_slo(w, a, catalog)
        pool = PoolSpec(
            id=sim_id,
            accelerator=str(a["accelerator"]),
            nodes=n_sim,
            gpus_per_node=gpus,
            **_pool_update(a, spot),
        )
        svc = InferenceSpec(
            id=sim_id,
            team=w.name,
            pool=sim_id,
            model=w.model,
            precision=getattr(w, "precision", "bf16"),
            gpus_per_replica=gpus,
            replicas=n_sim,
            max_batch=batch_slots(w, a, catalog, ENGINE_BATCH),
            rate=_rate_curve(w, per_sim, lengths),
            slo=SloSpec(ttft_s=max(ttft, 1e-3) if ttft else 1e9, tpot_s=tpot or 1e9),
        )
        place = replace(
            _placement(a, sim_id),
            unit=max(int(a["unit_accelerators"]), 1),
            replicas_h=tuple(float(x) for x in reps),
            units_h=tuple(float(x) for x in units),
            rate_h=tuple(float(x) for x in load),
            simulated=n_sim,
            slo_ttft_s=ttft,
            slo_tpot_s=tpot,
        )
        built.add(pool, place)
        built.services.append(svc)


def _lengths_note(lengths: str) -> str:
    if lengths == "mean":
        return "request lengths: every request at the workload's mean lengths (the plan's own "
        "assumption; --lengths trace spreads them as a conversation trace does)"
    return (
        "request lengths: lognormal with the Azure LLM 2023 conversation trace's spread "
        f"(sigma {TOKEN_SIGMA[0]} prompt, {TOKEN_SIGMA[1]} output) around the workload's means; "
        "a RAG prompt's retrieved context is fixed (top-k retrieval), its question spreads; the "
        "plan sizes for requests all at the means (--lengths mean replays that)"
    )


def _rate_curve(w: Any, per_sim: np.ndarray, lengths: str) -> RateCurveSpec:
    """Hourly arrivals and request lengths of one simulated replica (:func:`plan_replay`)."""
    isl, osl = serving_lengths(w) or (1.0, 1.0)
    fixed = float(w.retrieved_context_tokens) if isinstance(w, RagWorkload) else 0.0
    sig_in, sig_out = TOKEN_SIGMA if lengths == "trace" else (0.0, 0.0)
    return RateCurveSpec(
        hourly_rps=[float(x) for x in per_sim],
        prompt_tokens_median=_median(isl - fixed, sig_in),
        prompt_tokens_sigma=sig_in,
        prompt_tokens_fixed=fixed,
        output_tokens_median=_median(osl, sig_out),
        output_tokens_sigma=sig_out,
    )


def _median(mean: float, sigma: float) -> float:
    """Median of a lognormal of the given mean and log-standard deviation."""
    return max(mean * math.exp(-0.5 * sigma * sigma), 1.0)


def _job_placement(
    w: Any,
    i: int,
    a: dict[str, Any],
    plan: dict[str, Any],
    days: float,
    catalog: Any,
    spot: SpotSpec,
    built: _Built,
    notes: list[str],
) -> None:
    """The pool and job(s) of a training or batch placement."""
    kind = str(a["kind"])
    if kind not in TRAINING_KINDS and kind != "batch_inference":
        notes.append(f"{a['workload']}: {kind} placements are not replayed")
        return
    sim_id = f"{a['workload']}#{i}"
    pool, job = _job(w, a, sim_id, plan, days, spot_lost_fraction(catalog))
    if job is None:
        notes.append(f"{a['workload']}: its planned runs start after the replayed {days:g} days")
    pool = pool.model_copy(update=_pool_update(a, spot))
    if job is not None and a["pricing_model"] == "spot" and job.kind == "training":
        interval_min = 60.0 * float(assumptions(catalog, "typical")["spot_checkpoint_interval_h"])
        job = job.model_copy(update={"checkpoint_interval_min": interval_min})
    built.add(pool, _placement(a, sim_id))
    if job is not None:
        built.jobs.append(job)


def _windows(a: dict[str, Any], plan: dict[str, Any]) -> list[tuple[float, float]]:
    """The placement's windows [days] (the whole horizon for plans written without them)."""
    raw = a.get("windows") or [[0.0, float(plan["horizon_days"])]]
    return [(float(x), float(y)) for x, y in raw]


def _batch_busy(a: dict[str, Any]) -> float:
    """Share of its daily window a batch placement works: its share of the units the whole
    workload needs over the units it holds (1 for plans written without ``units_needed``)."""
    needed = a.get("units_needed")
    units = int(a["count"]) / max(int(a["unit_accelerators"]), 1)
    if needed is None or units <= 0:
        return 1.0
    return min(1.0, float(a["share"]) * float(needed) / units)


def _job(
    w: Any, a: dict[str, Any], sim_id: str, plan: dict[str, Any], days: float, lost: float
) -> tuple[PoolSpec, JobSpec | None]:
    """The pool and job(s) of a training or batch placement (spot: the plan's hours without its
    preemption allowance ``lost``, :func:`gigawatt.evaluate.table_costs.spot_hours`); no job
    when its windows start after the replayed days."""
    count = int(a["count"])
    g = math.gcd(count, 8)
    nodes = count // g
    windows = _windows(a, plan)
    hours = float(a["hours"]) * (1.0 - (lost if a["pricing_model"] == "spot" else 0.0))
    spares = max(1, math.ceil(0.02 * nodes)) if nodes >= 8 else 0
    pool = PoolSpec(
        id=sim_id,
        accelerator=str(a["accelerator"]),
        nodes=nodes + spares,
        gpus_per_node=g,
        spares=spares,
    )
    start_h = 24.0 * windows[0][0]
    if start_h >= days * 24.0:
        return pool, None
    if a["kind"] == "batch_inference":
        held_days = sum(y - x for x, y in windows)
        per_day = hours / max(held_days, 1e-9) * _batch_busy(a)
        return pool, JobSpec(
            id=sim_id,
            kind="batch",
            team=w.name,
            gpus=count,
            duration_h=max(per_day, 1e-3),
            submit_h=start_h,
            count=max(1, math.ceil(days - windows[0][0])),
            every_h=24.0,
            pool=sim_id,
            checkpoint_interval_min=BATCH_CHECKPOINT_MIN,
            checkpoint_write_s=0.0,
        )
    starts = [x for x, _ in windows if 24.0 * x < days * 24.0]
    every = windows[1][0] - windows[0][0] if len(windows) > 1 else 0.0
    return pool, JobSpec(
        id=sim_id,
        kind="training",
        team=w.name,
        gpus=count,
        duration_h=hours / len(windows),
        submit_h=start_h,
        count=len(starts),
        every_h=24.0 * every,
        pool=sim_id,
    )


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
