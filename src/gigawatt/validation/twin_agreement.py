"""Validation family ``twin``: the twin's serving KPIs against ``gigawatt infer`` at one load.

One replica of Llama 3.1 70B (fp8, vLLM) on 8 x H100 SXM serves Poisson arrivals of fixed-length
requests (the Azure LLM 2023 conversation trace's medians: 1,020 prompt and 129 output tokens)
at the trace's mean rate, 5.53 requests/s, for one hour. The static model
(:func:`gigawatt.evaluate.inference.plan_inference`) and the twin
(:mod:`gigawatt.simulate.processes.inference`, the same replica and step rule through
:func:`gigawatt.simulate.seams.model_speed`) should agree within 10 % on TTFT and TPOT p50/p95.
What the twin models and the static model does not: the arrival that waits for the step in
flight, and batches that vary request by request (the static model holds the mean).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from gigawatt.evaluate.inference import InferenceRequest, plan_inference
from gigawatt.simulate.run import simulate
from gigawatt.simulate.seams import model_speed
from gigawatt.spec.simulation import parse_simulation
from gigawatt.validation.report import Case, compared

RATE_PER_S = 5.53
"""Mean request rate of the Azure LLM 2023 conversation trace (19,366 requests in one hour)."""
PROMPT, OUTPUT = 1020, 129
SOURCE = "github:Azure/AzurePublicDataset@b469a113:data/AzureLLMInferenceTrace_conv.csv"
TOLERANCE = 0.10


def twin_kpis(catalog: Any, seed: int = 0) -> dict[str, Any]:
    """The twin's service KPIs at :data:`RATE_PER_S` for one hour."""
    sc = parse_simulation(
        {
            "name": "twin-agreement",
            "days": 1.0 / 24.0,
            "seed": seed,
            "failures": {"table": "none"},
            "fleet": {"pools": [{"id": "h100", "system": "dgx-h100", "nodes": 1}]},
            "inference": [
                {
                    "id": "chat-70b",
                    "model": "llama-3.1-70b",
                    "precision": "fp8",
                    "gpus_per_replica": 8,
                    "max_batch": 256,
                    "rate": {
                        "base_rps": RATE_PER_S,
                        "peak_rps": RATE_PER_S,
                        "prompt_tokens_median": PROMPT,
                        "prompt_tokens_sigma": 0.0,
                        "output_tokens_median": OUTPUT,
                        "output_tokens_sigma": 0.0,
                    },
                }
            ],
        }
    )
    services: list[dict[str, Any]] = simulate(sc, catalog, keep_jobs=False).kpis["services"]
    return services[0]


def static_kpis(catalog: Any) -> dict[str, Any]:
    """``gigawatt infer`` at the same load."""
    req = InferenceRequest(
        model="llama-3.1-70b",
        accelerator="h100-sxm",
        count=8,
        precision="fp8",
        input_tokens=PROMPT,
        output_tokens=OUTPUT,
        qps=RATE_PER_S,
    )
    out: dict[str, Any] = plan_inference(req, catalog).to_dict()
    return out


def step_in_flight_s(catalog: Any, concurrency: float, q: float) -> float:
    """What the twin adds to the static TTFT at percentile ``q``: the wait for the decode step
    in flight (uniform over one step ``td``, so its ``q``-th percentile is ``q/100 td``), plus
    the decode step the prompt's step carries beyond that step's own fixed cost (s)."""
    acc = catalog.get("accelerators", "h100-sxm", field="accelerator")
    speed = model_speed("llama-3.1-70b", acc, "fp8", 8, 256, catalog)
    td = speed.decode_step_s(max(round(concurrency), 1), PROMPT + OUTPUT / 2.0)
    return q / 100.0 * td + max(td - _fixed_s(speed), 0.0)


def _fixed_s(speed: Any) -> float:
    """Fixed cost of a step carrying one prompt of :data:`PROMPT` tokens (s)."""
    return float(np.interp(PROMPT, speed.prefill_tokens, speed.fixed_s))


def twin_cases(catalog: Any) -> Iterable[Case]:
    """TPOT p50/p95 of the twin (predicted) against the static model (reference); TTFT p50/p95
    against the static model plus :func:`step_in_flight_s` (what the twin models beyond it)."""
    twin = twin_kpis(catalog)
    ref = static_kpis(catalog)
    for i, key in enumerate(("ttft_s_p50", "ttft_s_p95", "tpot_s_p50", "tpot_s_p95"), 1):
        ttft = key.startswith("ttft")
        shift = step_in_flight_s(catalog, float(ref["concurrency"]), float(key.split("_p")[1]))
        detail = (
            f"twin vs gigawatt infer + {shift * 1000:.1f} ms (the step in flight an arrival "
            f"waits for, uniform over a decode step, and the decode step its prompt step carries); "
            f"infer alone {float(ref[key]):.4g} s"
            if ttft
            else "twin vs gigawatt infer (same replica, same chunked-prefill step rule)"
        )
        yield compared(
            "twin",
            f"TWIN00{i}",
            "llama-3.1-70b fp8, 8x h100-sxm, 5.53 req/s Poisson, 1 h",
            key,
            "s",
            float(twin[key]),
            float(ref[key]) + (shift if ttft else 0.0),
            TOLERANCE,
            SOURCE,
            detail,
        )
