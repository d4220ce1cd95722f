"""Helios cluster summaries (Hu et al., SC'21) -> a fitted GPU job stream per cluster.

Source: ``helios_cluster_summary.csv`` of github:S-Lab-System-Group/HeliosArtifact@bdaae109
(``analysis/1_compare with Philly trace/``; artifact MIT, data CC-BY-4.0): per cluster its GPUs,
GPU job count, mean and median GPU-job run and queue times (s), mean and median GPUs per job and
the GPU-time of completed, cancelled and failed jobs (GPU-s).

The generator (:func:`helios_scenario`) fits only published figures, with these assumptions:

- Period: 183 days (April to September 2020: "Duration: 6 months", github:S-Lab-System-Group/
  HeliosData@106713b0:README.md). Arrivals are Poisson at ``gpu_job_num / 183 d``.
- Sizes take two values, 1 GPU and ``G`` GPUs, with the share of 1-GPU jobs
  ``(G - mean GPUs) / (G - 1)`` that gives the published mean (at least 0.5: the published
  median is 1 GPU). Big jobs run longer: the mean run times of the two classes are set so that
  together they give the published mean run time *and* the published GPU-time per job (in
  Helios the GPU-time per job is 1.8-5.2x mean GPUs x mean run time; drawing size and run time
  independently offers well under half the recorded load). ``G`` is the smallest power of two
  for which both class means are positive.
- Run times of each class are log-normal with the class mean and one sigma,
  ``sqrt(2 ln(mean / median))`` of the published mean and median run time.
- Nodes have 8 GPUs (the HeliosData README's per-VC GPU counts are all multiples of 8); the
  cluster is ``floor(gpu_num / 8)`` nodes of a stand-in catalog accelerator (power figures are
  the stand-in's; queue and utilisation do not depend on them). One FIFO queue with backfill,
  no failures; Helios' per-VC quotas are not modelled.

The recorded utilisation is the published GPU-time of all GPU jobs over ``gpu_num x 183 d``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from gigawatt.adapters.csv_input import csv_rows
from gigawatt.errors import InputError
from gigawatt.spec.simulation import SimulationScenario, parse_simulation

HELIOS_DAYS = 183.0
GPUS_PER_NODE = 8
_COLUMNS = (
    "id",
    "gpu_num",
    "gpu_job_num",
    "avg_run_time_gpu",
    "med_run_time_gpu",
    "avg_que_time_gpu",
    "med_que_time_gpu",
    "avg_gpu_num",
    "med_gpu_num",
    "complete_gpu_time",
    "cancel_gpu_time",
    "fail_gpu_time",
)


@dataclass(frozen=True)
class HeliosCluster:
    """Published figures of one Helios cluster (times in s)."""

    id: str
    gpus: int
    gpu_jobs: int
    run_mean_s: float
    run_median_s: float
    queue_mean_s: float
    queue_median_s: float
    gpus_mean: float
    gpus_median: float
    gpu_time_s: float

    @property
    def utilisation(self) -> float:
        """GPU-time of all GPU jobs over the cluster's GPU-time in the period."""
        return self.gpu_time_s / (self.gpus * HELIOS_DAYS * 86_400.0)

    @property
    def gpu_s_per_job(self) -> float:
        """Published GPU-time per GPU job (GPU-s)."""
        return self.gpu_time_s / self.gpu_jobs

    @property
    def run_sigma(self) -> float:
        """Log-normal sigma of run times from the published mean and median."""
        return math.sqrt(2.0 * math.log(self.run_mean_s / self.run_median_s))

    def load_share_beyond(self, days: float) -> float:
        """Share of the generator's expected GPU-time carried by jobs longer than ``days``
        (for a log-normal, E[S; S > T] / E[S] = Phi(sigma - ln(T / median) / sigma))."""
        sigma = self.run_sigma
        total = beyond = 0.0
        for gpus, share, mean_s in self.classes():
            median = mean_s / math.exp(sigma * sigma / 2.0)
            z = sigma - math.log(days * 86_400.0 / median) / sigma
            load = gpus * share * mean_s
            total += load
            beyond += load * 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
        return beyond / total

    def classes(self) -> list[tuple[int, float, float]]:
        """(GPUs, share of jobs, mean run time s) of the two size classes (module docstring)."""
        big = 2
        while True:
            one = (big - self.gpus_mean) / (big - 1)
            if one >= 0.5:
                share = 1.0 - one
                run_big = (self.gpu_s_per_job - self.run_mean_s) / (share * (big - 1))
                run_one = (self.run_mean_s - share * run_big) / one
                if run_one > 0 and run_big > 0:
                    return [(1, one, run_one), (big, share, run_big)]
            if big > self.gpus:
                raise InputError(
                    f"cluster {self.id}: no two size classes match the published mean GPUs, "
                    "run time and GPU-time per job",
                    where="helios",
                )
            big *= 2


def read_helios_summary(path: str | Path) -> list[HeliosCluster]:
    """Clusters of the summary file (the ``total`` row is skipped)."""
    p = Path(path)
    out = []
    for line, row in csv_rows(p, _COLUMNS):
        if row["id"] == "total":
            continue
        try:
            v = [float(row[c]) for c in _COLUMNS[1:]]
        except ValueError:
            bad = next(c for c in _COLUMNS[1:] if not _is_number(row[c]))
            raise InputError(
                f"column {bad!r} = {row[bad][:40]!r}: expected a number", where=f"{p}:{line}"
            ) from None
        if v[0] < GPUS_PER_NODE or v[1] <= 0 or v[3] <= 0 or v[2] < v[3] or v[6] < 1:
            raise InputError(
                "expected gpu_num >= 8, jobs > 0, 0 < median <= mean run time, avg_gpu_num >= 1",
                where=f"{p}:{line}",
            )
        run_mean, run_median, q_mean, q_median, g_mean, g_median = v[2:8]
        out.append(
            HeliosCluster(
                row["id"],
                int(v[0]),
                int(v[1]),
                run_mean,
                run_median,
                q_mean,
                q_median,
                g_mean,
                g_median,
                v[8] + v[9] + v[10],
            )
        )
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def helios_scenario(
    c: HeliosCluster, days: float, seed: int = 0, stand_in: str = "h100-sxm"
) -> SimulationScenario:
    """The fitted twin of cluster ``c`` for ``days`` (module docstring)."""
    sigma = c.run_sigma
    streams = [
        {
            "id": f"gpu-jobs-{gpus}",
            "rate_per_h": share * c.gpu_jobs / (HELIOS_DAYS * 24.0),
            "gpus": [gpus],
            "duration_h_median": mean_s / math.exp(sigma * sigma / 2.0) / 3600.0,
            "duration_sigma": sigma,
            "checkpoint_interval_min": None,
            "preemptible": False,
        }
        for gpus, share, mean_s in c.classes()
    ]
    return parse_simulation(
        {
            "name": f"helios-{c.id.lower()}",
            "days": days,
            "seed": seed,
            "sample_interval_s": 86_400.0,
            "fleet": {
                "pools": [
                    {
                        "id": c.id.lower(),
                        "accelerator": stand_in,
                        "gpus_per_node": GPUS_PER_NODE,
                        "nodes": c.gpus // GPUS_PER_NODE,
                    }
                ]
            },
            "failures": {"table": "none"},
            "scheduler": {"policy": "fifo", "backfill": True},
            "job_streams": streams,
        },
        source=f"helios:{c.id}",
    )
