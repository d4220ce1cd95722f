"""Validation family ``simulate.traces``: the twin against real cluster traces.

The trace files are read at run time from the sim-traces folder (:func:`traces_dir`); they are
not shipped (the Alibaba files carry no licence). Without the folder the family reports one
``not run`` line. Cases:

- Alibaba GPU v2023 (TRC001-TRC002): the pods replayed on the trace's own node inventory; the
  twin's utilisation against the one the pod intervals record, and its mean queue time against
  ``scheduled_time - creation_time``.
- Helios (TRC010-TRC017): per cluster, the fitted generator
  (:func:`gigawatt.adapters.traces_helios.helios_scenario`) run for :data:`HELIOS_WINDOW_DAYS`;
  utilisation and mean GPU-job queue time against the published summary.
- Philly (TRC020-TRC023): the log-normal mixture fitted to the job run times (goodness of fit,
  mean, median) and the occupancy generator fitted on the first five weeks of the per-minute
  node occupancy, predicting the mean of the rest.

A case whose disagreement has a stated cause outside the twin (the trace's scheduler, a window
shorter than the distribution's tail) is shown with its error but not graded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from gigawatt.adapters import traces_alibaba as ali
from gigawatt.adapters.traces_fit import fit_occupancy, fit_runtimes, read_occupancy, read_runtimes
from gigawatt.adapters.traces_helios import helios_scenario, read_helios_summary
from gigawatt.adapters.traces_jobs import with_trace_jobs
from gigawatt.simulate.run import simulate
from gigawatt.spec.simulation import parse_simulation
from gigawatt.validation.report import Case, checked, compared

FAMILY = "simulate.traces"
ENV = "GIGAWATT_SIM_TRACES"
ALIBABA = "github:alibaba/clusterdata@7a6c496e:cluster-trace-gpu-v2023/csv/ (Weng et al., ATC'23)"
HELIOS = (
    "github:S-Lab-System-Group/HeliosArtifact@bdaae109:analysis/1_compare with Philly trace/"
    "helios_cluster_summary.csv (Hu et al., SC'21)"
)
PHILLY_RT = (
    "github:alibaba/clusterdata@7a6c496e:cluster-trace-gpu-v2020/analysis/philly_runtime.csv "
    "(Philly trace, Jeon et al., ATC'19)"
)
PHILLY_OCC = (
    "github:S-Lab-System-Group/HeliosArtifact@bdaae109:framework/CES Service/data/"
    "philly_node_sequence.csv (Philly trace, Jeon et al., ATC'19)"
)
#: Fractional GPUs of the Alibaba replay are counted in hundredths (exact for gpu_milli).
ALIBABA_UNITS_PER_GPU = 100
#: Window of each Helios run (days): a compromise between run time (about 3.5 s for the four
#: clusters) and the log-normal tail, whose expected load needs far longer runs.
HELIOS_WINDOW_DAYS = 30.0
PHILLY_RUNTIME_COMPONENTS = 3
PHILLY_TRAIN_DAYS = 35.0
#: The tolerance an ungraded case would have (printed with it).
TOL_UNGRADED = 0.10


def traces_dir() -> Path | None:
    """The sim-traces folder: ``$GIGAWATT_SIM_TRACES`` when set, else ``../shared/sim-traces``
    beside the source checkout or the current folder; None when it does not exist."""
    env = os.environ.get(ENV)
    candidates = (
        [Path(env)]
        if env
        else [
            Path(__file__).resolve().parents[3].parent / "shared" / "sim-traces",
            Path.cwd().parent / "shared" / "sim-traces",
        ]
    )
    return next((c for c in candidates if c.is_dir()), None)


def _ungraded(
    cid: str, subject: str, metric: str, unit: str, pred: float, pub: float, src: str, why: str
) -> Case:
    detail = f"not graded (would be ±{TOL_UNGRADED:.0%}): {why}"
    return Case(FAMILY, cid, subject, metric, unit, pred, pub, None, True, src, detail)


def trace_cases(catalog: Any) -> Iterator[Case]:
    """Every trace case, or one ``not run`` line without the traces folder."""
    root = traces_dir()
    if root is None:
        yield checked(
            FAMILY,
            "TRC000",
            "real cluster traces",
            "trace cases",
            True,
            "../shared/sim-traces (see its README)",
            f"not run: no sim-traces folder (set {ENV})",
        )
        return
    yield from alibaba_cases(root / "alibaba-gpu-v2023", catalog)
    yield from helios_cases(root / "helios" / "helios_cluster_summary.csv", catalog)
    yield from philly_cases(root / "philly-derived")


def alibaba_replay(folder: Path, catalog: Any) -> dict[str, float]:
    """Replay the default pod list on the GPU node list: recorded and simulated figures."""
    units = ALIBABA_UNITS_PER_GPU
    pools = ali.node_pools(folder / "openb_node_list_gpu_node.csv", catalog, units)
    trace, skipped = ali.read_pods(folder / "openb_pod_list_default.csv")
    base = parse_simulation(
        {
            "name": "alibaba-gpu-v2023",
            "days": trace.span_s / 86_400.0,
            "sample_interval_s": 86_400.0,
            "fleet": {"pools": [p.model_dump(exclude_unset=True) for p in pools]},
            "failures": {"table": "none"},
        }
    )
    sc, zero = with_trace_jobs(base, trace, units)
    res = simulate(sc, catalog, keep_jobs=False)
    cap = ali.capacity_gpus(pools, units)
    return {
        "gpus": cap,
        "pods": trace.jobs,
        "cpu_only": skipped["cpu_only"],
        "never_scheduled": skipped["never_scheduled"],
        "zero_length": zero,
        "util_recorded": trace.utilisation(cap),
        "util_twin": float(res.kpis["gpu_utilization"]),
        "queue_mean_recorded_s": float(np.mean(trace.queue_s)),
        "queue_median_recorded_s": float(np.median(trace.queue_s)),
        "queue_mean_twin_s": float(res.kpis["queue_time_s_mean"] or 0.0),
        "peak_busy_gpus": ali.peak_busy_gpus(trace),
        "days": trace.span_s / 86_400.0,
    }


def alibaba_cases(folder: Path, catalog: Any) -> Iterator[Case]:
    r = alibaba_replay(folder, catalog)
    subject = (
        f"Alibaba GPU v2023: {r['pods']:,.0f} GPU pods replayed on its {r['gpus']:,.0f}-GPU "
        f"node list over {r['days']:.0f} days"
    )
    left = (
        f"{r['cpu_only']:.0f} CPU-only and {r['never_scheduled']:.0f} never-scheduled pods left "
        f"out; fractions in 1/{ALIBABA_UNITS_PER_GPU} GPU"
    )
    yield compared(
        FAMILY,
        "TRC001",
        subject,
        "GPU utilisation",
        "ratio",
        r["util_twin"],
        r["util_recorded"],
        0.05,
        ALIBABA,
        f"recorded = the file's pods: sum(GPUs x (deletion - scheduled)) / (GPUs x span); {left}",
    )
    yield _ungraded(
        "TRC002",
        subject,
        "mean queue time",
        "s",
        r["queue_mean_twin_s"],
        r["queue_mean_recorded_s"],
        ALIBABA,
        f"the file's pods never contend for GPUs (at most {r['peak_busy_gpus']:.0f} of "
        f"{r['gpus']:,.0f} busy at once): they are a small part of the cluster's work, so the "
        f"recorded queue (median {r['queue_median_recorded_s']:.0f} s) comes from work not in "
        "the file, the Kubernetes scheduler's latency and CPU/memory fitting, none of which the "
        "replay sees",
    )


def helios_cases(path: Path, catalog: Any) -> Iterator[Case]:
    for k, c in enumerate(read_helios_summary(path)):
        res = simulate(helios_scenario(c, HELIOS_WINDOW_DAYS), catalog, keep_jobs=False)
        queue_s = float(res.kpis["queue_time_s_mean"] or 0.0)
        classes = ", ".join(f"{g} GPU {s:.0%} mean {m:,.0f} s" for g, s, m in c.classes())
        subject = (
            f"Helios {c.id}: {c.gpus:,} GPUs, fitted job stream ({classes}), "
            f"{HELIOS_WINDOW_DAYS:.0f} days"
        )
        yield _ungraded(
            f"TRC{10 + 2 * k:03d}",
            subject,
            "GPU utilisation",
            "ratio",
            float(res.kpis["gpu_utilization"]),
            c.utilisation,
            HELIOS,
            f"the generator's expected load equals the published one, but run times are "
            f"log-normal with sigma {c.run_sigma:.2f}: "
            f"{c.load_share_beyond(HELIOS_WINDOW_DAYS):.0%} of it comes from jobs longer than "
            f"the {HELIOS_WINDOW_DAYS:.0f}-day window, and a finite draw of so heavy a tail "
            f"usually falls short of its mean; jobs waited {queue_s:.0f} s on average, so the "
            "twin served what it was offered (published = GPU-time of GPU jobs / (GPUs x 183 d))",
        )
        yield _ungraded(
            f"TRC{11 + 2 * k:03d}",
            subject,
            "mean GPU-job queue time",
            "s",
            queue_s,
            c.queue_mean_s,
            HELIOS,
            "Helios queues jobs per virtual cluster (Slurm partitions with their own GPUs); the "
            "twin has one FIFO queue over the whole cluster, which at this load rarely fills "
            "(the per-VC layout is in the full Helios data, not in the shared summary)",
        )


def philly_cases(folder: Path) -> Iterator[Case]:
    runtimes = read_runtimes(folder / "philly_runtime.csv")
    fit = fit_runtimes(runtimes, PHILLY_RUNTIME_COMPONENTS)
    single = fit_runtimes(runtimes, 1)
    subject = (
        f"Philly job run times ({len(runtimes):,} jobs): mixture of "
        f"{PHILLY_RUNTIME_COMPONENTS} log-normals (EM on log s)"
    )
    yield checked(
        FAMILY,
        "TRC020",
        subject,
        "goodness of fit (Kolmogorov-Smirnov distance <= 0.05)",
        fit.ks_distance <= 0.05,
        PHILLY_RT,
        f"KS distance {fit.ks_distance:.3f} (one log-normal: {single.ks_distance:.3f}); "
        f"{fit.left_out_zero} run times of 0 s left out",
    )
    yield compared(
        FAMILY,
        "TRC021",
        subject,
        "mean run time",
        "s",
        fit.mean_s,
        float(np.mean(runtimes)),
        0.15,
        PHILLY_RT,
        f"one log-normal gives {single.mean_s:,.0f} s",
    )
    yield compared(
        FAMILY,
        "TRC022",
        subject,
        "median run time",
        "s",
        fit.quantile_s(0.5),
        float(np.median(runtimes)),
        0.15,
        PHILLY_RT,
        f"one log-normal gives {single.quantile_s(0.5):,.0f} s",
    )
    times, busy = read_occupancy(folder / "philly_node_sequence.csv")
    train = times < times[0] + PHILLY_TRAIN_DAYS * 86_400.0
    model = fit_occupancy(times[train], busy[train])
    yield compared(
        FAMILY,
        "TRC023",
        f"Philly per-minute node occupancy: hour-of-week profile + AR(1) fitted on the first "
        f"{PHILLY_TRAIN_DAYS:.0f} days, predicting the remaining "
        f"{(times[-1] - times[0]) / 86_400.0 - PHILLY_TRAIN_DAYS:.0f}",
        "mean busy fraction (active / total nodes)",
        "ratio",
        float(np.mean(model.expected(times[~train]))),
        float(np.mean(busy[~train])),
        0.10,
        PHILLY_OCC,
        f"AR(1) coefficient {model.phi:.4f} per minute: the load drifts over days more than it "
        "follows the week",
    )
