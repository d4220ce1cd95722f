"""The scenario: a portfolio of workloads, candidate venues/offers, limits and an objective."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from gigawatt.spec._base import (
    CatalogId,
    Count,
    FieldError,
    Name,
    SpecModel,
    duplicates,
    unique_ids,
)
from gigawatt.spec.workloads import TrainingWorkload, Workload

SCHEMA_ID = "urn:gigawatt:scenario:1"
"""``$id`` of the exported JSON Schema (a URN: nothing is fetched from it)."""

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

Objective = Literal["cost", "carbon", "weighted"]


class ObjectiveWeights(SpecModel):
    """Weights of the ``weighted`` objective.

    The optimiser minimises ``cost * w_cost / cost_ref + carbon * w_carbon / carbon_ref`` where
    ``cost_ref`` and ``carbon_ref`` are the optima of the pure ``cost`` and ``carbon`` objectives,
    so the weights compare relative (dimensionless) changes.
    """

    cost: float = Field(ge=0, description="Weight of total cost, normalised [dimensionless].")
    carbon: float = Field(
        ge=0, description="Weight of total emissions (kgCO2e), normalised [dimensionless]."
    )

    @model_validator(mode="after")
    def _not_all_zero(self) -> ObjectiveWeights:
        if self.cost + self.carbon <= 0:
            raise FieldError("at least one weight must be > 0", ("cost",), self.cost)
        return self


class PowerCap(SpecModel):
    """Most power drawn at a venue, a region, a site (venue + region) or, with neither, overall."""

    venue: CatalogId | None = Field(None, description="Venue id the cap applies to; null = all.")
    region: CatalogId | None = Field(None, description="Region id the cap applies to; null = all.")
    power_cap_mw: float = Field(gt=0, description="Most power drawn [MW].")
    basis: Literal["facility", "it"] = Field(
        "facility",
        description="`facility`: grid draw, cooling included (IT × PUE); `it`: IT equipment only.",
    )


class AcceleratorCap(SpecModel):
    """Most accelerators held at once from an offer, or matching venue/region/accelerator (a
    site: venue + region): rented, owned and bought alike."""

    offer: CatalogId | None = Field(
        None, description="Offer id; excludes venue, region and accelerator (the offer fixes them)."
    )
    venue: CatalogId | None = Field(None, description="Venue id; null = any.")
    region: CatalogId | None = Field(None, description="Region id; null = any.")
    accelerator: CatalogId | None = Field(None, description="Accelerator id; null = any.")
    max_count: Count = Field(
        ge=0, description="Most accelerators held at once, rented, owned or bought [accelerators]."
    )

    @model_validator(mode="after")
    def _offer_is_exclusive(self) -> AcceleratorCap:
        if self.offer is not None:
            for field in ("venue", "region", "accelerator"):
                if getattr(self, field) is not None:
                    raise FieldError(
                        f"drop it: offer {self.offer!r} already fixes the {field}",
                        (field,),
                        getattr(self, field),
                    )
        return self


class Limits(SpecModel):
    """Hard limits on the plan."""

    budget_usd: float | None = Field(
        None, gt=0, description="Most total spend over `horizon_days` [USD]; null = no budget."
    )
    power_caps: list[PowerCap] = Field(
        default_factory=list, description="Power caps per venue, region, site or overall."
    )
    offer_capacity: Literal["typical", "high", "none"] = Field(
        "typical",
        description=(
            "Capacity of each rented offer: the catalog's `max_accelerators` (`typical`: what a "
            "buyer gets without a special deal), its `max_accelerators_high` (`high`: the "
            "largest published allocation, may need a negotiated deal) or no limit (`none`)."
        ),
    )
    accelerator_caps: list[AcceleratorCap] = Field(
        default_factory=list,
        description="Caps on accelerators per offer, venue, site or accelerator type.",
    )
    allow_announced: bool = Field(
        False,
        description=(
            "Let the plan choose accelerators the catalog marks `availability: announced` "
            "(announced, not yet purchasable; their figures are preliminary)."
        ),
    )

    @field_validator("power_caps", "accelerator_caps")
    @classmethod
    def _one_cap_per_scope(
        cls, caps: list[PowerCap] | list[AcceleratorCap], info: ValidationInfo
    ) -> list[PowerCap] | list[AcceleratorCap]:
        scopes = [cap.model_dump(exclude={"power_cap_mw", "max_count"}) for cap in caps]
        keys = [tuple(sorted(scope.items())) for scope in scopes]
        for index, first in duplicates(keys):
            raise FieldError(
                f"same scope as {info.field_name}[{first}]; keep one cap per scope",
                (index,),
                scopes[index],
            )
        return caps


class OwnedHardware(SpecModel):
    """Accelerators the user already owns (always candidates, whatever `venues`/`offers` say)."""

    accelerator: CatalogId = Field(description="Accelerator id.")
    count: Count = Field(gt=0, description="Accelerators owned [accelerators].")
    venue: CatalogId = Field(description="Venue id where they are installed (e.g. `onprem`).")
    region: CatalogId = Field(description="Region id where they are installed.")
    system: CatalogId | None = Field(
        None, description="System id (server or rack) they come in; null = unspecified."
    )


class Site(SpecModel):
    """A place where bought hardware may be installed: a user-operated venue in a region."""

    venue: CatalogId = Field(description="Venue id (on-prem, colocation or edge).")
    region: CatalogId = Field(description="Region id.")


class Scenario(SpecModel):
    """A portfolio of AI workloads to place, with candidates, limits and an objective."""

    schema_version: Literal[1] = Field(1, description="Version of this schema.")
    name: Name = Field(description="Scenario name (used in report and file names).")
    description: str = Field("", description="Free-text description.")
    objective: Objective = Field(
        "cost",
        description=(
            "`cost`: least total cost [USD]; `carbon`: least emissions [kgCO2e]; `weighted`: "
            "both, with `weights`."
        ),
    )
    weights: ObjectiveWeights | None = Field(
        None, description="Weights of the `weighted` objective (required for it, only for it)."
    )
    horizon_days: float = Field(365.0, gt=0, description="Planning horizon [days].")
    workloads: list[Workload] = Field(min_length=1, description="The workloads to place.")
    venues: list[CatalogId] | None = Field(
        None,
        min_length=1,
        description=(
            "Candidate venue ids: all their offers are candidates. With `offers` the candidates "
            "are the union. Both null = every catalog offer."
        ),
    )
    offers: list[CatalogId] | None = Field(
        None, min_length=1, description="Candidate offer ids (see `venues`)."
    )
    per_token_services: bool = Field(
        True,
        description=(
            "Also consider per-token AI services (catalog `services`) for inference workloads: "
            "those of the candidate venues (every venue when `venues` and `offers` are null); "
            "false plans self-hosting only."
        ),
    )
    limits: Limits = Field(default_factory=Limits, description="Budget, power and capacity caps.")
    owned_hardware: list[OwnedHardware] = Field(
        default_factory=list, description="Hardware already owned."
    )
    purchase_sites: list[Site] | None = Field(
        None,
        min_length=1,
        description=(
            "Where bought hardware may be installed; null = any user-operated candidate venue "
            "and region that passes each workload's constraints. [] is not allowed (omit "
            "purchases by listing `venues`/`offers` without user-operated venues)."
        ),
    )
    time_blocks: Count = Field(
        24,
        ge=1,
        le=8760,
        description=(
            "Most time blocks the load profiles are reduced to (the plan's time resolution): "
            "hours with the same demand of every workload share a block; beyond this many "
            "distinct hours, similar hours are merged, each block holding its hours' peak."
        ),
    )

    @field_validator("venues", "offers")
    @classmethod
    def _unique(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        return unique_ids(value, info.field_name)

    @field_validator("workloads")
    @classmethod
    def _unique_names(cls, workloads: list[Workload]) -> list[Workload]:
        names = [workload.name for workload in workloads]
        for index, first in duplicates(names):
            raise FieldError(
                f"duplicate workload name; already used by workloads[{first}]",
                (index, "name"),
                names[index],
            )
        return workloads

    @model_validator(mode="after")
    def _weights_match_objective(self) -> Scenario:
        if self.objective == "weighted" and self.weights is None:
            raise FieldError(
                "needs weights: {cost: ..., carbon: ...}", ("objective",), self.objective
            )
        if self.objective != "weighted" and self.weights is not None:
            raise FieldError(
                f"weights apply only to objective 'weighted', not {self.objective!r}",
                ("weights",),
                self.weights.model_dump(),
            )
        return self

    @model_validator(mode="after")
    def _within_horizon(self) -> Scenario:
        horizon = self.horizon_days
        for index, workload in enumerate(self.workloads):
            if workload.start_day >= horizon:
                raise FieldError(
                    f"must be < horizon_days = {horizon:g}",
                    ("workloads", index, "start_day"),
                    workload.start_day,
                )
            if isinstance(workload, TrainingWorkload) and workload.slo is not None:
                end = workload.start_day + workload.slo.deadline_days
                if end > horizon:
                    raise FieldError(
                        f"start_day + deadline_days = {end:g} exceeds horizon_days = {horizon:g}",
                        ("workloads", index, "slo", "deadline_days"),
                        workload.slo.deadline_days,
                    )
        return self

    def workload(self, name: str) -> Workload:
        """Return the workload called ``name`` (KeyError when absent)."""
        for workload in self.workloads:
            if workload.name == name:
                return workload
        raise KeyError(name)


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a scenario file, for editors and ``gigawatt schema``."""
    schema = Scenario.model_json_schema(mode="validation")
    schema.pop("title", None)
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": "gigawatt scenario",
        **schema,
    }
