"""What limited a simulated factory: one rule over a run's figures that names the binding cause
(team quota, capacity, power cap, failures, spot reclaims, scheduling order, serving replicas)
and says it in a sentence.

The rule (:func:`findings`), in order; the first finding that applies is the binding one:

1. **Jobs held back**: the p95 queue time is at least :data:`QUEUE_LIMIT_S`. The cause is the
   wait reason that held the most queued GPU-hours (sampled by
   :class:`gigawatt.simulate.waits.WaitSampler`): team quota, capacity, power cap or scheduling
   order. When it is capacity and GPUs out of service (nodes in repair, spot nodes reclaimed)
   add up to at least :data:`OUTAGE_SHARE` of the GPU-hours held for capacity, the outage is
   named instead (failures or spot reclaims, whichever took more).
2. **Services missed their latency objectives**: a service met its SLO for fewer than
   :data:`SLO_TARGET` of its requests. The cause is capacity when its autoscaler found no room
   for a replica, otherwise the service's own replicas (its ``max_replicas`` or batch size).
3. **Work lost**: a throttling power cap took at least :data:`LOSS_SHARE` of allocated
   GPU-time; failures or spot reclaims took at least that share of the fleet's GPU-time out of
   service; or training goodput fell below ``1 - LOSS_SHARE``.
4. Otherwise nothing bound the factory: it had headroom (the reason holding the most queued
   GPU-hours, if any, is still named).

Thresholds are judgement calls stated here, not measured constants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gigawatt.report.units import format_duration, format_gpu_hours, format_share

QUEUE_LIMIT_S = 3600.0
"""A p95 queue time from one hour up counts as jobs being held back."""
SLO_TARGET = 0.99
"""A service meeting its latency objectives for fewer than 99 % of requests is limited."""
LOSS_SHARE = 0.05
"""A loss (throttling, outages, lost work) from 5 % of the GPU-time up is worth naming."""
OUTAGE_SHARE = 0.25
"""Outages that add up to a quarter of the GPU-hours held for capacity are named as the cause."""

REASON_CAUSE = {
    "quota": "team quota",
    "capacity": "capacity",
    "power_cap": "power cap",
    "order": "scheduling order",
}


@dataclass(frozen=True)
class LimitFacts:
    """The figures the rule reads (GPU-hours unless a name says otherwise)."""

    gpus: int
    hours: float
    utilization: float
    queue_p95_s: float | None = None
    queued_gpu_h: dict[str, float] = field(default_factory=dict)
    team_quota_gpu_h: dict[str, float] = field(default_factory=dict)
    repair_gpu_h: float = 0.0
    spot_away_gpu_h: float = 0.0
    throttled_gpu_h: float = 0.0
    goodput: float | None = None
    services: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Finding:
    """A cause (one of the rule's names, or "none") and the sentence that explains it."""

    cause: str
    sentence: str


def limit_facts(kpis: dict[str, Any]) -> LimitFacts:
    """The rule's figures from a run's KPIs (what ``gigawatt simulate --json`` prints)."""
    limits = kpis.get("limits") or {}
    return LimitFacts(
        gpus=int(kpis.get("gpus") or 0),
        hours=float(kpis["days"]) * 24.0,
        utilization=float(kpis.get("gpu_utilization") or 0.0),
        queue_p95_s=kpis.get("queue_time_s_p95"),
        queued_gpu_h=dict(limits.get("queued_gpu_h") or {}),
        team_quota_gpu_h={
            t["team"]: t["queued_gpu_h"]["quota"]
            for t in kpis.get("teams") or []
            if t["queued_gpu_h"].get("quota", 0.0) > 0
        },
        repair_gpu_h=float(limits.get("repair_gpu_h") or 0.0),
        spot_away_gpu_h=float(limits.get("spot_away_gpu_h") or 0.0),
        throttled_gpu_h=float(limits.get("throttled_gpu_h") or 0.0),
        goodput=kpis.get("goodput"),
        services=list(kpis.get("services") or []),
    )


def findings(f: LimitFacts) -> list[Finding]:
    """Every finding of the rule that applies, binding one first; ``[Finding("none", ...)]``
    when none does."""
    out = [*_queue_findings(f), *_service_findings(f), *_loss_findings(f)]
    if out:
        return out
    said = []
    if f.queue_p95_s is not None:
        said.append(f"one job in 20 waited {format_duration(f.queue_p95_s)} or longer")
    if f.services:
        said.append("every service met its latency objectives")
    said.append(f"{format_share(1.0 - f.utilization)} of the accelerator time was spare")
    head = ", ".join(said[:-1]) + (" and " if len(said) > 1 else "") + said[-1]
    top = _top_wait_reason(f)
    if top is None:
        return [Finding("none", f"Nothing held this factory back: {head}.")]
    reason, gpu_h, share = top
    return [
        Finding(
            "none",
            f"Nothing held this factory back for long: {head}; the {REASON_CAUSE[reason]} "
            f"held queued jobs ({format_gpu_hours(gpu_h)}, {format_share(share)} of queued "
            "GPU-hours) but their waits stayed short.",
        )
    ]


def _top_wait_reason(f: LimitFacts) -> tuple[str, float, float] | None:
    """(reason, queued GPU-hours it held, its share of all queued GPU-hours) of the wait reason
    that held the most; None when nothing was queued."""
    held = {r: v for r, v in f.queued_gpu_h.items() if v > 0}
    if not held:
        return None
    reason = max(held, key=lambda r: held[r])
    return reason, held[reason], held[reason] / sum(held.values())


def _queue_findings(f: LimitFacts) -> list[Finding]:
    top = _top_wait_reason(f)
    if f.queue_p95_s is None or f.queue_p95_s < QUEUE_LIMIT_S or top is None:
        return []
    reason, held_gpu_h, fraction = top
    cause = REASON_CAUSE[reason]
    share = format_share(fraction)
    wait = f"One job in 20 waited {format_duration(f.queue_p95_s)} or longer to start"
    if reason == "quota":
        team = max(f.team_quota_gpu_h, key=lambda t: f.team_quota_gpu_h[t], default=None)
        who = f", most of it team {team}'s" if team else ""
        return [
            Finding(
                cause,
                f"{wait} because team GPU quotas held them back: {share} of the queued "
                f"GPU-hours waited for their team's quota{who}, while the fleet was "
                f"{format_share(f.utilization)} allocated. Raise or pool the quotas.",
            )
        ]
    if reason == "capacity":
        outage = f.repair_gpu_h + f.spot_away_gpu_h
        if outage >= OUTAGE_SHARE * held_gpu_h:
            spot = f.spot_away_gpu_h > f.repair_gpu_h
            what = "spot reclaims" if spot else "failures"
            took = format_gpu_hours(f.spot_away_gpu_h if spot else f.repair_gpu_h)
            return [
                Finding(
                    what,
                    f"{wait} for free GPUs ({share} of the queued GPU-hours), and {what} "
                    f"took {took} out of service: the missing nodes were the bottleneck.",
                )
            ]
        return [
            Finding(
                cause,
                f"{wait} for free GPUs: {share} of the queued GPU-hours had no pool with room, "
                f"at {format_share(f.utilization)} allocation. The fleet is too small for "
                "this load.",
            )
        ]
    if reason == "power_cap":
        text = (
            f"{wait} under the facility power cap: {share} of the queued GPU-hours had GPUs "
            "free but starting them would have exceeded the cap."
        )
    else:
        text = (
            f"{wait} although GPUs were free: {share} of the queued GPU-hours waited behind "
            "other jobs in queue order (backfill depth, node fragmentation)."
        )
    return [Finding(cause, text)]


def _service_findings(f: LimitFacts) -> list[Finding]:
    out = []
    for s in f.services:
        att = s.get("slo_attainment")
        if att is None or att >= SLO_TARGET:
            continue
        unplaced = s.get("unplaced_scale_ups") or 0
        cause = "capacity" if unplaced else "service replicas"
        why = (
            f"its autoscaler found no room for {unplaced} scale-ups"
            if unplaced
            else "its replicas (max_replicas, batch size) could not keep up with the load"
        )
        out.append(
            Finding(
                cause,
                f"Service {s['id']} met its latency objectives for {format_share(att)} of "
                f"requests (target {format_share(SLO_TARGET)}): {why}.",
            )
        )
    return out


def _loss_findings(f: LimitFacts) -> list[Finding]:
    fleet_gpu_h = f.gpus * f.hours
    allocated = f.utilization * fleet_gpu_h
    out = []
    if allocated > 0 and f.throttled_gpu_h >= LOSS_SHARE * allocated:
        out.append(
            Finding(
                "power cap",
                f"The power cap throttled running jobs: {format_gpu_hours(f.throttled_gpu_h)} "
                f"({format_share(f.throttled_gpu_h / allocated)} of the allocated GPU-time) "
                "were lost to slowdown.",
            )
        )
    for cause, gpu_h in (("failures", f.repair_gpu_h), ("spot reclaims", f.spot_away_gpu_h)):
        if fleet_gpu_h > 0 and gpu_h >= LOSS_SHARE * fleet_gpu_h:
            out.append(
                Finding(
                    cause,
                    f"{cause.capitalize()} took {format_gpu_hours(gpu_h)} "
                    f"({format_share(gpu_h / fleet_gpu_h)} of the fleet's GPU-time) out of "
                    "service.",
                )
            )
    if f.goodput is not None and f.goodput < 1.0 - LOSS_SHARE:
        out.append(
            Finding(
                "failures",
                f"Training goodput was {format_share(f.goodput)}: checkpoints, interruptions, "
                "restarts and preemptions cost the rest of the allocated GPU-time.",
            )
        )
    return out
