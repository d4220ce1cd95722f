"""plan_training: options checked once (fields named the library's way) and the footprint."""

from __future__ import annotations

from typing import Any

import pytest

from gigawatt.catalog import Catalog, load_catalog
from gigawatt.errors import InputError
from gigawatt.evaluate.training import TrainOptions, plan_training, train_options
from gigawatt.models.layout import LayoutFixed


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def _plan(cat: Catalog, opts: TrainOptions | None = None, **kw: Any) -> Any:
    return plan_training("llama-3.2-1b", "h100-sxm", 8, "1e9", opts, catalog=cat, **kw)


@pytest.mark.parametrize(
    ("opts", "count", "where"),
    [
        (TrainOptions(), 0, "count"),
        (TrainOptions(precision="fp4"), 8, "precision"),
        (TrainOptions(finetune="prefix"), 8, "finetune"),
        (TrainOptions(lora_rank=0), 8, "lora_rank"),
        (TrainOptions(seq_len=0), 8, "seq_len"),
        (TrainOptions(fixed=LayoutFixed(mb=0)), 8, "micro_batch"),
        (TrainOptions(fixed=LayoutFixed(zero=4)), 8, "zero"),
        (TrainOptions(fixed=LayoutFixed(recompute=3)), 8, "recompute"),
        (TrainOptions(fixed=LayoutFixed(tp=3)), 8, "layout"),
    ],
)
def test_bad_options_name_the_field(
    cat: Catalog, opts: TrainOptions, count: int, where: str
) -> None:
    with pytest.raises(InputError) as exc:
        plan_training("llama-3.2-1b", "h100-sxm", count, "1e9", opts, catalog=cat)
    assert exc.value.where == where
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize(
    ("values", "where"),
    [
        ({"recompute": "sometimes"}, "recompute"),
        ({"oversubscription": 0.0}, "oversubscription"),
        ({"restart_s": -1.0}, "restart_s"),
        ({"storage_gb_per_s": 0.0}, "storage_gb_per_s"),
        ({"failure_rate_scale": -0.5}, "failure_rate_scale"),
        ({"global_batch_tokens": "lots"}, "global_batch_tokens"),
    ],
)
def test_train_options_checks_the_values_only_it_takes(values: dict[str, Any], where: str) -> None:
    with pytest.raises(InputError) as exc:
        train_options(**values)
    assert exc.value.where == where


def test_train_options_builds_the_layout_and_reliability() -> None:
    opts = train_options(
        recompute="full", micro_batch=2, global_batch_tokens="4M", failure_rate_scale=2.0
    )
    assert (opts.fixed.recompute, opts.fixed.mb) == (2, 2)
    assert opts.global_batch_tokens == 4_000_000
    base = TrainOptions().reliability
    assert opts.reliability.node_failures_per_h == pytest.approx(2 * base.node_failures_per_h)
    assert train_options() == TrainOptions()


def test_footprint_only_when_asked_and_after_the_plan_fields(cat: Catalog) -> None:
    plain = _plan(cat).to_dict()
    assert "energy_kwh" not in plain
    with_region = _plan(cat, region="fr").to_dict()
    assert with_region["region"] == "fr" and with_region["energy_kwh"] > 0
    keys = list(with_region)
    assert keys[: len(plain)] == list(plain)
    assert with_region["gpu_hours"] == plain["gpu_hours"]
    default = _plan(cat, footprint=True).to_dict()
    assert default["region"] == "us" and default["cost_usd"] is None
    assert any(a.startswith("region:") for a in default["assumptions"])


def test_no_footprint_when_the_model_does_not_fit(cat: Catalog) -> None:
    r = plan_training(
        "llama-3.1-405b", "h100-sxm", 8, "1e12", catalog=cat, venue="lambda"
    ).to_dict()
    assert r["fits"] is False and "cost_usd" not in r
