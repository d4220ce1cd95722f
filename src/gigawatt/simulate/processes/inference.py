"""Online inference: arrivals (diurnal rate curve or trace), replicas with continuous batching,
join-shortest-queue routing and a reactive autoscaler.

Replicas are simulated at batch granularity with the step rule of the static serving model
(``gigawatt infer``, :mod:`gigawatt.models.serving`): a prefill iteration admits waiting requests
and runs the chunked-prefill steps that carry their prompts, the running sequences decoding one
token in each of those steps (:meth:`gigawatt.simulate.seams.ServingSpeed.mixed_steps`); then
decode runs of ``k`` identical steps jump straight to the next request completion; an arrival
cuts the run at the next step boundary. The events per request are O(1), so an hour of a real
trace takes well under a second.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from typing import TYPE_CHECKING, Any

import numpy as np

from gigawatt.simulate.engine import ExpStream, UniformStream
from gigawatt.simulate.fleet import Pool
from gigawatt.simulate.seams import ServingSpeed

if TYPE_CHECKING:
    from gigawatt.simulate.world import World

IDLE, PREFILL, DECODE = 0, 1, 2


class Request:
    __slots__ = ("arrival_s", "done_step", "first_s", "inp", "out", "seq")

    def __init__(self, seq: int, arrival_s: float, inp: int, out: int) -> None:
        self.seq = seq
        self.arrival_s = arrival_s
        self.inp = inp
        self.out = out
        self.first_s = -1.0
        self.done_step = 0


class Replica:
    """One model replica on ``gpus`` GPUs of a pool."""

    def __init__(
        self, service: Service, pool: Pool, alloc: list[tuple[int, int]], ready_s: float
    ) -> None:
        self.service = service
        self.pool = pool
        self.alloc = alloc
        self.alive = True
        self.ready = False
        self.draining = False
        self.waiting: deque[Request] = deque()
        self.running: list[tuple[int, int, Request]] = []  # heap (done_step, seq, request)
        self.ctx_sum = 0.0
        self.steps = 0
        self.phase = IDLE
        self.epoch = 0
        self.run_start_s = 0.0
        self.run_steps = 0
        self.step_s = 0.0
        self.since_s = ready_s

    def load(self) -> int:
        return len(self.running) + len(self.waiting)

    def dispatch(self, req: Request) -> None:
        self.waiting.append(req)
        if self.phase == IDLE:
            self._next()
        elif self.phase == DECODE and len(self.running) < self.service.max_batch:
            self._cut_run()

    def _cut_run(self) -> None:
        now = self.service.world.kernel.now
        done = int((now - self.run_start_s) / self.step_s) if self.step_s > 0 else 0
        if done + 1 < self.run_steps:
            self.run_steps = done + 1
            self.epoch += 1
            self.service.world.kernel.at(
                self.run_start_s + self.run_steps * self.step_s, self._run_end, self.epoch
            )

    def _next(self) -> None:
        svc = self.service
        kernel = svc.world.kernel
        if not self.alive:
            return
        room = svc.max_batch - len(self.running)
        if self.waiting and room > 0:
            admit = [self.waiting.popleft() for _ in range(min(room, len(self.waiting)))]
            b = len(self.running)
            dur, steps = svc.speed.mixed_steps(
                [r.inp for r in admit], b, self.ctx_sum / b if b else 0.0
            )
            self.phase = PREFILL
            self.epoch += 1
            kernel.after(dur, self._prefill_end, (self.epoch, admit, steps))
            return
        if self.running:
            b = len(self.running)
            self.step_s = svc.speed.decode_step_s(b, self.ctx_sum / b)
            self.run_steps = self.running[0][0] - self.steps
            self.run_start_s = kernel.now
            self.phase = DECODE
            self.epoch += 1
            kernel.after(self.run_steps * self.step_s, self._run_end, self.epoch)
            return
        self.phase = IDLE
        if self.draining:
            svc.retire(self)

    def _prefill_end(self, arg: tuple[int, list[Request], int]) -> None:
        epoch, admit, steps = arg
        if epoch != self.epoch or not self.alive:
            return
        svc = self.service
        now = svc.world.kernel.now
        self._advance(steps, now)
        for r in admit:
            r.first_s = now
            if r.out <= 1:
                svc.complete(r, now)
            else:
                r.done_step = self.steps + r.out - 1
                self.ctx_sum += r.inp + 1
                heapq.heappush(self.running, (r.done_step, r.seq, r))
        self._next()

    def _run_end(self, epoch: int) -> None:
        if epoch != self.epoch or not self.alive:
            return
        self._advance(self.run_steps, self.service.world.kernel.now)
        self._next()

    def _advance(self, k: int, now: float) -> None:
        """The running sequences decoded ``k`` tokens each; complete those that are done."""
        svc = self.service
        b = len(self.running)
        self.steps += k
        self.ctx_sum += b * k
        svc.decode_tokens += b * k
        running = self.running
        while running and running[0][0] <= self.steps:
            _, _, r = heapq.heappop(running)
            self.ctx_sum -= r.inp + r.out
            svc.complete(r, now)

    def on_failure(self, node: int, node_lost: bool) -> None:
        """A node of this replica failed: the replica dies, its requests go back to the router."""
        self.service.replica_failed(self)


class Service:
    """An inference service: request source, replicas, router, autoscaler and statistics."""

    def __init__(
        self,
        world: World,
        spec: Any,
        speed: ServingSpeed,
        pools: list[Pool],
        trace: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
        horizon_s: float,
    ) -> None:
        self.world = world
        self.spec = spec
        self.id: str = spec.id
        self.speed = speed
        self.pools = pools
        self.max_batch: int = spec.max_batch
        self.gpus: int = spec.gpus_per_replica
        self.replicas: list[Replica] = []
        self.backlog: deque[Request] = deque()
        self.ttft: list[float] = []
        self.tpot: list[float] = []
        self.completed = 0
        self.slo_ok = 0
        self.arrived = 0
        self.decode_tokens = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.gpu_s = 0.0
        self.energy_gpu_kwh = 0.0
        self.replica_failures = 0
        self.scale_events = 0
        self.unplaced = 0
        self.horizon_s = horizon_s
        self._trace = trace
        self._seq = 0
        rng = world.kernel.rng
        self._u = UniformStream(rng)
        self._e = ExpStream(rng, 1.0)
        self._lognorm: dict[str, Any] = {}
        rate = spec.rate
        self._hourly: list[float] | None = None if rate is None else rate.hourly_rps
        active = 3600.0 if rate is None else float(rate.active_s_per_h)
        self._active_s = active
        self._warmup_s = 0.0 if active >= 3600.0 else active / 5.0
        self.hour_of_day: list[int] = []  # arrival hour (0-23) of each recorded request

    # ---- replicas ----------------------------------------------------------------------------
    def add_replica(self, delay_s: float) -> bool:
        world = self.world
        for pool in self.pools:
            if pool.free_gpus < self.gpus or not world.power.fits(self.gpus, pool):
                continue
            world.touch()
            rep = Replica(self, pool, [], world.kernel.now)
            alloc = pool.allocate(rep, self.gpus, world.topology_aware)
            if alloc is None:
                continue
            rep.alloc = alloc
            self.replicas.append(rep)
            self.scale_events += 1
            world.retune()
            world.kernel.after(delay_s, self._ready, rep, 3)
            return True
        self.unplaced += 1
        return False

    def _ready(self, rep: Replica) -> None:
        if not rep.alive:
            return
        rep.ready = True
        while self.backlog:
            self.route(self.backlog.popleft())

    def _free(self, rep: Replica) -> None:
        world = self.world
        world.touch()
        rep.alive = False
        rep.pool.release(rep, rep.alloc)
        self.gpu_s += self.gpus * (world.kernel.now - rep.since_s)
        self.replicas.remove(rep)
        world.retune()
        world.scheduler.request_pass()

    def retire(self, rep: Replica) -> None:
        if rep.alive:
            self._free(rep)

    def replica_failed(self, rep: Replica) -> None:
        if not rep.alive:
            return
        self.replica_failures += 1
        orphans = [r for _, _, r in rep.running] + list(rep.waiting)
        self._free(rep)
        if len(self.live()) < self.min_replicas():
            self.add_replica(self.cold_start_s())
        for r in orphans:
            r.first_s = -1.0
            self.route(r)

    def live(self) -> list[Replica]:
        return [r for r in self.replicas if not r.draining]

    def min_replicas(self) -> int:
        a = self.spec.autoscale
        return int(a.min_replicas) if a is not None else int(self.spec.replicas)

    def cold_start_s(self) -> float:
        a = self.spec.autoscale
        return float(a.cold_start_s) if a is not None else 120.0

    # ---- routing and completion --------------------------------------------------------------
    def route(self, req: Request) -> None:
        best: Replica | None = None
        for rep in self.replicas:
            if rep.ready and not rep.draining and (best is None or rep.load() < best.load()):
                best = rep
        if best is None:
            self.backlog.append(req)
        else:
            best.dispatch(req)

    def complete(self, r: Request, now: float) -> None:
        """Record a finished request (TTFT from its arrival to its last first token); in sampled
        windows the warm-up's requests count as tokens only."""
        self.input_tokens += r.inp
        self.output_tokens += r.out
        if r.arrival_s % 3600.0 < self._warmup_s:
            return
        self.ttft.append(r.first_s - r.arrival_s)
        self.completed += 1
        tpot = (now - r.first_s) / (r.out - 1) if r.out > 1 else 0.0
        self.tpot.append(tpot)
        if self._hourly is not None:
            self.hour_of_day.append(int(r.arrival_s // 3600.0) % 24)
        slo = self.spec.slo
        if r.first_s - r.arrival_s <= slo.ttft_s and tpot <= slo.tpot_s:
            self.slo_ok += 1

    # ---- arrivals ----------------------------------------------------------------------------
    def start(self) -> None:
        for _ in range(self.spec.replicas):
            self.add_replica(0.0)
        kernel = self.world.kernel
        if self._trace is not None:
            kernel.at(
                float(self._trace[0][0]) / self.spec.trace.time_scale,
                self._trace_arrival,
                (0, 0.0),
                4,
            )
        else:
            self._rate_arrival(None)
        if self.spec.autoscale is not None:
            kernel.after(self.spec.autoscale.interval_s, self._autoscale, None, 6)

    def _new(self, arrival_s: float, inp: float, out: float) -> None:
        self._seq += 1
        self.arrived += 1
        self.route(Request(self._seq, arrival_s, max(1, int(inp)), max(1, int(out))))

    def _trace_arrival(self, arg: tuple[int, float]) -> None:
        i, offset = arg
        assert self._trace is not None
        t, inp, out = self._trace
        scale = self.spec.trace.time_scale
        self._new(self.world.kernel.now, inp[i], out[i])
        i += 1
        if i >= len(t):
            if not self.spec.trace.repeat:
                return
            span = float(t[-1] - t[0]) + float(t[-1] - t[0]) / max(len(t) - 1, 1)
            i, offset = 0, offset + span
        self.world.kernel.at((offset + float(t[i])) / scale, self._trace_arrival, (i, offset), 4)

    def _rate(self, now_s: float) -> float:
        c = self.spec.rate
        hour = (now_s / 3600.0) % 24.0
        return float(
            c.base_rps
            + (c.peak_rps - c.base_rps)
            * (1.0 + math.cos(2.0 * math.pi * (hour - c.peak_hour) / 24.0))
            / 2.0
        )

    def _tokens(self, which: str) -> float:
        c = self.spec.rate
        it = self._lognorm.get(which)
        if it is None or not it[1]:
            median = c.prompt_tokens_median if which == "in" else c.output_tokens_median
            sigma = c.prompt_tokens_sigma if which == "in" else c.output_tokens_sigma
            block = self.world.kernel.rng.lognormal(math.log(median), sigma, 8192).tolist()
            block.reverse()
            it = (which, block)
            self._lognorm[which] = it
        return float(it[1].pop())

    def _rate_arrival(self, arg: Any) -> None:
        kernel = self.world.kernel
        if arg is not None:
            prompt = self._tokens("in") + self.spec.rate.prompt_tokens_fixed
            self._new(kernel.now, prompt, self._tokens("out"))
        t = self._next_hourly(kernel.now) if self._hourly else self._next_diurnal(kernel.now)
        if t is not None:
            kernel.at(t, self._rate_arrival, True, 4)

    def _next_diurnal(self, t: float) -> float | None:
        """Next arrival after ``t`` on the diurnal curve (thinning of a non-homogeneous Poisson
        process); None past the horizon."""
        c = self.spec.rate
        lam_max = max(c.base_rps, c.peak_rps)
        if lam_max <= 0:
            return None
        while True:
            t += self._e() / lam_max
            if t > self.horizon_s:
                return None
            if self._u() * lam_max <= self._rate(t):
                return t

    def _next_hourly(self, t: float) -> float | None:
        """Next arrival after ``t`` of the piecewise-constant hourly rate, inside the hours'
        active windows (exact: a draw that passes a window's end restarts at the next window,
        which the memoryless exponential allows); None past the horizon."""
        hourly = self._hourly
        assert hourly is not None
        while t < self.horizon_s:
            hour = int(t // 3600.0)
            end = hour * 3600.0 + self._active_s
            lam = hourly[hour % len(hourly)]
            if t < end and lam > 0:
                nxt = t + self._e() / lam
                if nxt < end:
                    return nxt if nxt <= self.horizon_s else None
            t = (hour + 1) * 3600.0
        return None

    # ---- autoscaling -------------------------------------------------------------------------
    def _autoscale(self, _: Any) -> None:
        a = self.spec.autoscale
        kernel = self.world.kernel
        kernel.after(a.interval_s, self._autoscale, None, 6)
        inflight = sum(r.load() for r in self.replicas) + len(self.backlog)
        want = max(
            a.min_replicas, min(a.max_replicas, math.ceil(inflight / a.target_inflight_per_replica))
        )
        live = self.live()
        if want > len(live):
            for _ in range(want - len(live)):
                if not self.add_replica(a.cold_start_s):
                    break
        elif want < len(live):
            idle = sorted(live, key=lambda r: r.load())[: len(live) - want]
            for rep in idle:
                rep.draining = True
                self.scale_events += 1
                if rep.phase == IDLE:
                    self.retire(rep)

    def finish(self, now_s: float) -> None:
        """Close GPU-time accounting of live replicas at the end of the run."""
        for rep in self.replicas:
            self.gpu_s += self.gpus * (now_s - rep.since_s)
            rep.since_s = now_s
