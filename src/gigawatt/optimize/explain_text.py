"""One plain sentence per workload: where it runs, why, what choosing the runner-up would do to
the plan total, and what would move it.

Pure functions of the plan's JSON parts (``assignments``, ``pools``, ``binding_constraints``,
``runner_ups``), so every figure in a sentence is one the JSON carries: the forced re-solve's
total and its signed difference to the plan's total, a binding limit's use, a pool's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gigawatt.evaluate.table_service_notes import service_break_even

PRICING_WORDS = {
    "owned": "owned",
    "purchase": "bought",
    "on_demand": "on-demand",
    "spot": "spot",
    "reserved_1y": "1-year reserved",
    "reserved_3y": "3-year reserved",
    "contract": "contracted",
    "capacity_block": "capacity-block",
}
OWNED_NEARLY_FULL = 0.9
"""An owned pool used to at least this fraction of what is owned is worth a sentence."""
TIE_RTOL = 1e-6
"""A forced plan within this fraction of the plan's total is a tie (the solver's gap)."""


def _words(pricing_model: str) -> str:
    return PRICING_WORDS.get(pricing_model, pricing_model.replace("_", " "))


def _place(venue: str, offer: str | None, region: str) -> str:
    return f"in {region}" if offer is None else f"at {venue} ({region})"


def _service(a: dict[str, Any]) -> str | None:
    """``the per-token service deepinfra-llama-3.1-8b (us)`` for a service (catalog
    ``services``: no accelerators of the plan's), else None."""
    if a["pricing_model"] != "per_token":
        return None
    return f"the per-token service {a['offer']} ({a['region']})"


def _where(a: dict[str, Any]) -> str:
    """``2,592 owned gb200 in us`` or ``1,856 on-demand b200 at nebius (nebius:us-central1)``."""
    if (service := _service(a)) is not None:
        return service
    place = _place(a["venue"], a["offer"], a["region"])
    return f"{a['count']:,} {_words(a['pricing_model'])} {a['accelerator']} {place}"


def _option(ru: dict[str, Any]) -> str:
    """The runner-up, e.g. ``bought b200 in us`` or ``on-demand h100-sxm at aws (...)``."""
    if (service := _service(ru)) is not None:
        return service
    place = _place(ru["venue"], ru["offer"], ru["region"])
    return f"{_words(ru['pricing_model'])} {ru['accelerator']} {place}"


def _placements(rows: list[dict[str, Any]]) -> str:
    if len(rows) == 1:
        return _where(rows[0])
    parts = [f"{_where(a)} ({_share(a['share'])})" for a in rows]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _share(share: float) -> str:
    """``63%``; ``<1%`` and ``>99%`` rather than 0 % and 100 % of a split."""
    if share < 0.005:
        return "<1%"
    if share > 0.995:
        return ">99%"
    return f"{share:.0%}"


def _money(value: float, unit: str) -> str:
    """Three significant figures from 10,000 on (``9.49 M USD``, ``227 k USD``): the re-solves
    behind the figures stop within 2 % of a difference (solve.DIFFERENCE_RTOL)."""
    size = abs(value)
    if size >= 1e9:
        return f"{value / 1e9:.3g} G {unit}"
    if size >= 1e6:
        return f"{value / 1e6:.3g} M {unit}"
    if size >= 1e4:
        return f"{value / 1e3:.3g} k {unit}"
    return f"{value:,.0f} {unit}"


def _ratio(diff: float, base: float) -> str:
    """``41% more than it costs now`` or, from 10x, ``12 times what it costs now``."""
    if diff / base < 10:
        return f"{diff / base:.0%} more than it costs now"
    return f"{(base + diff) / base:,.0f} times what it costs now"


def _limits(keys: list[str], phrases: dict[str, str]) -> str:
    return " and ".join(phrases.get(k, k) for k in keys)


def _why(
    name: str, rows: list[dict[str, Any]], entry: dict[str, Any], own: float, facts: _Facts
) -> str:
    """Why the workload runs where it runs."""
    ru = entry.get("runner_up")
    if ru is None:
        return "no other option meets its constraints"
    if any(a["pricing_model"] == "owned" for a in rows) and not facts.carbon:
        return "owned hardware is a sunk cost (only its electricity is paid)"
    if ru["blocked_by"] and ru["alone_value"] < own:
        return f"cheaper options are held back by {_limits(ru['blocked_by'], facts.phrases)}"
    if ru["alone_value"] >= own:
        return f"every other option {'emits' if facts.carbon else 'costs'} more, even on its own"
    shared = sorted(
        {u for a in rows if a["pool"] for u in facts.pool_users.get(a["pool"], set()) if u != name}
    )
    if shared:
        return f"it uses committed capacity that {', '.join(shared)} also needs"
    best = "lowest-emission" if facts.carbon else "cheapest"
    return f"it is the {best} way to run it within the scenario's limits"


def _split(rows: list[dict[str, Any]], entry: dict[str, Any], phrases: dict[str, str]) -> str:
    """Why a split workload does not run on its held-back placement alone."""
    held = entry.get("held_back") or []
    if len(rows) < 2 or not held:
        return ""
    return f", and it is split because {_limits(held[0]['by'], phrases)} is full"


def _alternative(entry: dict[str, Any], own: float, carbon: bool) -> str:
    """What carrying the whole workload on the runner-up does to the plan total."""
    ru = entry["runner_up"]
    forced = entry.get("forced")
    unit = ru["unit"]
    option = _option(ru)
    if forced is None:
        diff = ru["alone_value"] - own
        word = "more" if diff >= 0 else "less"
        return f"{option} would cost {_money(abs(diff), unit)} {word} on its own"
    if not forced["feasible"]:
        return f"{option} cannot carry all of it within the scenario's limits"
    diff, total = forced["difference"], forced["plan_total"]
    if abs(diff) <= TIE_RTOL * max(1.0, abs(total)):
        return f"{option} would do as well (plan total {_money(total, unit)} either way)"
    verb = "raise" if diff > 0 else "lower"
    text = (
        f"moving all of it to {option} would {verb} the plan total by "
        f"{_money(abs(diff), unit)} ({_money(total, unit)} -> {_money(forced['total'], unit)})"
    )
    if own > 0 and diff > 0 and not carbon:
        text += f", {_ratio(diff, own)}"
    return text


def _price_cut(ru: dict[str, Any], forced: dict[str, Any], measure: str) -> str:
    """The cut in the runner-up's stand-alone cost that makes the forced plan as good."""
    cut = forced["difference"] / ru["alone_value"]
    if cut >= 1.0:
        return "no cut in that option's price alone would move it"
    if cut >= 0.95:
        return "it would move there only if running there were nearly free"
    return f"it would move there if running there {measure} {cut:.0%} less"


def _room(keys: list[str], facts: _Facts) -> str:
    """``the 12 MW ... cap had room (lifting it saves the plan 44 M USD)``."""
    savings = [facts.savings[k] for k in keys if k in facts.savings]
    text = f"{_limits(keys, facts.phrases)} had room"
    if len(savings) == 1 and savings[0] > 0:
        text += f" (lifting it saves the plan {_money(savings[0], 'USD')})"
    return text


def _owned_pool(rows: list[dict[str, Any]], facts: _Facts) -> str:
    """What shrinking a nearly full owned pool would do."""
    for a in rows:
        pool = facts.pools.get(a["pool"] or "")
        if a["pricing_model"] != "owned" or not pool or not pool.get("max_count"):
            continue
        if pool["accelerators"] < OWNED_NEARLY_FULL * pool["max_count"]:
            continue
        who = "it" if len(facts.pool_users.get(a["pool"], set())) == 1 else "some work"
        return (
            f"with fewer than {pool['accelerators']:,} owned {a['accelerator']} "
            f"({pool['max_count']:,} now) {who} would have to move off them"
        )
    return ""


def _change(rows: list[dict[str, Any]], entry: dict[str, Any], own: float, facts: _Facts) -> str:
    """What would move the workload."""
    ru = entry["runner_up"]
    parts: list[str] = []
    forced = entry.get("forced") or {}
    held = entry.get("held_back") or []
    if len(rows) > 1 and held:
        where = _option(held[0])
        parts.append(f"more of it would run on {where} if {_room(held[0]['by'], facts)}")
    elif ru["blocked_by"] and ru["alone_value"] < own:
        parts.append(f"it would move to {_option(ru)} if {_room(ru['blocked_by'], facts)}")
    elif (
        facts.single
        and forced.get("feasible")
        and forced["difference"] > 0
        and ru["alone_value"] > 0
    ):
        parts.append(_price_cut(ru, forced, "emitted" if facts.carbon else "cost"))
    owned = _owned_pool(rows, facts)
    if owned:
        parts.append(owned)
    return "; ".join(parts)


@dataclass
class _Facts:
    """What the sentences read from the plan besides a workload's own rows."""

    carbon: bool
    single: bool
    """The objective is one measure (cost or carbon), so a cut in it has a threshold."""
    pools: dict[str, dict[str, Any]]
    pool_users: dict[str, set[str]]
    phrases: dict[str, str]
    savings: dict[str, float]


def workload_sentences(plan: dict[str, Any]) -> dict[str, str]:
    """Workload -> one sentence (see module docstring) from the plan's JSON parts."""
    rows_of: dict[str, list[dict[str, Any]]] = {}
    pool_users: dict[str, set[str]] = {}
    for a in plan.get("assignments") or []:
        rows_of.setdefault(a["workload"], []).append(a)
        if a.get("pool"):
            pool_users.setdefault(a["pool"], set()).add(a["workload"])
    facts = _Facts(
        plan.get("objective") == "carbon",
        plan.get("objective") in ("cost", "carbon"),
        {p["pool"]: p for p in plan.get("pools") or []},
        pool_users,
        {
            b["constraint"]: b.get("description", b["constraint"])
            for b in plan.get("binding_constraints") or []
        },
        {
            b["constraint"]: b["saving_if_relaxed_usd"]
            for b in plan.get("binding_constraints") or []
            if b.get("saving_if_relaxed_usd") is not None
        },
    )
    value_key = "co2_location_kg" if facts.carbon else "cost_usd"
    out: dict[str, str] = {}
    for name, entry in (plan.get("runner_ups") or {}).items():
        rows = sorted(rows_of.get(name, []), key=lambda a: -a["share"])
        if not rows:
            continue
        own = sum(float(a[value_key]) for a in rows)
        text = f"{name} runs on {_placements(rows)} because "
        text += _why(name, rows, entry, own, facts) + _split(rows, entry, facts.phrases)
        if entry.get("runner_up") is not None:
            text += "; " + _alternative(entry, own, facts.carbon)
            change = _change(rows, entry, own, facts)
            if change:
                text += "; " + change
        text += "".join(f"; {n}" for n in service_break_even(plan.get("notes") or [], name))
        out[name] = text + "."
    return out
