"""Training CLI of the inpainting GAN: finite losses, resume == uninterrupted, torchrun."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from skimage import io

from course_utils.inpainting.__main__ import main as cli_main
from course_utils.inpainting.train import TrainConfig, Trainer, train

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(0)
    for index in range(3):
        smooth = rng.random((6, 8, 3))
        image = np.kron(smooth, np.ones((8, 8, 1)))  # 48x64 blocky image
        io.imsave(
            folder / f"photo_{index}.png", (image * 255).astype(np.uint8), check_contrast=False
        )
    return folder


def _config(folder: Path, out: Path, **changes) -> TrainConfig:
    base = TrainConfig(
        data=str(folder),
        image_size=32,
        steps=4,
        batch_size=2,
        width=8,
        critic_width=4,
        gan_start=1,
        sample_every=0,
        checkpoint_every=0,
        seed=11,
        out=str(out),
        progress=False,
    )
    return replace(base, **changes)


def _read_losses(path: Path) -> dict[int, dict[str, float]]:
    rows: dict[int, dict[str, float]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            rows.setdefault(int(row["step"]), {})[row["name"]] = float(row["value"])
    return rows


def test_a_few_steps_give_finite_losses_and_artifacts(image_folder, tmp_path):
    out = train(_config(image_folder, tmp_path / "run", sample_every=2))
    losses = _read_losses(out / "losses.csv")
    assert sorted(losses) == [1, 2, 3, 4]
    assert "d_loss" not in losses[1] and "d_loss" in losses[2]  # critics start at gan_start
    for values in losses.values():
        assert all(np.isfinite(v) for v in values.values())
    assert (out / "samples_000002.png").exists() and (out / "generator.pt").exists()
    state = torch.load(out / "generator.pt", weights_only=True)
    assert all(isinstance(v, torch.Tensor) for v in state.values())


def test_resume_equals_uninterrupted_run(image_folder, tmp_path):
    straight = Trainer(_config(image_folder, tmp_path / "straight"))
    straight.run()
    split = tmp_path / "split"
    train(_config(image_folder, split, steps=2))
    resumed = Trainer(_config(image_folder, split, resume=True))
    assert resumed.step == 0
    resumed.run()
    assert resumed.step == 4
    for name, tensors in (("generator", "generator"), ("critics", "critics")):
        expected = getattr(straight, tensors).state_dict()
        got = getattr(resumed, tensors).state_dict()
        for key, value in expected.items():
            # Same seed, same ops, same CPU: bit-identical, no tolerance needed.
            assert torch.equal(value, got[key]), f"{name}.{key}"
    assert sorted(_read_losses(split / "losses.csv")) == [1, 2, 3, 4]


def test_cli_train_subcommand(image_folder, tmp_path):
    out = tmp_path / "cli"
    code = cli_main(
        [
            "train",
            "--data",
            str(image_folder),
            "--image-size",
            "32",
            "--steps",
            "1",
            "--batch-size",
            "2",
            "--width",
            "8",
            "--critic-width",
            "4",
            "--out",
            str(out),
            "--sample-every",
            "0",
            "--no-progress",
            "--device",
            "cpu",
        ]
    )
    assert code == 0 and (out / "checkpoint.pt").exists()


def test_corrupt_training_image_is_reported(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"\x89PNG broken")
    with pytest.raises(ValueError, match="bad.png"):
        train(_config(tmp_path, tmp_path / "run"))


def test_torchrun_two_cpu_processes(image_folder, tmp_path):
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc-per-node",
        "2",
        "-m",
        "course_utils.inpainting",
        "train",
        "--data",
        str(image_folder),
        "--image-size",
        "32",
        "--steps",
        "2",
        "--batch-size",
        "2",
        "--width",
        "8",
        "--critic-width",
        "4",
        "--gan-start",
        "1",
        "--out",
        str(out),
        "--sample-every",
        "0",
        "--no-progress",
        "--device",
        "cpu",
    ]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    losses = _read_losses(out / "losses.csv")
    assert sorted(losses) == [1, 2] and "d_loss" in losses[2]
    state = torch.load(out / "generator.pt", weights_only=True)
    assert all(torch.isfinite(v).all() for v in state.values())


@pytest.mark.parametrize("flags", [["--image-size", "60"], ["--batch-size", "0"]])
def test_bad_arguments_are_rejected_before_training(flags, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["train", *flags])
    assert exit_info.value.code == 2
    assert "must be" in capsys.readouterr().err
