"""KPIs, time series and per-job tables of a simulation run (CSV and a small HTML report)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gigawatt.models.carbon import location_co2_kg
from gigawatt.simulate.fleet import Pool
from gigawatt.simulate.power import CAP_POLICY
from gigawatt.simulate.processes.training import DONE, Job

if TYPE_CHECKING:
    from gigawatt.simulate.world import World

SERIES_COLUMNS = (
    "time_h",
    "gpus_allocated",
    "gpus_in_service",
    "utilization",
    "facility_kw",
    "speed",
    "queued_jobs",
    "running_jobs",
    "inflight_requests",
    "replicas",
)
JOB_COLUMNS = (
    "id",
    "kind",
    "team",
    "priority",
    "gpus",
    "pool",
    "submit_h",
    "queue_s",
    "wait_total_s",
    "start_h",
    "end_h",
    "state",
    "work_h",
    "useful_h",
    "lost_h",
    "interruptions",
    "preemptions",
    "racks",
    "gpu_hours",
    "energy_kwh",
    "cost_usd",
)


def pct(values: list[float] | np.ndarray, q: float) -> float | None:
    """Percentile ``q`` (0-100) or None when empty."""
    if len(values) == 0:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), q))


class Recorder:
    """Time-series samples taken by the world's sampling event."""

    def __init__(self) -> None:
        self.rows: list[dict[str, float]] = []

    def __call__(self, world: World) -> None:
        alloc = sum(p.busy_gpus for p in world.pools)
        cap = sum(p.gpus_in_service for p in world.pools)
        self.rows.append(
            {
                "time_h": world.kernel.now / 3600.0,
                "gpus_allocated": float(alloc),
                "gpus_in_service": float(cap),
                "utilization": alloc / cap if cap else 0.0,
                "facility_kw": world.power.facility_kw(),
                "speed": world.power.speed,
                "queued_jobs": float(len(world.scheduler.queue)),
                "running_jobs": float(len(world.running)),
                "inflight_requests": float(
                    sum(r.load() for s in world.services for r in s.replicas)
                    + sum(len(s.backlog) for s in world.services)
                ),
                "replicas": float(sum(len(s.replicas) for s in world.services)),
            }
        )


def job_energy_kwh(pool: Pool, gpu_s: float, gpu_w: float, pue: float) -> float:
    """Facility energy of GPUs held ``gpu_s`` GPU-seconds, ``gpu_w`` of them weighted by the
    throttle speed (kWh): each GPU's share of node idle power, plus its share of the dynamic
    power times speed, times PUE (the power model of :mod:`gigawatt.simulate.power`)."""
    g = pool.gpus_per_node
    return pue * (gpu_s * pool.idle_kw + gpu_w * (pool.busy_kw - pool.idle_kw)) / g / 3600.0


def _job_row(world: World, job: Job, now: float, pue: float, elec: float | None) -> dict[str, Any]:
    pool = job.pool
    gpu_s = job.gpu_s
    gpu_w = job.gpu_w
    if job.alloc:
        gpu_s += job.gpus * (now - job.seg_start_s)
        gpu_w += job.gpus * (world.power.work_at(now) - job.seg_w0)
    price = getattr(pool, "price_usd_per_gpu_hour", 0.0)
    energy = job_energy_kwh(pool, gpu_s, gpu_w, pue) if isinstance(pool, Pool) else 0.0
    state = "done" if job.state == DONE else "running" if job.alloc else "queued"
    return {
        "id": job.id,
        "kind": job.kind,
        "team": job.team,
        "priority": job.priority,
        "gpus": job.gpus,
        "pool": getattr(pool, "id", ""),
        "submit_h": job.submit_s / 3600.0,
        "queue_s": job.queue_s if job.queue_s >= 0 else None,
        "wait_total_s": job.wait_total_s,
        "start_h": job.first_start_s / 3600.0 if job.first_start_s >= 0 else None,
        "end_h": job.end_s / 3600.0 if job.end_s >= 0 else None,
        "state": state,
        "work_h": job.work_s / 3600.0,
        "useful_h": world.job_useful_s(job) / 3600.0,
        "lost_h": job.lost_s / 3600.0,
        "interruptions": job.interruptions,
        "preemptions": job.preemptions,
        "racks": job.racks,
        "gpu_hours": gpu_s / 3600.0,
        "energy_kwh": energy,
        "cost_usd": gpu_s / 3600.0 * price + energy * (elec or 0.0),
    }


