"""Per-workload results of a plan replay, next to the plan's estimate, and where the plan's static
assumptions break.

Serving latencies pool the samples of a workload's placements, each placement weighted by the
requests it carried. Cost, energy and carbon follow the accelerator-hours billed in the twin
(serving: the units the plan holds hour by hour at its levels and windows; jobs: the
accelerator-hours the twin held them, restarts, spot reclaims and repairs included) at the
plan's own rates per billed accelerator-hour (its price, electricity, utilisation and power
model), plus committed capacity's fixed cost pro-rated to the replayed share of its windows.
The plan's estimate is its figure pro-rated the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gigawatt.catalog.lookup import region_value
from gigawatt.json_safe import json_safe
from gigawatt.simulate.replay import Placement, Replay, plan_replay
from gigawatt.simulate.replay_serving import COMMITTED
from gigawatt.simulate.run import simulate
from gigawatt.simulate.world import World

PCTS = (50, 95, 99)


@dataclass
class ServiceSamples:
    """Raw per-request statistics of one simulated service (read from the closed world)."""

    ttft: np.ndarray
    tpot: np.ndarray
    hour: np.ndarray
    slo_ok: int
    completed: int
    replica_failures: int


@dataclass
class Observed:
    """What the run's ``observe`` hook keeps of the closed world: services by id."""

    services: dict[str, ServiceSamples] = field(default_factory=dict)

    def __call__(self, world: World) -> None:
        for s in world.services:
            self.services[s.id] = ServiceSamples(
                np.asarray(s.ttft, dtype=float),
                np.asarray(s.tpot, dtype=float),
                np.asarray(s.hour_of_day, dtype=int),
                s.slo_ok,
                s.completed,
                s.replica_failures,
            )


def weighted_pct(values: np.ndarray, weights: np.ndarray, q: float) -> float | None:
    """The ``q``-th weighted percentile (lower value at the crossing); None without samples."""
    if values.size == 0:
        return None
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    k = int(np.searchsorted(cum, q / 100.0 * cum[-1] - 1e-12))
    return float(values[order][min(k, values.size - 1)])


def _window_hours(p: Placement, replay: Replay) -> tuple[float, float]:
    """(hours of the placement's windows inside the replayed days, hours of all its windows)."""
    windows = p.plan.get("windows") or [[0.0, replay.plan_horizon_days]]
    end = replay.days
    inside = sum(max(0.0, min(float(y), end) - float(x)) for x, y in windows)
    total = sum(float(y) - float(x) for x, y in windows)
    return 24.0 * inside, 24.0 * total


def _usage_usd(p: Placement, catalog: Any) -> float:
    """The plan's usage cost of a placement (what scales with billed accelerator-hours): the
    pay-per-use bill, or the electricity of owned and bought hardware."""
    a = p.plan
    if p.pricing_model not in COMMITTED:
        return float(a.get("cost_usd") or 0.0)
    if p.pricing_model in ("owned", "purchase"):
        elec = region_value(catalog, p.region, "electricity_usd_per_kwh")
        return float(a.get("energy_kwh") or 0.0) * float(elec or 0.0)
    return 0.0


def _money(
    p: Placement, billed_gpu_h: float, replay: Replay, catalog: Any
) -> tuple[float, float, float | None]:
    """(cost USD, facility energy kWh, carbon kg) of ``billed_gpu_h`` accelerator-hours billed
    in the twin, at the plan's rates per billed accelerator-hour, plus the committed fixed cost
    over the replayed share of the windows."""
    a = p.plan
    billed = float(a.get("mean_count") or 0.0) * float(a.get("hours") or 0.0)
    usage = _usage_usd(p, catalog)
    inside, total = _window_hours(p, replay)
    fixed = (float(a.get("cost_usd") or 0.0) - usage) * (inside / total if total > 0 else 0.0)
    per = billed_gpu_h / billed if billed > 0 else 0.0
    co2 = a.get("co2_location_kg")
    carbon = None if co2 is None else float(co2) * per
    return fixed + usage * per, float(a.get("energy_kwh") or 0.0) * per, carbon


def _plan_share(p: Placement, replay: Replay) -> float:
    """Share of the plan's figures that falls in the replayed days: of the windows' hours
    (training: of its planned hours, from the window's start)."""
    inside, total = _window_hours(p, replay)
    if p.kind in ("pretrain", "finetune"):
        hours = float(p.plan.get("hours") or 0.0)
        return min(1.0, inside / hours) if hours > 0 else 0.0
    return inside / total if total > 0 else 0.0


