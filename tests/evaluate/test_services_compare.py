"""Services next to self-hosting in ``infer`` and ``tco`` (evaluate/services.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from gigawatt.catalog import load_catalog
from gigawatt.errors import InputError
from gigawatt.evaluate.services import SelfHosted, compare_services, service_price_rows
from gigawatt.models import services as svc


@pytest.fixture(scope="module")
def catalog() -> Any:
    return load_catalog(use_env=False)


def test_service_prices_at_a_token_mix(catalog: Any) -> None:
    rows = service_price_rows(catalog, "llama-3.1-8b", 3000, 1000)
    assert rows[0]["id"] == "deepinfra-llama-3.1-8b"
    azure = next(r for r in rows if r["id"] == "azure-llama-3.1-8b")
    assert azure["usd_per_m_tokens"] == pytest.approx((3 * 0.30 + 0.61) / 4)
    prices = [r["usd_per_m_tokens"] for r in rows]
    assert prices == sorted(prices)
    assert all(r["usd_per_m_tokens_low"] <= r["usd_per_m_tokens"] for r in rows)
    with pytest.raises(InputError):
        service_price_rows(catalog, "llama-3.1-8b", 1, 1, cached_share=2.0)


def test_committed_and_pay_per_use_break_even(catalog: Any) -> None:
    owned = SelfHosted("owned", "owned", 4.0, 10_000.0)
    rented = SelfHosted("rented", "on_demand", 4.0, 10_000.0)
    out = compare_services(catalog, "llama-3.1-70b", 1000, 250, [owned, rented], 0.5)
    fw = next(r for r in out["services"] if r["id"] == "fireworks-llama-3.1-70b")
    row = next(
        r
        for r in out["break_even"]
        if r["self_hosted"] == "owned" and r["service"] == "fireworks-llama-3.1-70b"
    )
    # owned: held all month at 2 USD/h (4 per useful hour x 0.5), half of it useful
    expected = svc.break_even_tokens_per_month(fw["usd_per_m_tokens"], 2.0, 10_000.0, 0.5)
    assert row["break_even_tokens_per_month"] == pytest.approx(expected)
    by_kind = {r["kind"]: r for r in out["self_hosted"]}
    # the same cost per useful hour gives the same cost per token; the rented unit's month
    # costs twice as much (held at the useful price) so it breaks even later
    assert by_kind["owned"]["usd_per_m_tokens"] == pytest.approx(
        by_kind["on_demand"]["usd_per_m_tokens"]
    )
    rented_row = next(
        r
        for r in out["break_even"]
        if r["self_hosted"] == "rented" and r["service"] == "fireworks-llama-3.1-70b"
    )
    assert rented_row["break_even_tokens_per_month"] > row["break_even_tokens_per_month"]


def test_infer_shows_services_and_break_even(run_cli: Callable[..., Any]) -> None:
    args = ("infer", "--model", "llama-3.1-8b", "--accelerator", "h100-sxm", "--count", "1")
    code, out, _ = run_cli(
        *args,
        "--offline",
        "--offer",
        "aws-p5-h100-sxm-on-demand-us-east-1",
        "--peak-to-mean",
        "2",
        "--json",
    )
    d = json.loads(out)
    assert code == 0 and d["services"]["utilization"] == 0.5
    assert {r["service"] for r in d["services"]["break_even"]} >= {"fireworks-llama-3.1-8b"}
    code, out, _ = run_cli(*args, "--offline", "--offer", "aws-p5-h100-sxm-on-demand-us-east-1")
    assert code == 0 and "break-even volume" in out and "deepinfra-llama-3.1-8b" in out
    code, _, err = run_cli(*args, "--offline", "--peak-to-mean", "0.5")
    assert code == 2 and "peak-to-mean" in err


def test_tco_with_a_model_adds_services(run_cli: Callable[..., Any]) -> None:
    code, out, _ = run_cli(
        "tco", "--accelerator", "h100-sxm", "--count", "8", "--model", "llama-3.1-70b", "--json"
    )
    d = json.loads(out)
    services = d["services"]
    assert code == 0 and services["self_hosted"] and services["break_even"]
    assert len(services["self_hosted"]) == len(d["options"])
    assert all(r["usd_per_m_tokens"] > 0 for r in services["self_hosted"])
