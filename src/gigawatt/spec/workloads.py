"""Workload models: one class per ``kind``, joined in the discriminated union :data:`Workload`.

Units are in the field names (``_tokens``, ``_days``, ``_h``, ``_s``, ``_w``); rates are means
unless the name says ``p95``. Latency SLOs are 95th percentiles measured from the user's request.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from gigawatt.spec._base import CatalogId, Count, FieldError, Name, SpecModel, unique_ids
from gigawatt.spec.load import STEADY, LoadProfile

KINDS: tuple[str, ...] = (
    "pretrain",
    "finetune",
    "batch_inference",
    "online_inference",
    "rag",
    "agent",
    "edge_inference",
)
"""Every workload ``kind``, in documentation order."""

JURISDICTION_PATTERN = r"^[a-z]{2}$"
"""A lowercase ISO 3166-1 alpha-2 country code (``fr``) or ``eu``."""

TrainingPrecision = Literal["fp32", "bf16", "fp16", "fp8"]
ServingPrecision = Literal["fp32", "bf16", "fp16", "fp8", "int8", "int4", "fp4"]
FinetuneMethod = Literal["full", "lora", "qlora"]

SECONDS_PER_DAY = 86_400.0

PREEMPTIBLE_KINDS: tuple[str, ...] = ("pretrain", "finetune", "batch_inference")
"""Kinds that tolerate preemption unless ``preemptible: false`` says otherwise."""

DEFAULT_LORA_RANK = 8
"""LoRA rank when none is given: the default ``r`` of Hugging Face PEFT's ``LoraConfig``."""


def is_model_path(model: str) -> bool:
    """True when ``model`` names a Hugging Face ``config.json`` file rather than a catalog id."""
    return "/" in model or "\\" in model or model.endswith(".json")


class DataConstraints(SpecModel):
    """Where a workload's data may be processed."""

    allowed_jurisdictions: list[Annotated[str, Field(pattern=JURISDICTION_PATTERN)]] | None = Field(
        None,
        min_length=1,
        description=(
            "Jurisdictions whose regions may process the data: lowercase ISO 3166-1 alpha-2 "
            "codes (`fr`, `de`) or `eu`; a region qualifies when its catalog `jurisdictions` "
            "contain any of them. null = anywhere."
        ),
    )
    sovereign_only: bool = Field(
        False,
        description=(
            "Only venues whose operator is headquartered in one of `allowed_jurisdictions` "
            "(requires `allowed_jurisdictions`)."
        ),
    )
    offline: bool = Field(
        False,
        description=(
            "The workload must run air-gapped, without internet connectivity: only on-premises "
            "and edge venues qualify."
        ),
    )

    @field_validator("allowed_jurisdictions")
    @classmethod
    def _unique_jurisdictions(
        cls, value: list[str] | None, info: ValidationInfo
    ) -> list[str] | None:
        return unique_ids(value, info.field_name)

    @model_validator(mode="after")
    def _sovereign_needs_jurisdictions(self) -> DataConstraints:
        if self.sovereign_only and self.allowed_jurisdictions is None:
            raise FieldError(
                "sovereign_only needs allowed_jurisdictions (sovereign to which jurisdiction?)",
                ("sovereign_only",),
                True,
            )
        return self


def _pins(what: str) -> Any:
    return Field(
        None,
        min_length=1,
        description=f"Restrict this workload to these {what} (catalog ids); null = any candidate.",
    )


