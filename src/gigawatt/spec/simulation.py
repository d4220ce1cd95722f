"""Schema of ``gigawatt simulate`` scenarios, read and checked like plan scenarios.

Units are in the field names (``_s``, ``_h``, ``_kw``, ``_usd_per_gpu_hour``...). Every model is a
:class:`~gigawatt.spec._base.SpecModel` (unknown keys rejected with the closest allowed key,
strings never turned into numbers, NaN/inf rejected, frozen); YAML is read by
:func:`gigawatt.spec.loading.read_yaml` (duplicate keys rejected, positions kept), so bad input
becomes one :class:`~gigawatt.errors.InputError` such as
``sim.yaml:12:7: fleet.pools[1].id = 'a': duplicate id; already used by fleet.pools[0]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from gigawatt.errors import closest
from gigawatt.spec._base import Count, FieldError, SpecModel, duplicates
from gigawatt.spec.loading import Marks, parse_document, read_yaml

JobKind = Literal["training", "fine_tune", "batch"]
PositiveCount = Annotated[Count, Field(ge=1)]


class SpotSpec(SpecModel):
    """Spot behaviour of a pool: preemptions arrive per node, with a notice before removal."""

    preemptions_per_node_day: float = Field(ge=0)
    notice_s: float = Field(default=30.0, ge=0)
    unavailable_h: float = Field(default=2.0, gt=0)


class PoolSpec(SpecModel):
    """A homogeneous group of nodes (one system type, one commercial model)."""

    id: str
    system: str | None = None
    accelerator: str | None = None
    nodes: PositiveCount
    gpus_per_node: PositiveCount | None = None
    nodes_per_rack: PositiveCount = 4
    kind: Literal["owned", "reserved", "on_demand", "spot"] = "owned"
    price_usd_per_gpu_hour: float = Field(default=0.0, ge=0)
    spares: Count = Field(default=0, ge=0)
    node_power_kw: float | None = Field(default=None, gt=0)
    node_idle_power_kw: float | None = Field(default=None, ge=0)
    spot: SpotSpec | None = None

    @model_validator(mode="after")
    def _check(self) -> PoolSpec:
        if self.system is None and self.accelerator is None:
            raise FieldError("give 'system' (catalog systems id) or 'accelerator'")
        if self.spares >= self.nodes:
            raise FieldError(f"must be fewer than nodes ({self.nodes})", ("spares",), self.spares)
        if self.kind == "spot" and self.spot is None:
            raise FieldError(
                "a spot pool needs a 'spot' block (preemptions_per_node_day, ...)",
                ("kind",),
                self.kind,
            )
        return self


def _unique_ids(items: list[Any], field: str) -> None:
    """Reject two entries of ``field`` with one ``id`` (jobs, services and pools are named)."""
    ids = [item.id for item in items]
    for index, first in duplicates(ids):
        raise FieldError(
            f"duplicate id; already used by {field}[{first}]", (index, "id"), ids[index]
        )


class FleetSpec(SpecModel):
    """The nodes of the site, as pools."""

    pools: list[PoolSpec] = Field(min_length=1)

    @field_validator("pools")
    @classmethod
    def _unique(cls, pools: list[PoolSpec]) -> list[PoolSpec]:
        _unique_ids(pools, "fleet.pools")
        return pools


class FailureSpec(SpecModel):
    """Node failures: a per-GPU rate table, detection/restart times, repair time.

    The rates are sourced (Llama 3 paper Table 5, see :mod:`gigawatt.simulate.failures`); the
    default detection (120 s), restart (480 s) and repair (24 h) times are assumptions (no
    per-interruption figure is published there); set them for your site.
    """

    table: Literal["llama3", "none"] = "llama3"
    rate_scale: float = Field(default=1.0, ge=0)
    extra_per_gpu_hour: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)
    detection_s: float = Field(default=120.0, ge=0)
    restart_s: float = Field(default=480.0, ge=0)
    repair_h: float = Field(default=24.0, gt=0)


class SchedulerSpec(SpecModel):
    """Queue policy, backfill, preemption, topology awareness and per-team GPU quotas.

    ``easy_backfill``: FIFO with EASY backfill (the head job's start is reserved).
    """

    policy: Literal["fifo", "priority", "sjf", "easy_backfill"] = "fifo"
    backfill: bool = True
    backfill_depth: Count = Field(default=64, ge=0)
    preemption: bool = False
    topology_aware: bool = True
    quotas_gpus: dict[str, Annotated[Count, Field(ge=0)]] = Field(default_factory=dict)


class JobSpec(SpecModel):
    """One job, or ``count`` identical jobs submitted ``every_h`` apart.

    Its failure-free length is ``duration_h``, or ``steps * step_time_s``, or comes from the
    training model (:func:`gigawatt.evaluate.training.plan_training`) for ``model`` and
    ``tokens`` on the pool's accelerator.
    """

    id: str
    kind: JobKind = "training"
    team: str = "default"
    priority: Count = 0
    gpus: PositiveCount
    duration_h: float | None = Field(default=None, gt=0)
    steps: PositiveCount | None = None
    step_time_s: float | None = Field(default=None, gt=0)
    model: str | None = None
    tokens: str | float | None = None
    precision: str = "bf16"
    submit_h: float = Field(default=0.0, ge=0)
    count: PositiveCount = 1
    every_h: float = Field(default=0.0, ge=0)
    pool: str | None = None
    checkpoint_interval_min: Annotated[float, Field(gt=0)] | Literal["young-daly"] | None = (
        "young-daly"
    )
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
            raise FieldError(
                "give exactly one of 'duration_h', 'steps' + 'step_time_s', or 'model' + 'tokens'"
            )
        if ways[1] and (self.steps is None or self.step_time_s is None):
            raise FieldError("give both 'steps' and 'step_time_s'")
        if ways[2] and (self.model is None or self.tokens is None):
            raise FieldError("give both 'model' and 'tokens'")
        return self


class JobStreamSpec(SpecModel):
    """Poisson arrivals of jobs with sizes drawn from ``gpus`` and lognormal or resampled
    durations."""

    id: str
    kind: JobKind = "batch"
    team: str = "default"
    priority: Count = 0
    rate_per_h: float = Field(gt=0)
    count: PositiveCount | None = None
    gpus: list[PositiveCount] = Field(min_length=1)
    gpus_weights: list[Annotated[float, Field(ge=0)]] | None = None
    duration_h_median: float | None = Field(default=None, gt=0)
    duration_sigma: float = Field(default=1.0, ge=0)
    duration_h_samples: list[Annotated[float, Field(ge=0)]] | None = Field(
        default=None, min_length=1
    )
    pool: str | None = None
    checkpoint_interval_min: float | None = Field(default=30.0, gt=0)
    checkpoint_write_s: float = Field(default=30.0, ge=0)
    preemptible: bool = True

    @model_validator(mode="after")
    def _weights(self) -> JobStreamSpec:
        if self.gpus_weights is not None and len(self.gpus_weights) != len(self.gpus):
            raise FieldError(
                f"must have one weight per gpus entry ({len(self.gpus)})",
                ("gpus_weights",),
                self.gpus_weights,
            )
        if (self.duration_h_median is None) == (self.duration_h_samples is None):
            raise FieldError(
                "give exactly one of 'duration_h_median' (lognormal) or "
                "'duration_h_samples' (resampled)"
            )
        return self


class RateCurveSpec(SpecModel):
    """Diurnal arrival rate: base + (peak - base) * (1 + cos(2*pi*(h - peak_hour)/24)) / 2, or
    ``hourly_rps``: the rate of hour ``h`` of the run is ``hourly_rps[h % len]`` (piecewise
    constant; what ``gigawatt simulate --plan`` derives from a workload's load profile). With
    ``active_s_per_h`` < 3600 requests arrive only in the first ``active_s_per_h`` seconds of
    each hour (sampled windows), and latency statistics skip the first fifth of each window
    (warm-up from an empty replica).

    Token counts are lognormal. Defaults are the medians and log-standard deviations of the Azure
    LLM 2023 conversation trace (github:Azure/AzurePublicDataset@b469a113:
    data/AzureLLMInferenceTrace_conv.csv, 19,366 requests; medians 1,020 prompt and 129 output
    tokens; sd of log 0.99 and 0.86, derived from the file; lognormal shape is an assumption).
    """

    base_rps: float | None = Field(default=None, ge=0)
    peak_rps: float | None = Field(default=None, ge=0)
    hourly_rps: list[Annotated[float, Field(ge=0)]] | None = Field(default=None, min_length=1)
    active_s_per_h: float = Field(default=3600.0, gt=0, le=3600.0)
    peak_hour: float = Field(default=14.0, ge=0, lt=24)
    prompt_tokens_median: float = Field(default=1020.0, gt=0)
    prompt_tokens_sigma: float = Field(default=0.99, ge=0)
    output_tokens_median: float = Field(default=129.0, gt=0)
    output_tokens_sigma: float = Field(default=0.86, ge=0)
    prompt_tokens_fixed: float = Field(
        default=0.0,
        ge=0,
        description="Tokens added to every prompt on top of the lognormal draw, e.g. a RAG "
        "request's retrieved context, whose size top-k retrieval fixes [tokens].",
    )

    @model_validator(mode="after")
    def _one_curve(self) -> RateCurveSpec:
        curve = self.base_rps is not None and self.peak_rps is not None
        if curve == (self.hourly_rps is not None) or (
            not curve and (self.base_rps is not None or self.peak_rps is not None)
        ):
            raise FieldError("give 'base_rps' and 'peak_rps' (diurnal curve) or 'hourly_rps'")
        return self


class TraceSpec(SpecModel):
    """A request trace file (a relative ``path`` is relative to the scenario file's folder)."""

    path: str = Field(min_length=1)
    format: Literal["auto", "azure-llm-2023", "mooncake", "gigawatt"] = "auto"
    time_scale: float = Field(default=1.0, gt=0)
    repeat: bool = True


class SloSpec(SpecModel):
    """Latency objectives of a service: time to first token and time per output token."""

    ttft_s: float = Field(default=2.0, gt=0)
    tpot_s: float = Field(default=0.1, gt=0)


class LatencySpec(SpecModel):
    """Explicit serving speeds (override the built-in roofline seam)."""

    prefill_tokens_per_s: float = Field(gt=0)
    decode_step_s: float = Field(gt=0)
    decode_step_s_per_seq: float = Field(default=0.0, ge=0)


class AutoscaleSpec(SpecModel):
    """Replica autoscaling on in-flight requests per replica."""

    min_replicas: PositiveCount = 1
    max_replicas: PositiveCount = 8
    target_inflight_per_replica: float = Field(default=32.0, gt=0)
    interval_s: float = Field(default=60.0, gt=0)
    cold_start_s: float = Field(default=120.0, ge=0)


class InferenceSpec(SpecModel):
    """An inference service: replicas of one model, fed by a diurnal rate curve or a trace."""

    id: str
    team: str = "serving"
    pool: str | None = None
    model: str | None = None
    precision: str = "bf16"
    engine: Literal["vllm", "sglang", "trtllm"] = "vllm"
    gpus_per_replica: PositiveCount = 8
    replicas: PositiveCount = 1
    max_batch: PositiveCount = 64
    autoscale: AutoscaleSpec | None = None
    rate: RateCurveSpec | None = None
    trace: TraceSpec | None = None
    latency: LatencySpec | None = None
    slo: SloSpec = SloSpec()

    @model_validator(mode="after")
    def _source(self) -> InferenceSpec:
        if (self.rate is None) == (self.trace is None):
            raise FieldError("give exactly one of 'rate' (diurnal curve) or 'trace'")
        if self.latency is None and self.model is None:
            raise FieldError("give 'model' (catalog id) or an explicit 'latency' block")
        return self


class FacilitySpec(SpecModel):
    """The site: its catalog region supplies PUE, electricity price and grid carbon intensity
    unless they are given here explicitly."""

    region: str | None = None
    pue: float | None = Field(default=None, ge=1.0)
    power_cap_kw: float | None = Field(default=None, gt=0)
    cap_mode: Literal["queue", "throttle"] = "queue"
    electricity_usd_per_kwh: float | None = Field(default=None, ge=0)
    grid_gco2_per_kwh: float | None = Field(default=None, ge=0)


class SimulationScenario(SpecModel):
    """A fleet, its workloads (jobs, job streams, inference services) and the site, over days."""

    name: str = "scenario"
    days: float = Field(default=7.0, gt=0)
    seed: Count = Field(default=0, ge=0)
    sample_interval_s: float = Field(default=3600.0, gt=0)
    facility: FacilitySpec = FacilitySpec()
    fleet: FleetSpec
    failures: FailureSpec = FailureSpec()
    scheduler: SchedulerSpec = SchedulerSpec()
    jobs: list[JobSpec] = Field(default_factory=list)
    job_streams: list[JobStreamSpec] = Field(default_factory=list)
    inference: list[InferenceSpec] = Field(default_factory=list)

    @field_validator("jobs", "job_streams", "inference")
    @classmethod
    def _unique(cls, items: list[Any], info: ValidationInfo) -> list[Any]:
        _unique_ids(items, str(info.field_name))
        return items

    @model_validator(mode="after")
    def _known_pools(self) -> SimulationScenario:
        pools = [p.id for p in self.fleet.pools]
        groups: tuple[tuple[str, list[Any]], ...] = (
            ("jobs", self.jobs),
            ("job_streams", self.job_streams),
            ("inference", self.inference),
        )
        for field, items in groups:
            for index, item in enumerate(items):
                if item.pool is not None and item.pool not in pools:
                    near = closest(item.pool, pools, n=1)
                    hint = f"did you mean {near[0]!r}?" if near else f"pools: {', '.join(pools)}"
                    raise FieldError(f"unknown pool; {hint}", (field, index, "pool"), item.pool)
        return self


def parse_simulation(
    data: Any, *, source: str = "<simulation>", marks: Marks | None = None
) -> SimulationScenario:
    """Validate already-parsed data into a :class:`SimulationScenario` (the rule of
    :func:`gigawatt.spec.loading.parse_document`)."""
    return parse_document(
        SimulationScenario,
        data,
        source=source,
        marks=marks,
        expected="a simulation scenario must be a mapping with at least fleet",
    )


def _resolve_trace_paths(data: Any, base: Path) -> None:
    """Make relative ``inference[*].trace.path`` relative to the scenario file's folder."""
    services = data.get("inference") if isinstance(data, dict) else None
    for service in services if isinstance(services, list) else []:
        trace = service.get("trace") if isinstance(service, dict) else None
        path = trace.get("path") if isinstance(trace, dict) else None
        if isinstance(trace, dict) and isinstance(path, str) and path:
            full = Path(path).expanduser()
            trace["path"] = str(full if full.is_absolute() else (base / full).resolve())


def load_simulation(path: Path) -> SimulationScenario:
    """Read and validate a simulation scenario YAML file.

    Relative trace paths are resolved against the file's folder. Raises :class:`InputError` with
    ``file:line:col`` for malformed YAML, duplicate keys and invalid fields.
    """
    path = Path(path)
    data, marks = read_yaml(path)
    _resolve_trace_paths(data, path.parent)
    return parse_simulation(data, source=str(path), marks=marks)