def summarise(
    world: World,
    horizon_s: float,
    pue: float,
    elec_usd_per_kwh: float | None,
    gco2_per_kwh: float | None,
) -> dict[str, Any]:
    """The run's KPIs (flat JSON-friendly dict) plus per-service blocks. An unknown electricity
    price leaves energy cost out of ``cost_usd`` (``cost_energy_usd`` None); an unknown grid
    intensity gives ``carbon_kg`` None."""
    return {
        "days": horizon_s / 86_400.0,
        **_fleet_kpis(world, horizon_s),
        **_energy_cost_kpis(world, horizon_s, elec_usd_per_kwh, gco2_per_kwh),
        **_service_kpis(world, horizon_s, pue, elec_usd_per_kwh, gco2_per_kwh),
    }


def _fleet_kpis(world: World, horizon_s: float) -> dict[str, Any]:
    """Utilisation, goodput, interruptions, preemptions and queueing of the training jobs."""
    now = horizon_s
    jobs = world.jobs
    started = [j for j in jobs if j.first_start_s >= 0]
    queue = [j.queue_s for j in started]
    useful_gpu_s = sum(j.gpus * world.job_useful_s(j) for j in started)
    wall_gpu_s = sum(
        j.gpus * ((j.end_s if j.end_s >= 0 else now) - j.first_start_s) for j in started
    )
    return {
        "gpus": sum(p.nodes * p.gpus_per_node for p in world.pools),
        "gpu_utilization": world.alloc_gpu_s / world.capacity_gpu_s
        if world.capacity_gpu_s
        else 0.0,
        "busy_gpu_hours": world.alloc_gpu_s / 3600.0,
        "in_service_gpu_hours": world.capacity_gpu_s / 3600.0,
        "goodput": useful_gpu_s / world.training_alloc_gpu_s
        if world.training_alloc_gpu_s
        else None,
        "effective_training_time": useful_gpu_s / wall_gpu_s if wall_gpu_s else None,
        "interruptions": world.interruptions,
        "failures": world.failures,
        "failures_by_cause": dict(sorted(world.failures_by_cause.items())),
        "preemptions": world.preemptions,
        "spot_reclaims": world.spot_reclaims,
        "preemption_rate_per_job": world.preemptions / len(started) if started else 0.0,
        "jobs_submitted": len(jobs),
        "jobs_started": len(started),
        "jobs_completed": sum(1 for j in jobs if j.state == DONE),
        "queue_time_s_p50": pct(queue, 50),
        "queue_time_s_p95": pct(queue, 95),
        "queue_time_s_mean": float(np.mean(queue)) if queue else None,
    }


def _gpu_cost_usd(world: World, horizon_s: float) -> float:
    """Accelerator cost of the run: committed pools for every hour, elastic ones while used."""
    gpu_cost = 0.0
    for p in world.pools:
        if p.kind in ("owned", "reserved"):  # paid for every hour, used or not
            gpu_s = p.nodes * p.gpus_per_node * horizon_s
        else:  # on-demand and spot: elastic, paid while allocated (assumption)
            gpu_s = p.busy_gpu_s
        gpu_cost += gpu_s / 3600.0 * p.price_usd_per_gpu_hour
    return gpu_cost


