"""Scenario -> world: pools, site, power, failures, scheduler, jobs, job streams and services.

Everything is checked against the catalog here (systems, accelerators, regions, job sizes), so a
run never starts on a world it cannot place. The order of construction fixes the order of the
random draws, hence the results of a seeded run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gigawatt.catalog.lookup import region_value, system_power_kw
from gigawatt.errors import InputError
from gigawatt.evaluate.training import TrainOptions, plan_training
from gigawatt.simulate.engine import Kernel
from gigawatt.simulate.failures import failure_causes, total_rate_per_gpu_hour
from gigawatt.simulate.fleet import Pool
from gigawatt.simulate.power import PowerState
from gigawatt.simulate.processes.inference import Service
from gigawatt.simulate.processes.training import Job, checkpoint_interval_s
from gigawatt.simulate.scheduler import Scheduler
from gigawatt.simulate.seams import ServingSpeed, explicit_speed, load_trace, model_speed
from gigawatt.simulate.world import World
from gigawatt.spec.simulation import (
    FacilitySpec,
    InferenceSpec,
    JobSpec,
    JobStreamSpec,
    PoolSpec,
    SimulationScenario,
)

#: Checkpoint stall when neither the scenario nor the training model gives one (assumption).
DEFAULT_CHECKPOINT_WRITE_S = 60.0


def build_pool(spec: PoolSpec, catalog: Any, where: str) -> Pool:
    """A fleet pool from its spec, with node powers from the catalog when not given."""
    if spec.system is not None:
        sysrow = catalog.get("systems", spec.system, field=f"{where}.system")
        acc_id = str(sysrow["accelerator"])
        g = spec.gpus_per_node or int(sysrow["accelerators_per_system"])
        acc = catalog.get("accelerators", acc_id, field=f"{where}.system")
        cat_idle, cat_max = system_power_kw(sysrow, acc)
        busy = spec.node_power_kw or cat_max
        idle = cat_idle if spec.node_idle_power_kw is None else spec.node_idle_power_kw
    else:
        assert spec.accelerator is not None
        acc_id = spec.accelerator
        acc = catalog.get("accelerators", acc_id, field=f"{where}.accelerator")
        g = spec.gpus_per_node or int(acc.get("scale_up_domain_size") or 8)
        busy = spec.node_power_kw or g * float(acc["tdp_w"]) / 1000.0
        gpu_idle_kw = g * float(acc.get("idle_power_w") or 0.0) / 1000.0
        idle = gpu_idle_kw if spec.node_idle_power_kw is None else spec.node_idle_power_kw
    return Pool(
        spec.id,
        spec.kind,
        acc_id,
        g,
        spec.nodes,
        spec.nodes_per_rack,
        spec.price_usd_per_gpu_hour,
        busy,
        min(idle, busy),
        spec.spares,
    )


def _check_gpus(gpus: int, pools: list[Pool], where: str) -> None:
    for p in pools:
        if gpus <= (p.nodes - p.spares_target) * p.gpus_per_node:
            return
    sizes = ", ".join(
        f"{p.id}: at most {(p.nodes - p.spares_target) * p.gpus_per_node}" for p in pools
    )
    raise InputError(f"{gpus} GPUs cannot be placed ({sizes})", where=where)


@dataclass(frozen=True)
class Site:
    """Facility figures of a run: explicit scenario values, else the catalog region's."""

    pue: float
    electricity_usd_per_kwh: float | None
    grid_gco2_per_kwh: float | None
    assumptions: tuple[str, ...]


def resolve_site(spec: FacilitySpec, catalog: Any) -> Site:
    """PUE, electricity price and grid intensity from ``spec``, falling back to its region (and
    that region's country, :func:`gigawatt.catalog.lookup.region_value`).

    Unknown price or intensity stay None (their KPIs are then None, never a silent 0); an
    unknown PUE is 1.0, i.e. facility energy = IT energy, and the run says so.
    """
    if spec.region:
        catalog.get("regions", spec.region, field="facility.region")

    def from_region(given: float | None, key: str) -> float | None:
        if given is not None or not spec.region:
            return given
        return region_value(catalog, spec.region, key)

    pue = from_region(spec.pue, "pue")
    elec = from_region(spec.electricity_usd_per_kwh, "electricity_usd_per_kwh")
    grid = from_region(spec.grid_gco2_per_kwh, "grid_gco2_per_kwh")
    notes = []
    if pue is None:
        notes.append("facility.pue: not given (no region); energy is IT energy (PUE 1.0)")
    if elec is None:
        notes.append("facility.electricity_usd_per_kwh: unknown; energy cost not counted")
    if grid is None:
        notes.append("facility.grid_gco2_per_kwh: unknown; carbon not computed")
    return Site(1.0 if pue is None else float(pue), elec, grid, tuple(notes))


