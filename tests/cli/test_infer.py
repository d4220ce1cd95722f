"""``gigawatt infer``: JSON fields, modes, SLO sizing, edge fit, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., tuple[int, str, str]]
REQUIRED = {
    "throughput_output_tokens_per_s",
    "throughput_input_tokens_per_s",
    "ttft_s_mean",
    "ttft_s_p95",
    "tpot_s_mean",
    "tpot_s_p95",
    "max_concurrent_sequences",
    "kv_cache_gib",
    "weights_gib",
    "layout",
    "fits",
}


def infer_json(run_cli: Run, *args: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run_cli("infer", *args, "--json")
    assert code == 0, err
    data: dict = json.loads(out)  # type: ignore[type-arg]
    return data


def test_offline_json_fields(run_cli: Run) -> None:
    d = infer_json(
        run_cli,
        "--model",
        "llama-3.1-8b",
        "--accelerator",
        "h100-sxm",
        "--count",
        "8",
        "--precision",
        "fp8",
        "--offline",
    )
    assert set(d) >= REQUIRED
    assert d["fits"] is True and d["mode"] == "offline"
    lay = d["layout"]
    assert lay["replicas"] * lay["accelerators_per_replica"] == lay["accelerators_used"] <= 8
    assert d["throughput_output_tokens_per_s"] > 10000
    assert d["ttft_s_p95"] >= d["ttft_s_p50"]


def test_qps_with_slo_gives_capacity_and_sizing(run_cli: Run) -> None:
    d = infer_json(
        run_cli,
        "--model",
        "llama-3.1-70b",
        "--accelerator",
        "h100-sxm",
        "--count",
        "8",
        "--precision",
        "fp8",
        "--input-tokens",
        "2048",
        "--output-tokens",
        "256",
        "--qps",
        "40",
        "--slo-ttft-s",
        "2",
        "--slo-tpot-s",
        "0.05",
        "--tp",
        "4",
    )
    assert d["layout"]["tp"] == 4 and d["layout"]["replicas"] == 2
    assert d["max_qps_at_slo"] > 0
    assert d["accelerators_needed"] is not None and d["accelerators_needed"] % 4 == 0
    if d["max_qps_at_slo"] < 40:
        assert d["accelerators_needed"] > 8


def test_concurrency_mode(run_cli: Run) -> None:
    low = infer_json(
        run_cli,
        "--model",
        "llama-3.1-8b",
        "--accelerator",
        "h100-sxm",
        "--count",
        "1",
        "--concurrency",
        "4",
        "--engine",
        "trtllm",
    )
    high = infer_json(
        run_cli,
        "--model",
        "llama-3.1-8b",
        "--accelerator",
        "h100-sxm",
        "--count",
        "1",
        "--concurrency",
        "64",
        "--engine",
        "trtllm",
    )
    assert high["throughput_output_tokens_per_s"] > low["throughput_output_tokens_per_s"]
    assert high["tpot_s_mean"] > low["tpot_s_mean"]


def test_moe_expert_parallel(run_cli: Run) -> None:
    d = infer_json(
        run_cli,
        "--model",
        "deepseek-v3",
        "--accelerator",
        "b200",
        "--count",
        "8",
        "--precision",
        "fp8",
        "--ep",
        "8",
        "--tp",
        "8",
        "--concurrency",
        "32",
        "--engine",
        "sglang",
    )
    assert d["layout"]["ep"] == 8 and d["fits"]


@pytest.mark.parametrize("acc", ["jetson-agx-orin", "l4"])
def test_edge_small_model_fits(run_cli: Run, acc: str) -> None:
    d = infer_json(
        run_cli,
        "--model",
        "llama-3.2-1b",
        "--accelerator",
        acc,
        "--count",
        "1",
        "--concurrency",
        "1",
    )
    assert d["fits"] is True
    assert 0 < d["tpot_s_mean"] < 0.1


@pytest.mark.parametrize("model", ["llama-3.1-70b", "qwen2.5-72b", "llama-3.1-405b"])
@pytest.mark.parametrize("acc", ["jetson-agx-orin", "l4"])
def test_70b_does_not_fit_on_edge(run_cli: Run, model: str, acc: str) -> None:
    code, out, _ = run_cli("infer", "--model", model, "--accelerator", acc, "--count", "1")
    assert code == 0
    assert "does not fit in" in out and "GiB" in out
    d = infer_json(run_cli, "--model", model, "--accelerator", acc, "--count", "1")
    assert d["fits"] is False and "does not fit in" in d["message"]


def test_trace_input(run_cli: Run, tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text(
        "arrival_s,input_tokens,output_tokens\n"
        + "".join(f"{i * 0.5},{200 + 10 * i},{50 + i}\n" for i in range(40))
    )
    d = infer_json(
        run_cli,
        "--model",
        "llama-3.1-8b",
        "--accelerator",
        "l40s",
        "--count",
        "1",
        "--trace",
        str(p),
    )
    assert d["mode"] == "qps" and d["request_rate_per_s"] == pytest.approx(2.0)
    assert d["trace"]["requests"] == 40


def test_readable_output(run_cli: Run) -> None:
    code, out, _ = run_cli(
        "infer",
        "--model",
        "llama-3.1-8b",
        "--accelerator",
        "h100-sxm",
        "--count",
        "1",
        "--qps",
        "2",
        "--slo-ttft-s",
        "1",
        "--slo-tpot-s",
        "0.05",
    )
    assert code == 0 and "output tokens/s" in out and "ttft" in out and "max QPS" in out


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["--precision", "fp6"], "--precision"),
        (["--precision", "fp8", "--accelerator", "a100-sxm-80gb"], "--precision"),
        (["--accelerator", "h1000"], "--accelerator"),
        (["--model", "llama-9"], "--model"),
        (["--tp", "3"], "--tp"),
        (["--ep", "2"], "--ep"),
        (["--count", "0"], "--count"),
        (["--qps", "1", "--offline"], "mode"),
        (["--engine", "tgi"], "engine"),
        (["--trace", "/nope.csv"], "trace"),
    ],
)
def test_bad_input_exit_2_one_line(run_cli: Run, args: list[str], where: str) -> None:
    base = {"--model": "llama-3.1-8b", "--accelerator": "h100-sxm", "--count": "8"}
    for k in list(base):
        if k in args:
            base.pop(k)
    flat = [x for kv in base.items() for x in kv]
    code, _, err = run_cli("infer", *flat, *args)
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert where in err


def test_pipeline_across_domains(run_cli: Run) -> None:
    d = infer_json(
        run_cli,
        "--model",
        "llama-3.1-405b",
        "--accelerator",
        "h100-sxm",
        "--count",
        "16",
        "--offline",
    )
    assert d["layout"]["tp"] == 8 and d["layout"]["pp"] == 2 and d["fits"]
    e = infer_json(
        run_cli,
        "--model",
        "llama-3.1-405b",
        "--accelerator",
        "h100-sxm",
        "--count",
        "16",
        "--tp",
        "8",
        "--pp",
        "2",
        "--concurrency",
        "16",
    )
    assert e["layout"]["accelerators_per_replica"] == 16
    code, _, err = run_cli(
        "infer",
        "--model",
        "llama-3.1-8b",
        "--accelerator",
        "h100-sxm",
        "--count",
        "8",
        "--pp",
        "64",
    )
    assert code == 2 and "--pp" in err


def test_json_is_one_library_call_with_footprint(run_cli: Run) -> None:
    from gigawatt.catalog import load_catalog
    from gigawatt.evaluate.inference import InferenceRequest, plan_inference

    args = ("--model", "llama-3.1-8b", "--accelerator", "h100-sxm", "--count", "8", "--offline")
    d = infer_json(run_cli, *args, "--venue", "lambda", "--hours", "2")
    req = InferenceRequest("llama-3.1-8b", "h100-sxm", 8, offline=True)
    result = plan_inference(req, load_catalog(use_env=False), venue="lambda", hours=2.0)
    services = d.pop("services")
    assert d == json.loads(json.dumps(result.to_dict()))
    assert services["self_hosted"] and services["model"] == "llama-3.1-8b"
    assert d["serving_hours"] == 2.0 and d["cost_usd"] > 0 and d["usd_per_million_tokens"] > 0


def test_overloaded_fleet_reports_no_number_in_flight(run_cli: Run) -> None:
    """An open loop above capacity has no steady state: requests in flight are unknown, not 4e7."""
    d = infer_json(
        run_cli,
        *("--model", "llama-3.1-70b", "--accelerator", "h100-sxm", "--count", "8", "--qps", "20"),
    )
    assert d["message"].startswith("overloaded")
    assert d["concurrency"] is None