def _energy_cost_kpis(
    world: World, horizon_s: float, elec_usd_per_kwh: float | None, gco2_per_kwh: float | None
) -> dict[str, Any]:
    """Facility energy and power, cost (accelerators + energy) and carbon."""
    gpu_cost = _gpu_cost_usd(world, horizon_s)
    power = world.power
    energy = power.energy_kwh
    return {
        "energy_kwh": energy,
        "energy_idle_kwh": _idle_energy_kwh(world, horizon_s),
        "peak_facility_kw": world.power.peak_kw,
        "avg_facility_kw": energy / (horizon_s / 3600.0),
        "cost_usd": gpu_cost + energy * (elec_usd_per_kwh or 0.0),
        "cost_gpu_usd": gpu_cost,
        "cost_energy_usd": None if elec_usd_per_kwh is None else energy * elec_usd_per_kwh,
        "carbon_kg": None if gco2_per_kwh is None else location_co2_kg(energy, gco2_per_kwh),
        "power_cap_policy": None if power.cap_kw is None else CAP_POLICY[power.mode],
        "over_power_cap_h": None if power.cap_kw is None else power.over_cap_s / 3600.0,
    }


def _idle_energy_kwh(world: World, horizon_s: float) -> float:
    """Facility energy of the GPUs no job or replica held: idle in service, spares, in repair
    (kWh). With the per-job and per-service energies it adds up to ``energy_kwh``."""
    total = 0.0
    for p in world.pools:
        present_node_s = p.nodes * horizon_s - p.away_node_s
        idle_gpu_s = present_node_s * p.gpus_per_node - p.busy_gpu_s
        total += idle_gpu_s * p.idle_kw / p.gpus_per_node
    return world.power.pue * total / 3600.0


def _service_kpis(
    world: World,
    horizon_s: float,
    pue: float,
    elec_usd_per_kwh: float | None,
    gco2_per_kwh: float | None,
) -> dict[str, Any]:
    """Per-service blocks and the latency, SLO and throughput KPIs over every service."""
    services = [
        _service_summary(s, horizon_s, pue, elec_usd_per_kwh, gco2_per_kwh) for s in world.services
    ]
    ttft = [x for s in world.services for x in s.ttft]
    tpot = [x for s in world.services for x in s.tpot]
    done = sum(s.completed for s in world.services)
    return {
        "services": services,
        "requests_completed": done,
        "ttft_s_p95": pct(ttft, 95),
        "tpot_s_p95": pct(tpot, 95),
        "slo_attainment": (sum(s.slo_ok for s in world.services) / done) if done else None,
        "tokens_per_s": sum(s.output_tokens for s in world.services) / horizon_s,
    }


def _service_summary(
    s: Any, horizon_s: float, pue: float, elec: float | None, gco2: float | None
) -> dict[str, Any]:
    pool = s.pools[0]
    price = pool.price_usd_per_gpu_hour
    energy = s.gpu_s / 3600.0 * pool.busy_kw / pool.gpus_per_node * pue
    cost = s.gpu_s / 3600.0 * price + energy * (elec or 0.0)
    k = s.output_tokens / 1000.0
    return {
        "id": s.id,
        "requests_arrived": s.arrived,
        "requests_completed": s.completed,
        "ttft_s_p50": pct(s.ttft, 50),
        "ttft_s_p95": pct(s.ttft, 95),
        "tpot_s_p50": pct(s.tpot, 50),
        "tpot_s_p95": pct(s.tpot, 95),
        "slo_attainment": s.slo_ok / s.completed if s.completed else None,
        "output_tokens_per_s": s.output_tokens / horizon_s,
        "replica_gpu_hours": s.gpu_s / 3600.0,
        "replica_failures": s.replica_failures,
        "scale_events": s.scale_events,
        "unplaced_scale_ups": s.unplaced,
        "energy_kwh": energy,
        "cost_usd": cost,
        "cost_usd_per_1k_output_tokens": cost / k if k else None,
        "energy_kwh_per_1k_output_tokens": energy / k if k else None,
        "carbon_g_per_1k_output_tokens": energy * gco2 / k if k and gco2 is not None else None,
    }


def job_rows(world: World, now: float, pue: float, elec: float | None) -> list[dict[str, Any]]:
    return [_job_row(world, j, now, pue, elec) for j in world.jobs]


def write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
        w.writeheader()
        for row in rows:
            w.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