def build_world(sc: SimulationScenario, catalog: Any, horizon_s: float, seed: int) -> World:
    """Construct the world of scenario ``sc`` (validated against the catalog), ready to run."""
    world = _empty_world(sc, catalog, seed)
    rate_gpu_s = total_rate_per_gpu_hour(world.causes) / 3600.0
    for i, js in enumerate(sc.jobs):
        _add_jobs(world, js, i, rate_gpu_s, catalog)
    for i, st in enumerate(sc.job_streams):
        _add_stream(world, st, i, horizon_s)
    for i, inf in enumerate(sc.inference):
        world.services.append(_service(world, inf, i, catalog, horizon_s))
    _start_processes(world, sc.fleet.pools)
    return world


def _empty_world(sc: SimulationScenario, catalog: Any, seed: int) -> World:
    """Kernel, pools, power, failure causes and scheduler; no jobs or services yet."""
    kernel = Kernel(seed)
    pools = [build_pool(p, catalog, f"fleet.pools[{i}]") for i, p in enumerate(sc.fleet.pools)]
    site = resolve_site(sc.facility, catalog)
    power = PowerState(pools, site.pue, sc.facility.power_cap_kw, sc.facility.cap_mode)
    f = sc.failures
    world = World(
        kernel,
        pools,
        power,
        causes=failure_causes(f.table, f.rate_scale, f.extra_per_gpu_hour),
        detection_s=f.detection_s,
        restart_s=f.restart_s,
        repair_s=f.repair_h * 3600.0,
        topology_aware=sc.scheduler.topology_aware,
    )
    s = sc.scheduler
    world.scheduler = Scheduler(
        world, s.policy, s.backfill, s.backfill_depth, s.preemption, s.quotas_gpus
    )
    return world


def _start_processes(world: World, pool_specs: list[PoolSpec]) -> None:
    """Schedule the first failure, spot-reclaim and service events."""
    if world.causes:
        world.start_failures()
    for spec, pool in zip(pool_specs, world.pools, strict=True):
        if spec.spot is not None:
            world.start_spot(
                pool,
                spec.spot.preemptions_per_node_day,
                spec.spot.notice_s,
                spec.spot.unavailable_h * 3600.0,
            )
    for service in world.services:
        service.start()


def job_work_s(js: JobSpec, pool: Pool, catalog: Any, where: str) -> tuple[float, float]:
    """(failure-free compute s, checkpoint write s) of one job of ``js`` on ``pool``."""
    write = js.checkpoint_write_s
    if js.duration_h is not None:
        return js.duration_h * 3600.0, DEFAULT_CHECKPOINT_WRITE_S if write is None else write
    if js.steps is not None and js.step_time_s is not None:
        return js.steps * js.step_time_s, DEFAULT_CHECKPOINT_WRITE_S if write is None else write

    assert js.model is not None and js.tokens is not None
    try:
        res = plan_training(
            js.model,
            pool.accelerator,
            js.gpus,
            js.tokens,
            TrainOptions(precision=js.precision),
            catalog=catalog,
        )
    except InputError as exc:
        raise InputError(str(exc), where=where) from None
    if not res.fits or res.time_to_train_days_ideal is None:
        raise InputError(
            f"{js.model} does not fit on {js.gpus} {pool.accelerator}; smallest "
            f"count that fits: {res.smallest_count_that_fits}",
            where=f"{where}.gpus",
        )
    if write is None:
        write = res.checkpoint_write_s or DEFAULT_CHECKPOINT_WRITE_S
    return res.time_to_train_days_ideal * 86_400.0, write


def _pools_for(world: World, pool_id: str | None) -> list[Pool]:
    """The pool a job or service is pinned to, else every pool."""
    return [world.pool_by_id[pool_id]] if pool_id else world.pools