def _hours_text(hours: list[int]) -> str:
    """'18-21, 23' from a sorted list of hours of the day."""
    runs: list[list[int]] = []
    for h in hours:
        if runs and h == runs[-1][-1] + 1:
            runs[-1].append(h)
        else:
            runs.append([h])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _serving_row(
    name: str, places: list[Placement], obs: Observed, replay: Replay, catalog: Any
) -> dict[str, Any]:
    samples = [(p, obs.services[p.sim_id]) for p in places if p.sim_id in obs.services]
    samples = [(p, s) for p, s in samples if s.ttft.size]
    carried = {p.sim_id: sum(p.rate_h) for p, _ in samples}
    weights = [np.full(s.ttft.size, carried[p.sim_id] / s.ttft.size) for p, s in samples]
    w = np.concatenate(weights) if weights else np.zeros(0)
    ttft = np.concatenate([s.ttft for _, s in samples]) if samples else np.zeros(0)
    tpot = np.concatenate([s.tpot for _, s in samples]) if samples else np.zeros(0)
    hour = np.concatenate([s.hour for _, s in samples]) if samples else np.zeros(0, dtype=int)
    row: dict[str, Any] = {"requests_simulated": int(ttft.size)}
    for q in PCTS:
        row[f"ttft_s_p{q}"] = weighted_pct(ttft, w, q)
        row[f"tpot_s_p{q}"] = weighted_pct(tpot, w, q)
    ok = sum(carried[p.sim_id] * s.slo_ok / s.completed for p, s in samples if s.completed)
    total = sum(carried[p.sim_id] for p, s in samples if s.completed)
    row["slo_attainment"] = ok / total if total else None
    row["queue_time_s_p95"] = None
    row["preemptions"] = sum(s.replica_failures for _, s in samples)
    hours = math.ceil(replay.days * 24)
    money = [
        _money(p, sum(p.units_h) * p.unit * replay.days * 24 / hours, replay, catalog)
        for p in places
    ]
    _add_money(row, money)
    ttft_slo = min((p.slo_ttft_s for p in places if p.slo_ttft_s), default=None)
    tpot_slo = min((p.slo_tpot_s for p in places if p.slo_tpot_s), default=None)
    row["slo_ttft_s"], row["slo_tpot_s"] = ttft_slo, tpot_slo
    row["by_hour"] = _by_hour(ttft, tpot, hour, w, (ttft_slo, tpot_slo))
    row["breaks"] = _serving_breaks(row["by_hour"], ttft_slo, tpot_slo)
    row["hourly"] = _run_hours(places)
    return row


def _run_hours(places: list[Placement]) -> list[dict[str, float]]:
    """Per hour of the run: requests/s carried and accelerators billed over the placements."""
    n = max((len(p.rate_h) for p in places), default=0)
    return [
        {
            "hour": float(h),
            "rate_rps": sum(p.rate_h[h] for p in places if h < len(p.rate_h)),
            "accelerators": sum(p.units_h[h] * p.unit for p in places if h < len(p.units_h)),
        }
        for h in range(n)
    ]


def _by_hour(
    ttft: np.ndarray,
    tpot: np.ndarray,
    hour: np.ndarray,
    w: np.ndarray,
    slos: tuple[float | None, float | None],
) -> list[dict[str, Any]]:
    """p95 TTFT and TPOT [s], requests simulated and the share of them over each p95 target
    at each hour of the day (UTC)."""
    out = []
    for h in range(24):
        m = hour == h
        row: dict[str, Any] = {"hour_utc": h, "requests_simulated": int(m.sum())}
        for key, values, slo in (("ttft", ttft, slos[0]), ("tpot", tpot, slos[1])):
            row[f"{key}_s_p95"] = weighted_pct(values[m], w[m], 95) if m.any() else None
            over = None
            if slo is not None and m.any():
                over = float(np.sum(w[m] * (values[m] > slo)) / np.sum(w[m]))
            row[f"{key}_over_slo_share"] = over
        out.append(row)
    return out


