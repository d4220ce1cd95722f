"""Workload generators fitted to trace files: job run times and cluster occupancy.

- :func:`fit_runtimes`: a mixture of log-normals fitted to job run times by expectation
  maximisation on log(s) (``components = 1`` is the plain log-normal maximum-likelihood fit).
  Goodness of fit is the Kolmogorov-Smirnov distance (largest gap between the fitted and the
  empirical CDF). Run times of 0 s cannot be log-normal; they are left out and counted.
- :func:`fit_occupancy`: an hour-of-week profile of the busy fraction (active / total nodes) plus
  a first-order autoregressive residual, fitted to a per-minute occupancy series; the generator
  draws series from it (:meth:`OccupancyModel.sample`).

Input files (``read_runtimes``, ``read_occupancy``) are the Philly-derived files of
``../shared/sim-traces/philly-derived`` (Jeon et al., ATC'19): a one-column CSV ``runtime`` (s)
and a CSV ``time,active,total`` (``YYYY-MM-DD HH:MM:SS``, node counts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from gigawatt.adapters.csv_input import csv_rows
from gigawatt.errors import InputError

F64 = NDArray[np.float64]
_erf = np.vectorize(math.erf, otypes=[float])


def _float(path: Path, line: int, column: str, value: str | None, minimum: float) -> float:
    try:
        x = float(value or "")
    except ValueError:
        x = math.nan
    if not math.isfinite(x) or x < minimum:
        raise InputError(
            f"column {column!r} = {str(value)[:40]!r}: expected a number >= {minimum:g}",
            where=f"{path}:{line}",
        )
    return x


def read_runtimes(path: str | Path) -> F64:
    """Run times (s) of a one-column CSV with header ``runtime``."""
    p = Path(path)
    rows = csv_rows(p, ("runtime",))
    if not rows:
        raise InputError("no run times", where=str(p))
    return np.array([_float(p, n, "runtime", r["runtime"], 0.0) for n, r in rows])


@dataclass(frozen=True)
class LognormalMixture:
    """Mixture of log-normals: weights, and mean/sd of log(s) per component."""

    weights: tuple[float, ...]
    mu: tuple[float, ...]
    sigma: tuple[float, ...]
    ks_distance: float
    samples: int
    left_out_zero: int

    @property
    def mean_s(self) -> float:
        """Mean run time of the fitted distribution (s)."""
        return sum(w * math.exp(m + s * s / 2) for w, m, s in self._parts())

    def _parts(self) -> zip[tuple[float, float, float]]:
        return zip(self.weights, self.mu, self.sigma, strict=True)

    def cdf(self, x_s: F64) -> F64:
        """P(run time <= x_s)."""
        z = np.log(np.maximum(np.asarray(x_s, dtype=float), 1e-300))
        out = np.zeros_like(z)
        for w, m, s in self._parts():
            out += w * _normal_cdf((z - m) / s)
        return np.asarray(out, dtype=float)

    def quantile_s(self, q: float) -> float:
        """The run time (s) below which a fraction ``q`` of jobs ends (bisection on log s)."""
        lo, hi = min(self.mu) - 10 * max(self.sigma), max(self.mu) + 10 * max(self.sigma)
        for _ in range(100):
            mid = (lo + hi) / 2
            if float(self.cdf(np.array([math.exp(mid)]))[0]) < q:
                lo = mid
            else:
                hi = mid
        return math.exp((lo + hi) / 2)

    def sample(self, rng: np.random.Generator, n: int) -> F64:
        """``n`` run times (s) drawn from the mixture."""
        k = rng.choice(len(self.weights), size=n, p=np.asarray(self.weights))
        return np.exp(rng.normal(np.asarray(self.mu)[k], np.asarray(self.sigma)[k]))


def _normal_cdf(z: F64) -> F64:
    return np.asarray(0.5 * (1.0 + _erf(z / math.sqrt(2.0))), dtype=float)


def ks_distance(x: F64, cdf: F64) -> float:
    """Kolmogorov-Smirnov distance of sorted samples ``x`` against model CDF values ``cdf``."""
    n = len(x)
    upper = np.arange(1, n + 1) / n
    lower = np.arange(0, n) / n
    return float(max(np.max(upper - cdf), np.max(cdf - lower)))


def fit_runtimes(runtimes_s: F64, components: int = 2, iterations: int = 300) -> LognormalMixture:
    """Fit a ``components``-part log-normal mixture to run times (s) by EM on log(s).

    Starts from equal-count slices of the sorted logs (deterministic); stops after
    ``iterations`` or when the log-likelihood gains less than 1e-9 per sample.
    """
    x = np.sort(np.asarray(runtimes_s, dtype=float))
    pos = x[x > 0]
    if len(pos) < 10 * components:
        raise InputError(
            f"need at least {10 * components} positive run times, got {len(pos)}",
            where="runtimes",
        )
    z = np.log(pos)
    parts = np.array_split(z, components)
    w = np.full(components, 1.0 / components)
    mu = np.array([p.mean() for p in parts])
    sd = np.array([max(p.std(), 0.1) for p in parts])
    last = -math.inf
    for _ in range(iterations):
        dens = w * np.exp(-0.5 * ((z[:, None] - mu) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
        total = dens.sum(axis=1, keepdims=True)
        resp = dens / np.maximum(total, 1e-300)
        ll = float(np.log(np.maximum(total, 1e-300)).mean())
        n_k = resp.sum(axis=0)
        w = n_k / len(z)
        mu = (resp * z[:, None]).sum(axis=0) / n_k
        sd = np.sqrt(np.maximum((resp * (z[:, None] - mu) ** 2).sum(axis=0) / n_k, 1e-4))
        if ll - last < 1e-9:
            break
        last = ll
    fit = LognormalMixture(
        tuple(w.tolist()), tuple(mu.tolist()), tuple(sd.tolist()), 0.0, len(pos), len(x) - len(pos)
    )
    d = ks_distance(pos, fit.cdf(pos))
    return LognormalMixture(fit.weights, fit.mu, fit.sigma, d, fit.samples, fit.left_out_zero)


def read_occupancy(path: str | Path) -> tuple[F64, F64]:
    """(time s since 1970-01-01 as written, no time zone; busy fraction active/total) of a
    ``time,active,total`` CSV."""
    p = Path(path)
    rows = csv_rows(p, ("time",))
    if len(rows) < 2:
        raise InputError("need at least two rows", where=str(p))
    stamps = [r["time"].strip() for _, r in rows]
    try:
        times = np.array(stamps, dtype="datetime64[s]").astype(np.int64).astype(float)
    except ValueError:
        for (n, _), text in zip(rows, stamps, strict=True):
            try:
                np.datetime64(text, "s")
            except ValueError:
                raise InputError(
                    f"column 'time' = {text[:40]!r}: expected 'YYYY-MM-DD HH:MM:SS'",
                    where=f"{p}:{n}",
                ) from None
        raise
    frac = []
    for n, r in rows:
        total = _float(p, n, "total", r.get("total"), 1.0)
        active = _float(p, n, "active", r.get("active"), 0.0)
        if active > total:
            raise InputError(
                f"column 'active' = {active:g}: more than total ({total:g})", where=f"{p}:{n}"
            )
        frac.append(active / total)
    return times, np.array(frac)


@dataclass(frozen=True)
class OccupancyModel:
    """Busy fraction = hour-of-week profile + AR(1) residual (per sample step)."""

    profile: tuple[float, ...]  # 168 means, hour 0 = Monday 00:00
    phi: float
    noise_sd: float
    step_s: float

    def expected(self, times_s: F64) -> F64:
        """Profile value at POSIX times ``times_s``."""
        return np.asarray(self.profile, dtype=float)[_hour_of_week(times_s)]

    def sample(self, rng: np.random.Generator, times_s: F64) -> F64:
        """A busy-fraction series at ``times_s`` (one AR step per sample), clipped to [0, 1]."""
        eps = rng.normal(0.0, self.noise_sd, len(times_s))
        resid = np.empty(len(times_s))
        prev = 0.0
        for i, e in enumerate(eps):
            prev = self.phi * prev + e
            resid[i] = prev
        return np.clip(self.expected(times_s) + resid, 0.0, 1.0)


def _hour_of_week(times_s: F64) -> NDArray[np.int64]:
    # POSIX day 0 (1970-01-01) is a Thursday: shift by 3 days so that index 0 is Monday 00:00
    return ((np.asarray(times_s) // 3600 + 72) % 168).astype(np.int64)


def fit_occupancy(times_s: F64, busy: F64) -> OccupancyModel:
    """Fit :class:`OccupancyModel` to a regularly sampled busy-fraction series."""
    how = _hour_of_week(times_s)
    overall = float(np.mean(busy))
    sums = np.bincount(how, weights=busy, minlength=168)
    counts = np.bincount(how, minlength=168)
    profile = np.where(counts > 0, sums / np.maximum(counts, 1), overall)
    resid = busy - profile[how]
    phi = float(np.dot(resid[1:], resid[:-1]) / max(np.dot(resid[:-1], resid[:-1]), 1e-300))
    noise = resid[1:] - phi * resid[:-1]
    step = float(np.median(np.diff(times_s)))
    return OccupancyModel(tuple(profile.tolist()), phi, float(np.std(noise)), step)


def r_squared(observed: F64, predicted: F64) -> float:
    """Coefficient of determination of ``predicted`` for ``observed``."""
    ss_res = float(np.sum((observed - predicted) ** 2))
    ss_tot = float(np.sum((observed - np.mean(observed)) ** 2))
    return 1.0 - ss_res / ss_tot if ss_tot > 0 else 0.0