def _add_jobs(world: World, js: JobSpec, i: int, rate_gpu_s: float, catalog: Any) -> None:
    where = f"jobs[{i}]"
    spools = _pools_for(world, js.pool)
    _check_gpus(js.gpus, spools, f"{where}.gpus")
    work_s, write_s = job_work_s(js, spools[0], catalog, where)
    interval = checkpoint_interval_s(js.checkpoint_interval_min, write_s, js.gpus, rate_gpu_s)
    for n in range(js.count):
        job = Job(
            next(world.seq),
            js.id if js.count == 1 else f"{js.id}-{n}",
            js.kind,
            js.team,
            js.priority,
            js.gpus,
            work_s,
            (js.submit_h + n * js.every_h) * 3600.0,
            interval,
            write_s,
            js.pool,
            js.preemptible,
        )
        world.kernel.at(job.submit_s, world.submit, job, 0)


def _stream_draws(
    rng: np.random.Generator, st: JobStreamSpec, horizon_s: float
) -> tuple[list[float], list[int], list[float]]:
    """(submit times s, GPU counts, failure-free durations s) of the jobs of stream ``st``."""
    n = st.count if st.count is not None else int(st.rate_per_h * horizon_s / 3600.0 * 1.2 + 50)
    times = np.cumsum(rng.exponential(3600.0 / st.rate_per_h, n))
    if st.count is None:
        times = times[times <= horizon_s]
    n = len(times)
    w = np.asarray(st.gpus_weights if st.gpus_weights is not None else [1.0] * len(st.gpus))
    sizes = rng.choice(np.asarray(st.gpus), size=n, p=w / w.sum())
    if st.duration_h_samples is not None:
        durs = rng.choice(np.asarray(st.duration_h_samples) * 3600.0, size=n)
    else:
        assert st.duration_h_median is not None
        durs = rng.lognormal(np.log(st.duration_h_median * 3600.0), st.duration_sigma, n)
    return times.tolist(), sizes.tolist(), durs.tolist()


def _add_stream(world: World, st: JobStreamSpec, i: int, horizon_s: float) -> None:
    for g in st.gpus:
        _check_gpus(g, _pools_for(world, st.pool), f"job_streams[{i}].gpus")
    t_list, g_list, d_list = _stream_draws(world.kernel.rng, st, horizon_s)
    n = len(t_list)
    interval = math.inf if st.checkpoint_interval_min is None else st.checkpoint_interval_min * 60.0
    state = {"k": 0}

    def arrive(_: Any) -> None:  # chained arrivals keep the heap small
        k = state["k"]
        job = Job(
            next(world.seq),
            f"{st.id}-{k}",
            st.kind,
            st.team,
            st.priority,
            int(g_list[k]),
            float(d_list[k]),
            world.kernel.now,
            interval,
            st.checkpoint_write_s,
            st.pool,
            st.preemptible,
        )
        world.submit(job)
        state["k"] = k + 1
        if k + 1 < n:
            world.kernel.at(t_list[k + 1], arrive, None, 0)

    if n:
        world.kernel.at(t_list[0], arrive, None, 0)


def _serving_speed(inf: InferenceSpec, pools: list[Pool], catalog: Any, where: str) -> ServingSpeed:
    """Explicit ``latency`` figures, else the inference model for the first pool's chip."""
    if inf.latency is not None:
        lat = inf.latency
        return explicit_speed(
            lat.prefill_tokens_per_s, lat.decode_step_s, lat.decode_step_s_per_seq, inf.max_batch
        )
    assert inf.model is not None
    acc = catalog.get("accelerators", pools[0].accelerator, field=f"{where}.pool")
    return model_speed(
        inf.model, acc, inf.precision, inf.gpus_per_replica, inf.max_batch, catalog, inf.engine
    )


def _service(world: World, inf: InferenceSpec, i: int, catalog: Any, horizon_s: float) -> Service:
    where = f"inference[{i}]"
    spools = _pools_for(world, inf.pool)
    _check_gpus(inf.gpus_per_replica, spools, f"{where}.gpus_per_replica")
    speed = _serving_speed(inf, spools, catalog, where)
    trace = None if inf.trace is None else load_trace(Path(inf.trace.path), inf.trace.format)
    return Service(world, inf, speed, spools, trace, horizon_s)