def over_p95(share_over: float | None, n: int) -> bool:
    """Whether an hour's p95 is over its target beyond sampling noise: more than 5 % of its
    ``n`` requests over the target by two binomial standard errors (``2 sqrt(0.05 x 0.95 /
    n)``; requests of one busy spell are correlated, so this is a lower bound on the noise)."""
    if share_over is None or n <= 0:
        return False
    return share_over > 0.05 + 2.0 * math.sqrt(0.05 * 0.95 / n)


def _serving_breaks(
    by_hour: list[dict[str, Any]], ttft_slo: float | None, tpot_slo: float | None
) -> list[str]:
    """'p95 TTFT up to 1.2 s over the engine's SLO 0.8 s in hours 18-21 UTC' per metric (hours
    over the target beyond sampling noise, :func:`over_p95`)."""
    out = []
    for label, key, slo in (("TTFT", "ttft", ttft_slo), ("TPOT", "tpot", tpot_slo)):
        if slo is None:
            continue
        over = [
            r for r in by_hour if over_p95(r[f"{key}_over_slo_share"], int(r["requests_simulated"]))
        ]
        if over:
            worst = max(float(r[f"{key}_s_p95"]) for r in over)
            out.append(
                f"p95 {label} up to {worst:.3g} s over the engine's SLO {slo:.3g} s in hours "
                f"{_hours_text([int(r['hour_utc']) for r in over])} UTC"
            )
    return out


def _add_money(row: dict[str, Any], money: list[tuple[float, float, float | None]]) -> None:
    row["cost_usd"] = sum(m[0] for m in money)
    row["energy_kwh"] = sum(m[1] for m in money)
    carbon = [m[2] for m in money]
    row["carbon_kg"] = None if any(c is None for c in carbon) else sum(c or 0.0 for c in carbon)


def _job_row(
    name: str,
    places: list[Placement],
    jobs: list[dict[str, Any]],
    obs: Observed,
    replay: Replay,
    catalog: Any,
    workload: Any,
) -> dict[str, Any]:
    ids = {p.sim_id for p in places}
    mine = [j for j in jobs if str(j["pool"]) in ids]
    queue = [float(j["queue_s"]) for j in mine if j["queue_s"] is not None]
    row: dict[str, Any] = {
        "jobs": len(mine),
        "jobs_done": sum(1 for j in mine if j["state"] == "done"),
        "queue_time_s_p95": float(np.percentile(queue, 95)) if queue else None,
        "preemptions": sum(int(j["preemptions"]) for j in mine),
        "interruptions": sum(int(j["interruptions"]) for j in mine),
        "lost_gpu_hours": sum(float(j["lost_h"]) * int(j["gpus"]) for j in mine),
    }
    money = [_money(p, _job_billed_gpu_h(p, mine, replay), replay, catalog) for p in places]
    _add_money(row, money)
    row["breaks"] = _job_breaks(mine, places, replay, workload)
    return row


def _job_billed_gpu_h(p: Placement, mine: list[dict[str, Any]], replay: Replay) -> float:
    """Accelerator-hours billed for a job placement in the twin: those its jobs held; a daily
    batch is billed at least its planned daily window (the plan holds the window whether or
    not the batch ends early; the last day only up to the end of the run)."""
    jobs = [j for j in mine if j["pool"] == p.sim_id]
    if p.kind != "batch_inference":
        return sum(float(j["gpu_hours"]) for j in jobs)
    windows = p.plan.get("windows") or [[0.0, replay.plan_horizon_days]]
    held_days = sum(float(y) - float(x) for x, y in windows)
    day_h = float(p.plan.get("hours") or 0.0) / held_days if held_days > 0 else 0.0
    end_h = replay.days * 24.0
    return sum(
        max(float(j["gpu_hours"]), p.count * min(day_h, end_h - float(j["submit_h"]))) for j in jobs
    )


def _job_breaks(
    mine: list[dict[str, Any]], places: list[Placement], replay: Replay, workload: Any
) -> list[str]:
    """Training: projected days to finish against the deadline; batch: days over turnaround."""
    out = []
    slo = getattr(workload, "slo", None)
    deadline = getattr(workload, "deadline_days", None)
    for j in mine:
        if j["kind"] == "training" and j["state"] != "done":
            elapsed = replay.days * 24.0 - float(j["submit_h"])
            useful = float(j["useful_h"])
            if useful <= 0 or elapsed <= 0:
                out.append(f"{j['id']}: no progress in {replay.days:g} days")
                continue
            projected = float(j["work_h"]) * elapsed / useful / 24.0
            if deadline is not None and projected > deadline:
                out.append(
                    f"{j['id']}: projected {projected:.1f} days at the replayed goodput, over "
                    f"the deadline of {deadline:g} days"
                )
    turnaround = getattr(slo, "turnaround_h", None)
    if turnaround is not None:
        out += _late_batches(mine, places, replay, float(turnaround))
    return out