class WorkloadBase(SpecModel):
    """Fields every workload has."""

    name: Name = Field(description="Unique name of the workload within the scenario.")
    kind: str = Field(description="Workload kind; selects the other fields.")
    description: str = Field("", description="Free-text description.")
    model: str = Field(
        min_length=1,
        description=(
            "Model: a catalog id (`llama-3.1-70b`) or a path to a Hugging Face config.json "
            "(any value containing `/` or ending in `.json`; relative to the scenario file)."
        ),
    )
    start_day: float = Field(
        0.0,
        ge=0,
        description="Day, counted from the start of the horizon, when the workload begins [days].",
    )
    data: DataConstraints = Field(
        default_factory=DataConstraints, description="Data residency and connectivity constraints."
    )
    accelerators: list[CatalogId] | None = _pins("accelerators")
    venues: list[CatalogId] | None = _pins("venues")
    regions: list[CatalogId] | None = _pins("regions")
    preemptible: bool | None = Field(
        None,
        description=(
            "Whether the work tolerates preemption (spot capacity): null = the kind's default, "
            "true for pretrain, finetune and batch_inference (they pay checkpoint-restart "
            "losses), false for serving."
        ),
    )
    max_accelerators: Count | None = Field(
        None,
        gt=0,
        description="Most accelerators this workload may hold at once, all options together.",
    )

    @field_validator("accelerators", "venues", "regions")
    @classmethod
    def _unique_pins(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        return unique_ids(value, info.field_name)

    @property
    def model_is_path(self) -> bool:
        """True when :attr:`model` is a path to a config.json, not a catalog id."""
        return is_model_path(self.model)

    @property
    def may_be_preempted(self) -> bool:
        """``preemptible``, or the kind's default (training and batch true, serving false)."""
        if self.preemptible is not None:
            return self.preemptible
        return self.kind in PREEMPTIBLE_KINDS


# --- training ---------------------------------------------------------------------------------


class TrainingSLO(SpecModel):
    """Service-level objective of a training job."""

    deadline_days: float = Field(
        gt=0,
        description=(
            "Most wall-clock days from `start_day` (or from each recurrence) until training "
            "completes [days]."
        ),
    )


class TrainingWorkload(WorkloadBase):
    """Fields shared by pre-training and fine-tuning."""

    tokens: Count = Field(
        gt=0,
        description=(
            "Training tokens: for pretrain all tokens processed, for finetune the tokens of one "
            "epoch of the dataset [tokens]."
        ),
    )
    precision: TrainingPrecision = Field(
        "bf16", description="Compute precision of matrix multiplications (mixed precision)."
    )
    sequence_length_tokens: Count = Field(
        4096, gt=0, description="Training sequence length [tokens per sequence]."
    )
    slo: TrainingSLO | None = Field(
        None, description="Deadline of the job; null needs a fixed `accelerator_count`."
    )
    accelerator_count: Count | None = Field(
        None,
        gt=0,
        description=(
            "A fixed job size instead of sizing for the deadline [accelerators]: the time to "
            "train follows (and must meet the deadline when one is set)."
        ),
    )
    every_days: float | None = Field(
        None,
        gt=0,
        description=(
            "The job recurs every this many days from `start_day` within the horizon (e.g. 30 "
            "for a monthly retraining); null = runs once [days]."
        ),
    )

    @model_validator(mode="after")
    def _deadline_or_count(self) -> TrainingWorkload:
        if self.slo is None and self.accelerator_count is None:
            raise FieldError("needs slo.deadline_days or a fixed accelerator_count", ("slo",), None)
        every, slo = self.every_days, self.slo
        if every is not None and slo is not None and slo.deadline_days > every:
            raise FieldError(
                f"must be >= slo.deadline_days = {slo.deadline_days:g} (a run must end "
                "before the next starts)",
                ("every_days",),
                every,
            )
        return self

    @property
    def deadline_days(self) -> float | None:
        """``slo.deadline_days``, or None without a deadline [days]."""
        return None if self.slo is None else self.slo.deadline_days

    @property
    def total_tokens(self) -> float:
        """Tokens processed by one run of the job [tokens]."""
        return float(self.tokens)


class PretrainWorkload(TrainingWorkload):
    """Pre-train a model from scratch on ``tokens`` tokens before a deadline."""

    kind: Literal["pretrain"] = Field(description="Pre-training from scratch.")


class FinetuneWorkload(TrainingWorkload):
    """Fine-tune an existing model (full, LoRA or QLoRA) on a dataset of ``tokens`` per epoch."""

    kind: Literal["finetune"] = Field(description="Fine-tuning of an existing model.")
    method: FinetuneMethod = Field(
        description=(
            "`full` updates every weight; `lora` trains low-rank adapters on frozen weights held "
            "at `precision`; `qlora` does the same with the frozen weights quantised to 4 bits."
        )
    )
    epochs: float = Field(1.0, gt=0, description="Passes over the dataset [epochs].")
    lora_rank: Count | None = Field(
        None,
        gt=0,
        description=(
            "Rank of the LoRA adapters (lora/qlora only); null = 8, Hugging Face PEFT's default."
        ),
    )

    @model_validator(mode="after")
    def _rank_only_for_adapters(self) -> FinetuneWorkload:
        if self.method == "full" and self.lora_rank is not None:
            raise FieldError(
                "lora_rank applies to method lora or qlora, not full",
                ("lora_rank",),
                self.lora_rank,
            )
        return self

    @property
    def adapter_rank(self) -> int | None:
        """Rank of the adapters: ``lora_rank`` or 8 for lora/qlora, None for full fine-tuning."""
        if self.method == "full":
            return None
        return self.lora_rank if self.lora_rank is not None else DEFAULT_LORA_RANK

    @property
    def total_tokens(self) -> float:
        """Tokens processed by one run of the job, all epochs [tokens]."""
        return self.tokens * self.epochs


# --- inference --------------------------------------------------------------------------------


class InferenceWorkload(WorkloadBase):
    """Fields shared by every inference workload."""

    precision: ServingPrecision = Field("bf16", description="Precision of the model weights.")
    kv_cache_precision: ServingPrecision | None = Field(
        None, description="Precision of the KV cache; null = same as `precision`."
    )
    fine_tuned: bool = Field(
        False,
        description=(
            "The workload serves fine-tuned weights (e.g. a LoRA adapter trained in this "
            "scenario), so per-token services of the base model do not apply."
        ),
    )


class PerRequestTokens(InferenceWorkload):
    """Inference workloads described by requests with mean input and output lengths."""

    input_tokens_per_request: Count = Field(
        gt=0, description="Mean prompt length, system prompt included [tokens per request]."
    )
    output_tokens_per_request: Count = Field(
        gt=0, description="Mean generated length [tokens per request]."
    )


class BatchSLO(SpecModel):
    """Service-level objective of offline batch inference."""

    turnaround_h: float = Field(
        24.0, gt=0, description="Most hours from a request's submission to its completion [h]."
    )


class BatchInferenceWorkload(PerRequestTokens):
    """Offline inference on a recurring daily volume (evaluations, synthetic data, summaries)."""

    kind: Literal["batch_inference"] = Field(description="Offline batch inference.")
    requests_per_day: float = Field(gt=0, description="Mean daily volume [requests per day].")
    slo: BatchSLO = Field(default_factory=BatchSLO, description="Turnaround objective.")

    @property
    def tokens_per_day(self) -> float:
        """Input plus output tokens processed per day [tokens per day]."""
        per_request = self.input_tokens_per_request + self.output_tokens_per_request
        return self.requests_per_day * per_request


AMBIGUOUS_LATENCY = (
    "unknown key; a latency objective names its metric, p95_ttft_s (time to first token), "
    "p95_tpot_s (time per output token) or p95_e2e_s (end to end), in seconds"
)


class ServingSLO(SpecModel):
    """Latency objectives of interactive serving; set at least one."""

    @model_validator(mode="before")
    @classmethod
    def _metric_named(cls, data: Any) -> Any:
        """A latency key that names no metric (``p95_latency_s``, ``latency_ms``, ``p95``) is
        an error saying which keys exist, not a guess."""
        if isinstance(data, dict):
            for key in data:
                if key not in cls.model_fields and ("latency" in str(key) or "p95" in str(key)):
                    raise FieldError(AMBIGUOUS_LATENCY, (str(key),), key, show_value=False)
        return data

    p95_ttft_s: float | None = Field(
        None, gt=0, description="95th-percentile time to first token [s]."
    )
    p95_tpot_s: float | None = Field(
        None, gt=0, description="95th-percentile time per output token after the first [s]."
    )
    p95_e2e_s: float | None = Field(
        None,
        gt=0,
        description="95th-percentile end-to-end latency of a request, last token included [s].",
    )

    @model_validator(mode="after")
    def _consistent(self) -> ServingSLO:
        if self.p95_ttft_s is None and self.p95_tpot_s is None and self.p95_e2e_s is None:
            raise FieldError("set at least one of p95_ttft_s, p95_tpot_s, p95_e2e_s")
        ttft, latency = self.p95_ttft_s, self.p95_e2e_s
        if ttft is not None and latency is not None and latency < ttft:
            raise FieldError(f"must be >= p95_ttft_s = {ttft}", ("p95_e2e_s",), latency)
        return self


class InteractiveWorkload(PerRequestTokens):
    """Request/response serving with latency objectives."""

    qps: float = Field(gt=0, description="Mean request rate [requests per s].")
    load: LoadProfile = Field(
        STEADY, description="How the rate moves over time around `qps`; default steady."
    )
    users_region: CatalogId | None = Field(
        None, description="Region id where users are, for network latency; null = ignore network."
    )
    slo: ServingSLO = Field(description="Latency objectives.")


class OnlineInferenceWorkload(InteractiveWorkload):
    """Interactive LLM serving (chat, completion, API)."""

    kind: Literal["online_inference"] = Field(description="Interactive LLM serving.")


class RagWorkload(InteractiveWorkload):
    """Retrieval-augmented generation: retrieved passages are added to every prompt."""

    kind: Literal["rag"] = Field(description="Retrieval-augmented generation.")
    retrieved_context_tokens: Count = Field(
        gt=0, description="Mean retrieved context added to each prompt [tokens per request]."
    )
    retrieval_latency_s: float = Field(
        0.0,
        ge=0,
        description=(
            "Mean time spent retrieving before generation starts [s]; counted inside p95_ttft_s "
            "and p95_e2e_s. 0 = not modelled."
        ),
    )

    @model_validator(mode="after")
    def _slo_leaves_time(self) -> RagWorkload:
        retrieval = self.retrieval_latency_s
        for field in ("p95_ttft_s", "p95_e2e_s"):
            target = getattr(self.slo, field)
            if retrieval > 0 and target is not None and target <= retrieval:
                raise FieldError(
                    f"must exceed retrieval_latency_s = {retrieval}", ("slo", field), target
                )
        return self

    @property
    def prompt_tokens_per_request(self) -> int:
        """Prompt length seen by the model, retrieved context included [tokens per request]."""
        return self.input_tokens_per_request + self.retrieved_context_tokens


class AgentSLO(SpecModel):
    """Latency objectives of an agent; set at least one."""

    p95_task_latency_s: float | None = Field(
        None, gt=0, description="95th-percentile time to complete one task, tools included [s]."
    )
    p95_ttft_s: float | None = Field(
        None, gt=0, description="95th-percentile time to first token of each step [s]."
    )
    p95_tpot_s: float | None = Field(
        None, gt=0, description="95th-percentile time per output token within a step [s]."
    )

    @model_validator(mode="after")
    def _at_least_one(self) -> AgentSLO:
        if self.p95_task_latency_s is None and self.p95_ttft_s is None and self.p95_tpot_s is None:
            raise FieldError("set at least one of p95_task_latency_s, p95_ttft_s, p95_tpot_s")
        return self


class AgentWorkload(InferenceWorkload):
    """Multi-step agents: each task makes several model calls interleaved with tool calls."""

    kind: Literal["agent"] = Field(description="Multi-step agent.")
    tasks_per_day: float = Field(gt=0, description="Mean task volume [tasks per day].")
    load: LoadProfile = Field(
        STEADY, description="How the task rate moves over time around the mean; default steady."
    )
    steps_per_task: Count = Field(gt=0, description="Mean model calls per task [steps per task].")
    input_tokens_per_step: Count = Field(
        gt=0,
        description="Mean prompt per step, context carried from earlier steps included [tokens].",
    )
    output_tokens_per_step: Count = Field(gt=0, description="Mean generated per step [tokens].")
    tool_latency_s: float = Field(
        0.0, ge=0, description="Mean time waiting on tools per step [s]; 0 = not modelled."
    )
    users_region: CatalogId | None = Field(
        None, description="Region id where users are, for network latency; null = ignore network."
    )
    slo: AgentSLO = Field(description="Latency objectives.")

    @model_validator(mode="after")
    def _task_slo_leaves_time(self) -> AgentWorkload:
        waiting = self.steps_per_task * self.tool_latency_s
        target = self.slo.p95_task_latency_s
        if target is not None and waiting > 0 and target <= waiting:
            raise FieldError(
                f"must exceed steps_per_task × tool_latency_s = {waiting:g} s spent in tools",
                ("slo", "p95_task_latency_s"),
                target,
            )
        return self

    @property
    def steps_per_s(self) -> float:
        """Mean model calls per second [steps per s]."""
        return self.tasks_per_day * self.steps_per_task / SECONDS_PER_DAY


class EdgeInferenceWorkload(PerRequestTokens):
    """Inference on devices at many sites (shops, factories, vehicles), one deployment per site."""

    kind: Literal["edge_inference"] = Field(description="On-device inference at edge sites.")
    sites: Count = Field(gt=0, description="Number of sites, each with its own hardware [sites].")
    qps_per_site: float = Field(gt=0, description="Mean request rate at one site [requests per s].")
    load: LoadProfile = Field(
        STEADY,
        description=(
            "How one site's rate moves over time (sizes its hardware for the peak; edge "
            "hardware is bought, so the shape does not change its cost); default steady."
        ),
    )
    sites_region: CatalogId = Field(
        description="Region id where the sites are (grid carbon, prices, jurisdiction)."
    )
    power_cap_w_per_site: float | None = Field(
        None, gt=0, description="Most power the hardware of one site may draw [W]; null = no cap."
    )
    slo: ServingSLO = Field(description="Latency objectives.")


Workload = Annotated[
    PretrainWorkload
    | FinetuneWorkload
    | BatchInferenceWorkload
    | OnlineInferenceWorkload
    | RagWorkload
    | AgentWorkload
    | EdgeInferenceWorkload,
    Field(discriminator="kind"),
]
"""Any workload; ``kind`` selects the class."""
