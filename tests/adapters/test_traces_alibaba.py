"""Alibaba GPU v2023 adapter on small synthetic files: pools, pods, fractions, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from gigawatt.adapters import traces_alibaba as ali
from gigawatt.catalog import load_catalog
from gigawatt.errors import InputError

NODES = """sn,cpu_milli,memory_mib,gpu,model
n0,64000,262144,2,T4
n1,64000,262144,2,T4
n2,96000,786432,8,G2
n3,32000,262144,0,
"""
HEAD = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,"
HEAD += "creation_time,deletion_time,scheduled_time\n"
PODS = HEAD + (
    "p0,1000,1024,1,460,,LS,Running,0,1000,10\n"
    "p1,1000,1024,0,0,,LS,Running,5,50,5\n"
    "p2,1000,1024,1,1000,,BE,Pending,7,90,\n"
    "p3,1000,1024,8,1000,,LS,Succeeded,20,520,20\n"
)


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_node_pools_group_and_scale(tmp_path: Path) -> None:
    pools = ali.node_pools(_file(tmp_path, "n.csv", NODES), load_catalog(), units_per_gpu=100)
    assert [(p.id, p.nodes, p.gpus_per_node) for p in pools] == [
        ("g2-8gpu", 1, 800),
        ("t4-2gpu", 2, 200),
    ]
    l4 = load_catalog().get("accelerators", "l4")
    assert pools[1].node_power_kw == pytest.approx(2 * float(l4["tdp_w"]) / 1000)
    assert ali.capacity_gpus(pools, 100) == 12.0


def test_read_pods_keeps_scheduled_gpu_pods(tmp_path: Path) -> None:
    tr, skipped = ali.read_pods(_file(tmp_path, "p.csv", PODS))
    assert skipped == {"cpu_only": 1, "never_scheduled": 1}
    assert tr.job_id == ("p0", "p3")
    assert tr.gpus.tolist() == [0.46, 8.0]
    assert tr.queue_s.tolist() == [10.0, 0.0]
    assert tr.run_s.tolist() == [990.0, 500.0]
    assert tr.lines == (2, 5)
    assert ali.peak_busy_gpus(tr) == pytest.approx(8.46)
    # 0.46 x 990 + 8 x 500 GPU-s over 12 GPUs x 1000 s (span: first creation to last deletion)
    assert tr.utilisation(12) == pytest.approx((0.46 * 990 + 4000) / 12_000)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("q,1,1,x,1000,,LS,Running,0,5,0\n", "p.csv:2: column 'num_gpu' = 'x'"),
        ("q,1,1,1,-5,,LS,Running,0,5,0\n", "column 'gpu_milli' = '-5'"),
        ("q,1,1,1,500,V100M16,LS,Running,0,5,0\n", "column 'gpu_spec' = 'V100M16'"),
        ("q,1,1,1,500,,LS,Running,9,5,9\n", "pod 'q': expected gpu_milli > 0 and creation"),
    ],
)
def test_pod_errors(tmp_path: Path, row: str, expected: str) -> None:
    with pytest.raises(InputError) as err:
        ali.read_pods(_file(tmp_path, "p.csv", HEAD + row))
    assert expected in str(err.value)


def test_missing_columns_and_empty_inventory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"n\.csv:1: missing column 'model'"):
        ali.node_groups(_file(tmp_path, "n.csv", "sn,gpu\nn0,2\n"))
    with pytest.raises(InputError, match="no GPU nodes"):
        ali.node_groups(_file(tmp_path, "n.csv", "sn,gpu,model\nn0,0,\n"))
    with pytest.raises(InputError, match="unknown accelerator id 'v100'"):
        ali.node_pools(_file(tmp_path, "m.csv", NODES), load_catalog(), stand_in="v100")
