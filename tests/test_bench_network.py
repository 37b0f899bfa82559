"""``python -m course_utils.bench network``: the layer lists, the table, the targets and the
fresh-process probe (on tiny layers: what is tested is the code, not the speed)."""

from __future__ import annotations

import pytest

from course_utils.bench import network
from course_utils.conv import LayerShape
from course_utils.conv import planner as P
from course_utils.conv.planner.store import PlanStore


def test_the_networks_list_every_3x3_layer_with_its_count() -> None:
    resnet = network.network_layers("resnet18")
    assert sum(item.count for item in resnet) == 16  # 2 x 2 blocks x 2 convs per stage
    assert {(i.layer.H, i.layer.C) for i in resnet if i.layer.stride == 1} >= {
        (56, 64), (28, 128), (14, 256), (7, 512)
    }  # fmt: skip
    assert all(i.layer.N == 8 and (i.layer.kh, i.layer.kw) == (3, 3) for i in resnet)
    vgg = network.network_layers("vgg16")
    assert sum(item.count for item in vgg) == 13 and all(i.layer.N == 4 for i in vgg)
    assert vgg[0].layer.C == 3 and vgg[0].layer.H == 224
    with pytest.raises(ValueError, match="unknown network"):
        network.network_layers("alexnet")


def _tiny_layers(name: str, quick: bool = False) -> list[network.NetworkLayer]:
    return [
        network.NetworkLayer("Tiny", "a 8->8", LayerShape(2, 8, 8, 12, 12, 3, 3, padding=1), 2),
        network.NetworkLayer("Tiny", "b 8->16 /2",
                             LayerShape(2, 8, 16, 12, 12, 3, 3, padding=1, stride=2), 1),
    ]  # fmt: skip


@pytest.fixture()
def tiny(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(network, "network_layers", _tiny_layers)
    monkeypatch.setattr(P, "_STORE", PlanStore())


def test_the_table_and_targets_come_from_one_side_by_side_run(tiny, tmp_path) -> None:
    plans = tmp_path / "plans.json"
    result = network.run_network_bench(["resnet18"], quick=True, budget=0.2, plans=str(plans),
                                       rounds=1)  # fmt: skip
    assert plans.exists() and len(result["rows"]) == 2
    for row in result["rows"]:
        assert {"torch", "auto"} <= set(row["medians"]) and row["error"] < 1e-4
    table = network.format_table(result)
    assert "whole network" in table and "a 8->8" in table and "b 8->16 /2" in table
    targets = network.targets(result)
    assert len(targets) == 5 and all(isinstance(met, bool) for _, met, _ in targets)
    assert targets[2][1] is False and targets[2][2] == "not in this run"  # no ResNet layers
    assert "kernels" in result["kernels"] or "no BLAS" in result["kernels"]


def test_main_prints_the_table_fairness_and_targets(tiny, capsys) -> None:
    assert network.main(["--quick", "--net", "resnet18", "--budget", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "Fairness:" in out and "Targets:" in out and "QUICK mode" in out
    assert "NumPy's BLAS:" in out


def test_the_fresh_process_probe_reports_a_median_and_a_plan() -> None:
    assert network._resnet18(8, 1)[2].name.startswith("conv3_x")  # the default layer
    small = LayerShape(1, 4, 4, 8, 8, 3, 3, padding=1)
    runs = network.im2col_processes(1, threads=1, layer=small)
    ((median, label),) = runs
    assert median > 0 and label.startswith("im2col")
