"""Schema of ``gigawatt simulate`` scenarios (pydantic v2, unknown fields rejected).

Units are in the field names (``_s``, ``_h``, ``_kw``, ``_usd_per_gpu_hour``...). Bad input becomes
one :class:`~gigawatt.errors.InputError` naming the field; YAML syntax errors carry file:line:col.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gigawatt.errors import InputError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpotSpec(_Strict):
    """Spot behaviour of a pool: preemptions arrive per node, with a notice before removal."""

    preemptions_per_node_day: float = Field(ge=0)
    notice_s: float = Field(default=30.0, ge=0)
    unavailable_h: float = Field(default=2.0, gt=0)


class PoolSpec(_Strict):
    """A homogeneous group of nodes (one system type, one commercial model)."""

    id: str
    system: str | None = None
    accelerator: str | None = None
    nodes: int = Field(ge=1)
    gpus_per_node: int | None = Field(default=None, ge=1)
    nodes_per_rack: int = Field(default=4, ge=1)
    kind: Literal["owned", "reserved", "on_demand", "spot"] = "owned"
    price_usd_per_gpu_hour: float = Field(default=0.0, ge=0)
    spares: int = Field(default=0, ge=0)
    node_power_kw: float | None = Field(default=None, gt=0)
    node_idle_power_kw: float | None = Field(default=None, ge=0)
    spot: SpotSpec | None = None

    @model_validator(mode="after")
    def _check(self) -> PoolSpec:
        if self.system is None and self.accelerator is None:
            raise ValueError("give 'system' (catalog systems id) or 'accelerator'")
        if self.spares >= self.nodes:
            raise ValueError(f"spares ({self.spares}) must be fewer than nodes ({self.nodes})")
        if self.kind == "spot" and self.spot is None:
            raise ValueError("a spot pool needs a 'spot' block (preemptions_per_node_day, ...)")
        return self


class FleetSpec(_Strict):
    pools: list[PoolSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> FleetSpec:
        ids = [p.id for p in self.pools]
        if len(set(ids)) != len(ids):
            raise ValueError(f"pool ids must be unique, got {ids}")
        return self


class FailureSpec(_Strict):
    """Node failures: a per-GPU rate table, detection/restart times, repair time.

    The rates are sourced (Llama 3 paper Table 5, see :mod:`gigawatt.simulate.failures`); the
    default detection (120 s), restart (480 s) and repair (24 h) times are assumptions (no
    per-interruption figure is published there); set them for your site.
    """

    table: Literal["llama3", "none"] = "llama3"
    rate_scale: float = Field(default=1.0, ge=0)
    extra_per_gpu_hour: dict[str, float] = Field(default_factory=dict)
    detection_s: float = Field(default=120.0, ge=0)
    restart_s: float = Field(default=480.0, ge=0)
    repair_h: float = Field(default=24.0, gt=0)


class SchedulerSpec(_Strict):
    policy: Literal["fifo", "priority", "sjf"] = "fifo"
    backfill: bool = True
    backfill_depth: int = Field(default=64, ge=0)
    preemption: bool = False
    topology_aware: bool = True
    quotas_gpus: dict[str, int] = Field(default_factory=dict)


class JobSpec(_Strict):
    """One job, or ``count`` identical jobs submitted ``every_h`` apart.

    Its failure-free length is ``duration_h``, or ``steps * step_time_s``, or comes from the
    training model (:func:`gigawatt.evaluate.training.plan_training`) for ``model`` and
    ``tokens`` on the pool's accelerator.
    """

    id: str
    kind: Literal["training", "fine_tune", "batch"] = "training"
    team: str = "default"
    priority: int = 0
    gpus: int = Field(ge=1)
    duration_h: float | None = Field(default=None, gt=0)
    steps: int | None = Field(default=None, ge=1)
    step_time_s: float | None = Field(default=None, gt=0)
    model: str | None = None
    tokens: str | float | None = None
    precision: str = "bf16"
    submit_h: float = Field(default=0.0, ge=0)
    count: int = Field(default=1, ge=1)
    every_h: float = Field(default=0.0, ge=0)
    pool: str | None = None
    checkpoint_interval_min: float | Literal["young-daly"] | None = "young-daly"
    checkpoint_write_s: float | None = Field(default=None, ge=0)
    preemptible: bool = True

    @model_validator(mode="after")
    def _duration(self) -> JobSpec:
        ways = [
            self.duration_h is not None,
            self.steps is not None or self.step_time_s is not None,
            self.model is not None or self.tokens is not None,
        ]
        if sum(ways) != 1:
            raise ValueError(
                "give exactly one of 'duration_h', 'steps' + 'step_time_s', or 'model' + 'tokens'"
            )
        if ways[1] and (self.steps is None or self.step_time_s is None):
            raise ValueError("give both 'steps' and 'step_time_s'")
        if ways[2] and (self.model is None or self.tokens is None):
            raise ValueError("give both 'model' and 'tokens'")
        return self


class JobStreamSpec(_Strict):
    """Poisson arrivals of jobs with sizes drawn from ``gpus`` and lognormal or resampled
    durations."""

    id: str
    kind: Literal["training", "fine_tune", "batch"] = "batch"
    team: str = "default"
    priority: int = 0
    rate_per_h: float = Field(gt=0)
    count: int | None = Field(default=None, ge=1)
    gpus: list[int] = Field(min_length=1)
    gpus_weights: list[float] | None = None
    duration_h_median: float | None = Field(default=None, gt=0)
    duration_sigma: float = Field(default=1.0, ge=0)
    duration_h_samples: list[float] | None = Field(default=None, min_length=1)
    pool: str | None = None
    checkpoint_interval_min: float | None = 30.0
    checkpoint_write_s: float = Field(default=30.0, ge=0)
    preemptible: bool = True

    @model_validator(mode="after")
    def _weights(self) -> JobStreamSpec:
        if any(g < 1 for g in self.gpus):
            raise ValueError(f"gpus entries must be >= 1, got {self.gpus}")
        if self.gpus_weights is not None and len(self.gpus_weights) != len(self.gpus):
            raise ValueError("gpus_weights must have one weight per gpus entry")
        if (self.duration_h_median is None) == (self.duration_h_samples is None):
            raise ValueError(
                "give exactly one of 'duration_h_median' (lognormal) or "
                "'duration_h_samples' (resampled)"
            )
        if self.duration_h_samples is not None and min(self.duration_h_samples) < 0:
            raise ValueError("duration_h_samples must be >= 0")
        return self


class RateCurveSpec(_Strict):
    """Diurnal arrival rate: base + (peak - base) * (1 + cos(2*pi*(h - peak_hour)/24)) / 2.

    Token counts are lognormal. Defaults are the medians and log-standard deviations of the Azure
    LLM 2023 conversation trace (github:Azure/AzurePublicDataset@b469a113:
    data/AzureLLMInferenceTrace_conv.csv, 19,366 requests; medians 1,020 prompt and 129 output
    tokens; sd of log 0.99 and 0.86, derived from the file; lognormal shape is an assumption).
    """

    base_rps: float = Field(ge=0)
    peak_rps: float = Field(ge=0)
    peak_hour: float = Field(default=14.0, ge=0, lt=24)
    prompt_tokens_median: float = Field(default=1020.0, gt=0)
    prompt_tokens_sigma: float = Field(default=0.99, ge=0)
    output_tokens_median: float = Field(default=129.0, gt=0)
    output_tokens_sigma: float = Field(default=0.86, ge=0)


class TraceSpec(_Strict):
    path: str
    format: Literal["auto", "azure-llm-2023", "mooncake", "gigawatt"] = "auto"
    time_scale: float = Field(default=1.0, gt=0)
    repeat: bool = True


class SloSpec(_Strict):
    ttft_s: float = Field(default=2.0, gt=0)
    tpot_s: float = Field(default=0.1, gt=0)


class LatencySpec(_Strict):
    """Explicit serving speeds (override the built-in roofline seam)."""

    prefill_tokens_per_s: float = Field(gt=0)
    decode_step_s: float = Field(gt=0)
    decode_step_s_per_seq: float = Field(default=0.0, ge=0)


class AutoscaleSpec(_Strict):
    min_replicas: int = Field(default=1, ge=1)
    max_replicas: int = Field(default=8, ge=1)
    target_inflight_per_replica: float = Field(default=32.0, gt=0)
    interval_s: float = Field(default=60.0, gt=0)
    cold_start_s: float = Field(default=120.0, ge=0)


class InferenceSpec(_Strict):
    id: str
    team: str = "serving"
    pool: str | None = None
    model: str | None = None
    precision: str = "bf16"
    engine: Literal["vllm", "sglang", "trtllm"] = "vllm"
    gpus_per_replica: int = Field(default=8, ge=1)
    replicas: int = Field(default=1, ge=1)
    max_batch: int = Field(default=64, ge=1)
    autoscale: AutoscaleSpec | None = None
    rate: RateCurveSpec | None = None
    trace: TraceSpec | None = None
    latency: LatencySpec | None = None
    slo: SloSpec = SloSpec()

    @model_validator(mode="after")
    def _source(self) -> InferenceSpec:
        if (self.rate is None) == (self.trace is None):
            raise ValueError("give exactly one of 'rate' (diurnal curve) or 'trace'")
        if self.latency is None and self.model is None:
            raise ValueError("give 'model' (catalog id) or an explicit 'latency' block")
        return self


class FacilitySpec(_Strict):
    """The site: its catalog region supplies PUE, electricity price and grid carbon intensity
    unless they are given here explicitly."""

    region: str | None = None
    pue: float | None = Field(default=None, ge=1.0)
    power_cap_kw: float | None = Field(default=None, gt=0)
    cap_mode: Literal["queue", "throttle"] = "queue"
    electricity_usd_per_kwh: float | None = Field(default=None, ge=0)
    grid_gco2_per_kwh: float | None = Field(default=None, ge=0)


class SimulationScenario(_Strict):
    name: str = "scenario"
    days: float = Field(default=7.0, gt=0)
    seed: int = 0
    sample_interval_s: float = Field(default=3600.0, gt=0)
    facility: FacilitySpec = FacilitySpec()
    fleet: FleetSpec
    failures: FailureSpec = FailureSpec()
    scheduler: SchedulerSpec = SchedulerSpec()
    jobs: list[JobSpec] = Field(default_factory=list)
    job_streams: list[JobStreamSpec] = Field(default_factory=list)
    inference: list[InferenceSpec] = Field(default_factory=list)
    base_dir: str = Field(default=".", exclude=True)

    @model_validator(mode="after")
    def _refs(self) -> SimulationScenario:
        pools = {p.id for p in self.fleet.pools}
        items: list[tuple[str, str | None]] = [
            *((f"jobs[{j.id}].pool", j.pool) for j in self.jobs),
            *((f"job_streams[{s.id}].pool", s.pool) for s in self.job_streams),
            *((f"inference[{s.id}].pool", s.pool) for s in self.inference),
        ]
        for where, pool in items:
            if pool is not None and pool not in pools:
                raise ValueError(f"{where}: unknown pool {pool!r}; pools: {sorted(pools)}")
        return self


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or "scenario"


def validation_error(exc: ValidationError, where: str) -> InputError:
    """Turn the first pydantic error into a one-line InputError naming the field."""
    err = exc.errors()[0]
    field = _loc(tuple(err["loc"]))
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown field"
    bad = err.get("input")
    shown = "" if err["type"] in ("missing",) or isinstance(bad, dict) else f" (got {bad!r})"
    return InputError(f"{field}: {msg}{shown}", where=where)


def parse_simulation(
    data: Any, *, where: str = "scenario", base_dir: Path | None = None
) -> SimulationScenario:
    """Validate a mapping as a :class:`SimulationScenario` (raises InputError naming the field)."""
    if not isinstance(data, dict):
        raise InputError(
            f"expected a mapping at the top level, got {type(data).__name__}", where=where
        )
    try:
        scenario = SimulationScenario.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, where) from None
    if base_dir is not None:
        scenario = scenario.model_copy(update={"base_dir": str(base_dir)})
    return scenario


def load_simulation(path: Path) -> SimulationScenario:
    """Read and validate a scenario YAML file (errors name file:line:col or the field)."""
    if not path.is_file():
        raise InputError(f"scenario file {str(path)!r} does not exist", where="SCENARIO")
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        pos = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise InputError(f"YAML syntax error: {exc.problem}", where=pos) from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML error: {exc}", where=str(path)) from None
    return parse_simulation(data, where=str(path), base_dir=path.resolve().parent)
