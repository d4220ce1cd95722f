"""The inputs of a simulation run as report tables: site, fleet, scheduling policy, failures and
workloads (jobs, job streams, inference services), in human units."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gigawatt.report.units import MISSING, format_count, format_duration, format_power_kw, number
from gigawatt.spec.simulation import InferenceSpec, JobSpec, JobStreamSpec, SimulationScenario


def _h(hours: float | None) -> str:
    return format_duration(None if hours is None else hours * 3600.0)


def run_rows(sc: SimulationScenario, days: float) -> list[dict[str, str]]:
    """(input, value): horizon, seed, site, policy and failures, one line each."""
    fac, sch, fail = sc.facility, sc.scheduler, sc.failures
    cap = (
        f"{format_power_kw(fac.power_cap_kw)} ({fac.cap_mode}: "
        + ("jobs wait until power allows" if fac.cap_mode == "queue" else "running jobs slow")
        + ")"
        if fac.power_cap_kw is not None
        else "none"
    )
    quotas = ", ".join(f"{t} {format_count(g)} GPUs" for t, g in sch.quotas_gpus.items())
    backfill = f"backfill over {sch.backfill_depth} jobs" if sch.backfill else "no backfill"
    failures = (
        "none"
        if fail.table == "none"
        else f"{fail.table} rates x {number(fail.rate_scale)}; detection "
        f"{format_duration(fail.detection_s)}, restart {format_duration(fail.restart_s)}, "
        f"repair {_h(fail.repair_h)}"
    )
    rows = [
        ("horizon", _h(days * 24.0)),
        ("seed", str(sc.seed)),
        ("sample interval", format_duration(sc.sample_interval_s)),
        ("region", fac.region or "not given"),
        ("PUE", number(fac.pue) if fac.pue is not None else "from the region"),
        ("power cap", cap),
        ("scheduling policy", f"{sch.policy}, {backfill}, preemption {_on(sch.preemption)}"),
        ("team GPU quotas", quotas or "none"),
        ("node failures", failures),
    ]
    return [{"input": k, "value": v} for k, v in rows]


def _on(flag: bool) -> str:
    return "on" if flag else "off"


def fleet_rows(sc: SimulationScenario) -> list[dict[str, Any]]:
    """Per pool: hardware, commercial kind, nodes, spares, price, spot behaviour."""
    rows = []
    for p in sc.fleet.pools:
        spot = (
            f"{number(p.spot.preemptions_per_node_day)} reclaims per node-day, "
            f"{format_duration(p.spot.notice_s)} notice, away {_h(p.spot.unavailable_h)}"
            if p.spot is not None
            else ""
        )
        rows.append(
            {
                "pool": p.id,
                "hardware": p.system or p.accelerator or MISSING,
                "kind": p.kind.replace("_", "-"),
                "nodes": p.nodes,
                "hot spares": p.spares,
                "price per GPU-hour": f"${p.price_usd_per_gpu_hour:.2f}",
                "spot": spot,
            }
        )
    return rows


def workload_rows(sc: SimulationScenario) -> list[dict[str, Any]]:
    """Per job, job stream and service: kind, team, size, arrivals, length or SLO."""
    return [
        *(_job_row(j) for j in sc.jobs),
        *(_stream_row(s) for s in sc.job_streams),
        *(_service_row(s) for s in sc.inference),
    ]


def _job_row(j: JobSpec) -> dict[str, Any]:
    if j.duration_h is not None:
        length = _h(j.duration_h)
    elif j.steps is not None and j.step_time_s is not None:
        length = f"{format_count(j.steps)} steps of {format_duration(j.step_time_s)}"
    else:
        length = f"{j.model}, {j.tokens} tokens (training model)"
    every = f", every {_h(j.every_h)}" if j.count > 1 else ""
    return {
        "workload": j.id,
        "kind": j.kind.replace("_", "-"),
        "team": j.team,
        "priority": j.priority,
        "GPUs": format_count(j.gpus),
        "arrivals": f"{j.count} at {'the start' if j.submit_h == 0 else _h(j.submit_h)}{every}",
        "length / objective": length,
    }


def _stream_row(s: JobStreamSpec) -> dict[str, Any]:
    if s.duration_h_median is not None:
        length = f"median {_h(s.duration_h_median)} (lognormal, sigma {number(s.duration_sigma)})"
    else:
        length = f"resampled from {len(s.duration_h_samples or [])} durations"
    return {
        "workload": s.id,
        "kind": s.kind.replace("_", "-"),
        "team": s.team,
        "priority": s.priority,
        "GPUs": ", ".join(format_count(g) for g in s.gpus),
        "arrivals": f"Poisson, {number(s.rate_per_h)} per hour",
        "length / objective": length,
    }


def _service_row(s: InferenceSpec) -> dict[str, Any]:
    if s.rate is not None and s.rate.hourly_rps is not None:
        hourly = s.rate.hourly_rps
        arrivals = (
            f"hourly profile of {len(hourly)} h, {number(sum(hourly) / len(hourly))} requests/s "
            f"mean, {number(max(hourly))} peak"
        )
    elif s.rate is not None and s.rate.base_rps is not None and s.rate.peak_rps is not None:
        arrivals = (
            f"diurnal {number(s.rate.base_rps)} to {number(s.rate.peak_rps)} requests/s "
            f"(peak at {number(s.rate.peak_hour)} h)"
        )
    else:
        assert s.trace is not None
        name = Path(s.trace.path).name  # the file, not where this machine keeps it
        arrivals = f"trace {name}" + (" (looped)" if s.trace.repeat else "")
    replicas = (
        f"{s.autoscale.min_replicas} to {s.autoscale.max_replicas} replicas"
        if s.autoscale is not None
        else f"{s.replicas} replicas"
    )
    return {
        "workload": s.id,
        "kind": f"inference ({s.model or 'explicit latency'})",
        "team": s.team,
        "priority": MISSING,
        "GPUs": f"{s.gpus_per_replica} per replica, {replicas}",
        "arrivals": arrivals,
        "length / objective": f"TTFT at most {format_duration(s.slo.ttft_s)}, TPOT at most "
        f"{format_duration(s.slo.tpot_s)}",
    }


RUN_COLUMNS = ("input", "value")
FLEET_COLUMNS = ("pool", "hardware", "kind", "nodes", "hot spares", "price per GPU-hour", "spot")
WORKLOAD_COLUMNS = (
    "workload",
    "kind",
    "team",
    "priority",
    "GPUs",
    "arrivals",
    "length / objective",
)
