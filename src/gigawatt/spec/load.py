"""How a workload's demand moves over time: its load profile.

A profile describes the *shape* of demand relative to the workload's mean rate (``qps``,
``tasks_per_day``, ``qps_per_site``); the planner turns it into hourly levels
(:mod:`gigawatt.models.demand`) and plans capacity over time blocks. Shapes:

- ``steady``: flat (peak = mean).
- ``diurnal``: a daily sinusoid peaking at ``peak_hour_utc`` with ``peak_to_mean`` (<= 2: at 2
  the trough reaches zero).
- ``weekly``: the diurnal sinusoid on weekdays, scaled by ``weekend_factor`` on Saturday and
  Sunday (the cycle starts on a Monday, 00:00 UTC).
- ``bursty``: at peak a share ``peak_share`` of the time, at a flat base otherwise, with
  ``peak_to_mean`` the peak over the mean (so ``peak_to_mean x peak_share <= 1``); the burst
  hours are assumed to coincide with the portfolio's busiest hours (conservative for shared
  capacity).
- ``csv``: hourly values from a file the user gives (``path``, relative to the scenario file;
  one number per line, an optional header line; at least 24 values; only the shape counts).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from gigawatt.spec._base import FieldError, SpecModel

Shape = Literal["steady", "diurnal", "weekly", "bursty", "csv"]

MAX_SINUSOID_PEAK_TO_MEAN = 2.0
"""A sinusoid's peak over its mean is at most 2 (its trough reaches zero there)."""

_FIELDS_OF: dict[str, tuple[str, ...]] = {
    "steady": (),
    "diurnal": ("peak_to_mean", "peak_hour_utc"),
    "weekly": ("peak_to_mean", "peak_hour_utc", "weekend_factor"),
    "bursty": ("peak_to_mean", "peak_share"),
    "csv": ("path",),
}
"""Which optional fields each shape reads (the others must stay unset)."""

_REQUIRED: dict[str, tuple[str, ...]] = {
    "steady": (),
    "diurnal": ("peak_to_mean",),
    "weekly": ("peak_to_mean",),
    "bursty": ("peak_to_mean", "peak_share"),
    "csv": ("path",),
}


class LoadProfile(SpecModel):
    """The shape of a workload's demand over time (module docstring)."""

    shape: Shape = Field(description="steady, diurnal, weekly, bursty or csv.")
    peak_to_mean: float | None = Field(
        None,
        ge=1,
        description=(
            "Peak rate over the mean rate [ratio] (diurnal, weekly: at most 2; bursty: "
            "peak_to_mean x peak_share <= 1)."
        ),
    )
    peak_share: float | None = Field(
        None, gt=0, lt=1, description="bursty: share of the time spent at the peak [fraction]."
    )
    peak_hour_utc: float | None = Field(
        None,
        ge=0,
        lt=24,
        description="diurnal, weekly: hour of the daily peak [h, UTC]; null = 14.",
    )
    weekend_factor: float | None = Field(
        None,
        ge=0,
        le=1,
        description="weekly: weekend over weekday demand at the same hour [ratio]; null = 0.5.",
    )
    path: str | None = Field(
        None,
        min_length=1,
        description="csv: file of hourly demand values (relative to the scenario file).",
    )

    @model_validator(mode="after")
    def _fields_match_shape(self) -> LoadProfile:
        for name in ("peak_to_mean", "peak_share", "peak_hour_utc", "weekend_factor", "path"):
            if getattr(self, name) is not None and name not in _FIELDS_OF[self.shape]:
                allowed = ", ".join(_FIELDS_OF[self.shape]) or "no other field"
                raise FieldError(
                    f"does not apply to shape {self.shape!r} (it takes {allowed})",
                    (name,),
                    getattr(self, name),
                )
        for name in _REQUIRED[self.shape]:
            if getattr(self, name) is None:
                raise FieldError(f"shape {self.shape!r} needs {name}", ("shape",), self.shape)
        ratio = self.peak_to_mean
        sinusoid = self.shape in ("diurnal", "weekly")
        if sinusoid and ratio is not None and ratio > MAX_SINUSOID_PEAK_TO_MEAN:
            raise FieldError(
                "must be <= 2 for a sinusoidal day (use bursty or csv for sharper peaks)",
                ("peak_to_mean",),
                ratio,
            )
        share = self.peak_share or 0.0
        if self.shape == "bursty" and ratio is not None and ratio * share > 1.0:
            raise FieldError(
                f"peak_to_mean x peak_share = {ratio * share:g} must be <= 1 "
                "(the peak alone would exceed the mean)",
                ("peak_share",),
                share,
            )
        return self


STEADY = LoadProfile(shape="steady")
"""The default profile: flat demand."""