def _late_batches(
    mine: list[dict[str, Any]], places: list[Placement], replay: Replay, turnaround: float
) -> list[str]:
    """Per placement: daily batches that ended after the turnaround (those due in the run)."""
    out = []
    slack = turnaround * 1.01  # checkpoint stalls of a few minutes are not a break
    for p in places:
        due = [
            j
            for j in mine
            if j["pool"] == p.sim_id and float(j["submit_h"]) + turnaround <= replay.days * 24.0
        ]
        late = [j for j in due if j["end_h"] is None or j["end_h"] - j["submit_h"] > slack]
        if late:
            out.append(
                f"{len(late)} of {len(due)} daily batches on {p.accelerator} "
                f"{p.pricing_model} over the {turnaround:g} h turnaround"
            )
    return out


def replay_rows(
    replay: Replay, obs: Observed, jobs: list[dict[str, Any]], scenario: Any, catalog: Any
) -> list[dict[str, Any]]:
    """One row per workload: twin KPIs, the plan's estimate and the broken assumptions."""
    rows = []
    names = list(dict.fromkeys(p.workload for p in replay.placements))
    for name in names:
        places = [p for p in replay.placements if p.workload == name]
        kind = places[0].kind
        if places[0].slo_ttft_s is not None or places[0].replicas_h:
            row = _serving_row(name, places, obs, replay, catalog)
        else:
            row = _job_row(name, places, jobs, obs, replay, catalog, scenario.workload(name))
        share = [_plan_share(p, replay) for p in places]
        row["window_h"] = max(_window_hours(p, replay)[0] for p in places)
        row["start_day"] = min(float((p.plan.get("windows") or [[0.0]])[0][0]) for p in places)
        plan = {
            key: sum(float(p.plan.get(src) or 0.0) * f for p, f in zip(places, share, strict=True))
            for key, src in (
                ("cost_usd", "cost_usd"),
                ("energy_kwh", "energy_kwh"),
                ("carbon_kg", "co2_location_kg"),
            )
        }
        rows.append(
            {
                "workload": name,
                "kind": kind,
                "placements": len(places),
                **row,
                "plan_cost_usd": plan["cost_usd"],
                "plan_energy_kwh": plan["energy_kwh"],
                "plan_carbon_kg": plan["carbon_kg"],
            }
        )
    return rows


@dataclass
class ReplayResult:
    """A replayed plan: per-workload rows, the twin's fleet KPIs and the assumptions made."""

    scenario: str
    days: float
    workloads: list[dict[str, Any]]
    kpis: dict[str, Any]
    series: list[dict[str, float]]
    assumptions: list[str]
    jobs: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON of ``gigawatt simulate --plan --json`` (NaN never appears: None instead)."""
        out: dict[str, Any] = json_safe(
            {
                "scenario": self.scenario,
                "days": self.days,
                "workloads": self.workloads,
                "assumptions": self.assumptions,
                "fleet": {k: v for k, v in self.kpis.items() if k != "services"},
            }
        )
        return out


def replay_plan(
    scenario: Any,
    plan: dict[str, Any],
    catalog: Any,
    days: float,
    seed: int = 0,
    progress: Any = None,
    lengths: str = "trace",
) -> ReplayResult:
    """Replay ``plan`` (made from the plan ``scenario``) for ``days`` in the twin, requests of
    ``lengths`` (:func:`gigawatt.simulate.replay.plan_replay`)."""
    replay = plan_replay(scenario, plan, catalog, days, seed, lengths)
    obs = Observed()
    result = simulate(replay.scenario, catalog, progress=progress, observe=obs)
    rows = replay_rows(replay, obs, result.jobs, scenario, catalog)
    notes = list(replay.assumptions)  # site notes do not apply: each placement's region does
    return ReplayResult(
        scenario.name, days, rows, result.kpis, result.series, notes, list(result.jobs)
    )
