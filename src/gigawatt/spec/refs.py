"""Check a validated scenario's ids (accelerators, venues, offers, regions, models...) against a
catalog, so that typos fail at the edge with a suggestion instead of deep inside the optimiser."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from gigawatt.errors import InputError, closest, unknown_id_error
from gigawatt.spec.scenario import Scenario
from gigawatt.spec.workloads import (
    AgentWorkload,
    EdgeInferenceWorkload,
    InteractiveWorkload,
)

Ref = tuple[str, str, str]
"""(field path, catalog table, id)."""

_NOUNS = {
    "accelerators": "accelerator",
    "models": "model",
    "offers": "offer",
    "regions": "region",
    "systems": "system",
    "venues": "venue",
}


class CatalogLike(Protocol):
    """The part of :class:`gigawatt.catalog.Catalog` this module needs."""

    def ids(self, table: str) -> Iterable[str]:
        """Every id of ``table``."""
        ...

    def get(self, table: str, id: str, *, field: str | None = None) -> Mapping[str, Any]:
        """The row ``id`` of ``table`` (raises InputError naming ``field`` when unknown)."""
        ...


def _workload_refs(scenario: Scenario) -> Iterator[Ref]:
    for index, workload in enumerate(scenario.workloads):
        at = f"workloads[{index}]"
        if not workload.model_is_path:
            yield f"{at}.model", "models", workload.model
        for table, pins in (
            ("accelerators", workload.accelerators),
            ("venues", workload.venues),
            ("regions", workload.regions),
        ):
            for position, value in enumerate(pins or []):
                yield f"{at}.{table}[{position}]", table, value
        if isinstance(workload, InteractiveWorkload | AgentWorkload) and workload.users_region:
            yield f"{at}.users_region", "regions", workload.users_region
        if isinstance(workload, EdgeInferenceWorkload):
            yield f"{at}.sites_region", "regions", workload.sites_region


def _scenario_refs(scenario: Scenario) -> Iterator[Ref]:
    for table, values in (("venues", scenario.venues), ("offers", scenario.offers)):
        for position, value in enumerate(values or []):
            yield f"{table}[{position}]", table, value
    for index, power in enumerate(scenario.limits.power_caps):
        at = f"limits.power_caps[{index}]"
        if power.venue:
            yield f"{at}.venue", "venues", power.venue
        if power.region:
            yield f"{at}.region", "regions", power.region
    for index, cap in enumerate(scenario.limits.accelerator_caps):
        at = f"limits.accelerator_caps[{index}]"
        for field, table in (
            ("offer", "offers"),
            ("venue", "venues"),
            ("region", "regions"),
            ("accelerator", "accelerators"),
        ):
            value = getattr(cap, field)
            if value:
                yield f"{at}.{field}", table, value
    for index, owned in enumerate(scenario.owned_hardware):
        at = f"owned_hardware[{index}]"
        yield f"{at}.accelerator", "accelerators", owned.accelerator
        yield f"{at}.venue", "venues", owned.venue
        yield f"{at}.region", "regions", owned.region
        if owned.system:
            yield f"{at}.system", "systems", owned.system


def scenario_refs(scenario: Scenario) -> list[Ref]:
    """Every catalog id the scenario mentions, with the field that mentions it."""
    return [*_workload_refs(scenario), *_scenario_refs(scenario)]


def _as_list(cell: Any) -> list[str]:
    """A list cell as parsed by the catalog (a list) or raw (``"fr;eu"``)."""
    if cell is None:
        return []
    if isinstance(cell, str):
        return [part.strip() for part in cell.split(";") if part.strip()]
    return [str(part) for part in cell]


def _jurisdictions(catalog: CatalogLike) -> set[str]:
    """Every jurisdiction some catalog region belongs to."""
    known: set[str] = set()
    for region in catalog.ids("regions"):
        row = catalog.get("regions", region, field="regions")
        known.update(_as_list(row.get("jurisdictions")))
    return known


def _jurisdiction_problems(scenario: Scenario, catalog: CatalogLike) -> Iterator[InputError]:
    known = _jurisdictions(catalog)
    if not known:
        return
    for index, workload in enumerate(scenario.workloads):
        for position, code in enumerate(workload.data.allowed_jurisdictions or []):
            if code not in known:
                near = closest(code, sorted(known))
                hint = (
                    f"did you mean {', '.join(map(repr, near))}?"
                    if near
                    else f"known: {', '.join(sorted(known))}"
                )
                yield InputError(
                    f"no catalog region belongs to jurisdiction {code!r}; {hint}",
                    where=f"workloads[{index}].data.allowed_jurisdictions[{position}]",
                )


def _model_path_problems(scenario: Scenario) -> Iterator[InputError]:
    for index, workload in enumerate(scenario.workloads):
        if workload.model_is_path:
            path = Path(workload.model).expanduser()
            config = path / "config.json" if path.is_dir() else path
            if not config.is_file():
                yield InputError(
                    f"model config {str(config)!r} not found (a catalog id or a path to a "
                    "Hugging Face config.json)",
                    where=f"workloads[{index}].model",
                )


def _candidate_venues(scenario: Scenario, catalog: CatalogLike) -> set[str] | None:
    """Venues the scenario lets the plan use; None when every catalog venue is a candidate."""
    if scenario.venues is None and scenario.offers is None:
        return None
    venues = set(scenario.venues or [])
    for offer in scenario.offers or []:
        venue = catalog.get("offers", offer, field="offers").get("venue")
        if venue:
            venues.add(str(venue))
    venues.update(owned.venue for owned in scenario.owned_hardware)
    return venues


def _consistency_problems(scenario: Scenario, catalog: CatalogLike) -> Iterator[InputError]:
    candidates = _candidate_venues(scenario, catalog)
    for index, workload in enumerate(scenario.workloads):
        for position, venue in enumerate(workload.venues or []):
            if candidates is not None and venue not in candidates:
                yield InputError(
                    f"venue {venue!r} is not a candidate; the scenario's venues, offers and owned "
                    f"hardware allow: {', '.join(sorted(candidates))}",
                    where=f"workloads[{index}].venues[{position}]",
                )
    for index, owned in enumerate(scenario.owned_hardware):
        if owned.system:
            carried = catalog.get("systems", owned.system, field="owned_hardware").get(
                "accelerator"
            )
            if carried and carried != owned.accelerator:
                yield InputError(
                    f"system {owned.system!r} carries {carried!r}, not {owned.accelerator!r}",
                    where=f"owned_hardware[{index}].system",
                )


def check_scenario_refs(scenario: Scenario, catalog: CatalogLike) -> None:
    """Raise :class:`InputError` for the first id the catalog does not know (with suggestions),
    then for pinned venues outside the candidates and missing model config files.

    The message names the field (``workloads[0].accelerators[1]``) and says ``(+N more)`` when
    there are further problems.
    """
    ids: dict[str, list[str]] = {}
    problems: list[InputError] = []
    for field, table, value in scenario_refs(scenario):
        known = ids.setdefault(table, sorted(catalog.ids(table)))
        if value not in known:
            problems.append(unknown_id_error(_NOUNS[table], value, known, field=field))
    problems.extend(_model_path_problems(scenario))
    if not problems:
        problems.extend(_jurisdiction_problems(scenario, catalog))
        problems.extend(_consistency_problems(scenario, catalog))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        first = problems[0]
        text = str(first).removeprefix(f"{first.where}: ") if first.where else str(first)
        raise InputError(f"{text} (+{len(problems) - 1} more)", where=first.where)
