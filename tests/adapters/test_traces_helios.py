"""Helios summary -> fitted job stream: the two size classes reproduce the published means."""

from __future__ import annotations

from pathlib import Path

import pytest

from gigawatt.adapters.traces_helios import HELIOS_DAYS, helios_scenario, read_helios_summary
from gigawatt.errors import InputError

HEAD = (
    "id,gpu_num,job_num,gpu_job_num,avg_run_time_gpu,med_run_time_gpu,avg_que_time_gpu,"
    "med_que_time_gpu,avg_gpu_num,med_gpu_num,complete_gpu_time,cancel_gpu_time,fail_gpu_time\n"
)
ROW = "Mars,800,9,1000,5000.0,200.0,300.0,0.0,3.0,1.0,4e7,5e6,5e6\n"


def _summary(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "summary.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_classes_match_published_means(tmp_path: Path) -> None:
    (c,) = read_helios_summary(_summary(tmp_path, HEAD + ROW + "total,1,1,1,1,1,1,1,1,1,1,1,1\n"))
    assert c.gpu_time_s == 5e7 and c.gpu_s_per_job == 5e4
    assert c.utilisation == pytest.approx(5e7 / (800 * HELIOS_DAYS * 86_400))
    classes = c.classes()
    # G = 4: 1-GPU share 1/3 < 0.5; G = 8: share 5/7 but big jobs would need 22,500 s and
    # 1-GPU jobs a negative mean; G = 16: share 13/15, means 2,308 s and 22,500 s
    assert [(g, round(m)) for g, _, m in classes] == [(1, 2308), (16, 22500)]
    assert sum(s * g for g, s, _ in classes) == pytest.approx(3.0)
    assert sum(s * m for _, s, m in classes) == pytest.approx(5000.0)
    assert sum(s * g * m for g, s, m in classes) == pytest.approx(5e4)
    sc = helios_scenario(c, days=10)
    assert sc.fleet.pools[0].nodes == 100
    rates = [st.rate_per_h for st in sc.job_streams]
    assert sum(rates) == pytest.approx(1000 / (HELIOS_DAYS * 24))


def test_bad_summary_rows(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"summary.csv:2: column 'avg_gpu_num' = 'x'"):
        read_helios_summary(_summary(tmp_path, HEAD + ROW.replace(",3.0,", ",x,")))
    with pytest.raises(InputError, match=r"summary\.csv:2: expected gpu_num >= 8"):
        read_helios_summary(_summary(tmp_path, HEAD + ROW.replace("5000.0,200.0", "100.0,200.0")))
    with pytest.raises(InputError, match=r"summary\.csv:1: missing column 'id'"):
        read_helios_summary(_summary(tmp_path, "name\nx\n"))


def test_no_size_classes_fit(tmp_path: Path) -> None:
    # GPU-time per job below mean GPUs x mean run time cannot come from longer big jobs
    (c,) = read_helios_summary(_summary(tmp_path, HEAD + ROW.replace("4e7,5e6,5e6", "1e6,0,0")))
    with pytest.raises(InputError, match="no two size classes"):
        c.classes()
