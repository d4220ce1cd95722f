"""``gigawatt train``: JSON fields, not-fitting models, explicit layouts and exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., tuple[int, str, str]]
FIELDS = (
    "time_to_train_days",
    "time_to_train_days_ideal",
    "gpu_hours",
    "tokens_per_s",
    "step_time_s",
    "mfu",
    "hfu",
    "achieved_tflops_per_gpu",
    "memory_per_gpu_gib",
    "layout",
    "checkpoint_interval_s",
    "goodput",
    "fits",
)


def test_json_has_the_issue_fields(run_cli: Run) -> None:
    code, out, err = run_cli(
        "train",
        "--model",
        "llama-3.1-8b",
        "--accelerator",
        "h100-sxm",
        "--count",
        "64",
        "--tokens",
        "1T",
        "--json",
    )
    assert code == 0, err
    r = json.loads(out)
    assert all(k in r for k in FIELDS)
    assert r["fits"] is True
    assert 0.1 < r["mfu"] < 0.8 and r["hfu"] >= r["mfu"]
    assert r["achieved_tflops_per_gpu"] == pytest.approx(r["mfu"] * 989)
    assert r["time_to_train_days"] >= r["time_to_train_days_ideal"]
    assert 0 < r["goodput"] <= 1
    assert r["gpu_hours"] == pytest.approx(r["time_to_train_days"] * 24 * 64)
    assert r["memory_per_gpu_gib"] <= 80


def test_not_fitting_names_smallest_count(run_cli: Run) -> None:
    code, out, _ = run_cli(
        "train",
        "--model",
        "llama-3.1-405b",
        "--accelerator",
        "h100-sxm",
        "--count",
        "8",
        "--tokens",
        "1e12",
        "--json",
    )
    assert code == 0
    r = json.loads(out)
    assert r["fits"] is False and r["smallest_count_that_fits"] > 8
    code, out, _ = run_cli(
        "train",
        "--model",
        "llama-3.1-405b",
        "--accelerator",
        "h100-sxm",
        "--count",
        str(r["smallest_count_that_fits"]),
        "--tokens",
        "1e12",
        "--json",
    )
    assert code == 0 and json.loads(out)["fits"] is True


def test_explicit_layout_is_used(run_cli: Run) -> None:
    code, out, err = run_cli(
        "train",
        "--model",
        "llama-3.1-70b",
        "--accelerator",
        "h100-sxm",
        "--count",
        "256",
        "--tokens",
        "2e12",
        "--tp",
        "8",
        "--pp",
        "4",
        "--dp",
        "8",
        "--cp",
        "1",
        "--micro-batch",
        "1",
        "--recompute",
        "full",
        "--json",
    )
    assert code == 0, err
    lay = json.loads(out)["layout"]
    assert (lay["tp"], lay["pp"], lay["dp"], lay["mb"], lay["recompute"]) == (8, 4, 8, 1, "full")


def test_fp8_and_lora_and_readable_output(run_cli: Run) -> None:
    code, out, _ = run_cli(
        "train",
        "--model",
        "llama-3.1-8b",
        "--accelerator",
        "h100-sxm",
        "--count",
        "8",
        "--tokens",
        "100B",
        "--precision",
        "fp8",
    )
    assert code == 0 and "goodput" in out and "layout" in out
    code, out, _ = run_cli(
        "train",
        "--model",
        "llama-3.1-70b",
        "--accelerator",
        "h100-sxm",
        "--count",
        "1",
        "--tokens",
        "50M",
        "--finetune",
        "qlora",
        "--json",
    )
    r = json.loads(out)
    assert code == 0 and r["fits"] is True and r["memory_per_gpu_gib"] < 80


def test_config_json_path(run_cli: Run, tmp_path: Path) -> None:
    cfg = {
        "model_type": "llama",
        "hidden_size": 2048,
        "num_hidden_layers": 16,
        "num_attention_heads": 16,
        "num_key_value_heads": 8,
        "intermediate_size": 8192,
        "vocab_size": 32000,
        "max_position_embeddings": 4096,
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg), encoding="utf-8")
    code, out, err = run_cli(
        "train",
        "--model",
        str(path),
        "--accelerator",
        "a100-sxm-80gb",
        "--count",
        "16",
        "--tokens",
        "100B",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["fits"] is True


@pytest.mark.parametrize(
    "args",
    [
        ("--tokens", "-5"),
        ("--tokens", "lots"),
        ("--count", "0"),
        ("--model", "no-such-model"),
        ("--accelerator", "no-such-gpu"),
        ("--precision", "fp4"),
        ("--recompute", "sometimes"),
        ("--tp", "8", "--pp", "8", "--dp", "8", "--cp", "1"),
        ("--finetune", "prefix"),
    ],
)
def test_impossible_input_exits_2_with_one_line(run_cli: Run, args: tuple[str, ...]) -> None:
    base = {
        "--model": "llama-3.1-8b",
        "--accelerator": "h100-sxm",
        "--count": "64",
        "--tokens": "1T",
    }
    extra = dict(zip(args[::2], args[1::2], strict=True))
    flat = [x for k, v in {**base, **extra}.items() for x in (k, v)]
    code, _out, err = run_cli("train", *flat)
    assert code == 2
    assert err.startswith("error:") and len(err.strip().splitlines()) == 1


def test_fp8_on_a100_is_rejected(run_cli: Run) -> None:
    code, _, err = run_cli(
        "train",
        "--model",
        "llama-3.1-8b",
        "--accelerator",
        "a100-sxm-80gb",
        "--count",
        "8",
        "--tokens",
        "1T",
        "--precision",
        "fp8",
    )
    assert code == 2 and "fp8" in err


def test_odd_count_rounds_the_batch_and_says_so(run_cli: Run) -> None:
    code, out, err = run_cli(
        "train",
        "--model",
        "llama-3.1-8b",
        "--accelerator",
        "h100-sxm",
        "--count",
        "7",
        "--tokens",
        "1T",
        "--json",
    )
    assert code == 0, err
    r = json.loads(out)
    assert r["fits"] is True and r["layout"]["dp"] == 7
    assert any(a.startswith("global_batch:") for a in r["assumptions"])


def test_training_family_is_registered() -> None:
    from gigawatt.validation import report, training

    assert training.training_cases in report._families()


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--recompute", "sometimes"),
        ("--zero", "5"),
        ("--lora-rank", "0"),
        ("--micro-batch", "0"),
        ("--seq-len", "0"),
        ("--global-batch-tokens", "abc"),
        ("--oversubscription", "0"),
        ("--restart-s", "-1"),
        ("--storage-gb-per-s", "0"),
        ("--failure-rate-scale", "-1"),
    ],
)
def test_bad_option_error_names_the_flag(run_cli: Run, flag: str, value: str) -> None:
    args = ("--model", "llama-3.1-8b", "--accelerator", "h100-sxm", "--count", "64")
    code, _out, err = run_cli("train", *args, "--tokens", "1T", flag, value)
    assert code == 2
    assert err.startswith(f"error: {flag}: ") and len(err.strip().splitlines()) == 1


def test_json_carries_the_footprint_without_flags(run_cli: Run) -> None:
    args = ("--model", "llama-3.2-1b", "--accelerator", "h100-sxm", "--count", "8")
    code, out, err = run_cli("train", *args, "--tokens", "1e9", "--json")
    assert code == 0, err
    r = json.loads(out)
    assert r["region"] == "us" and r["energy_kwh"] > 0 and r["cost_usd"] is None
    assert list(r).index("assumptions") < list(r).index("region")
