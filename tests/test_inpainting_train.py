"""Training CLI of the inpainting GAN: finite losses, resume == uninterrupted, torchrun."""

from __future__ import annotations

import csv
import itertools
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
from course_utils.inpainting.masks import mixed_mask
from course_utils.inpainting.models import (
    deepfill_config,
    load_model,
    register_model,
    training_model_config,
    unregister_model,
)
from course_utils.inpainting.networks import Generator
from course_utils.inpainting.train import TrainConfig, Trainer, augment, learning_rate, train

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
        coarse_width=4,
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
    saved = torch.load(out / "generator.pt", weights_only=True)
    assert saved["model"] == deepfill_config(width=8, coarse_width=4).to_dict()
    assert all(isinstance(v, torch.Tensor) for v in saved["state_dict"].values())
    generator = load_model(out / "generator.pt")
    assert (generator.width, generator.coarse_width) == (8, 4)


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


def _assert_same_weights(expected: torch.nn.Module, got: torch.nn.Module) -> None:
    for key, value in expected.state_dict().items():
        assert torch.equal(value, got.state_dict()[key]), key


def test_resume_reads_a_checkpoint_of_older_code(image_folder, tmp_path):
    """Checkpoints written before the model config was stored hold the bare weights."""
    straight = Trainer(_config(image_folder, tmp_path / "straight"))
    straight.run()
    split = tmp_path / "split"
    train(_config(image_folder, split, steps=2))
    saved = torch.load(split / "checkpoint.pt", weights_only=False)
    assert saved["generator"]["model"] == deepfill_config(8, 4).to_dict()
    saved["generator"] = saved["generator"]["state_dict"]  # the old layout
    torch.save(saved, split / "checkpoint.pt")
    resumed = Trainer(_config(image_folder, split, resume=True))
    resumed.run()
    _assert_same_weights(straight.generator, resumed.generator)
    _assert_same_weights(straight.critics, resumed.critics)


def test_resume_with_another_generator_width_is_a_clear_error(image_folder, tmp_path):
    train(_config(image_folder, tmp_path, steps=1))
    with pytest.raises(ValueError, match="this run builds"):
        Trainer(_config(image_folder, tmp_path, width=12, resume=True)).run()


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
            "--coarse-width",
            "4",
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
        "--coarse-width",
        "4",
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
    generator = load_model(out / "generator.pt")
    assert all(torch.isfinite(v).all() for v in generator.state_dict().values())


@pytest.mark.parametrize(
    "flags",
    [
        ["--image-size", "60"],
        ["--batch-size", "0"],
        ["--box-min", "0.7", "--box-max", "0.5"],
        ["--box-min", "0"],
        ["--model", "no_such_kind"],
        ["--model-options", "[1, 2]"],
        ["--model-options", "{width: 8}"],
    ],
)
def test_bad_arguments_are_rejected_before_training(flags, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["train", *flags])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "must be" in err or "registered kinds" in err


def test_learning_rate_is_constant_then_decays_by_a_half_cosine():
    config = TrainConfig(steps=1000, lr=1e-3, lr_decay_start=0.6, lr_final=0.1)
    assert learning_rate(config, 0) == learning_rate(config, 599) == 1e-3
    assert learning_rate(config, 800) == pytest.approx((1e-3 + 1e-4) / 2)  # half-way
    assert learning_rate(config, 1000) == pytest.approx(1e-4)
    assert learning_rate(config, 5000) == pytest.approx(1e-4)  # past the end: the floor
    rates = [learning_rate(config, step) for step in range(600, 1001)]
    assert all(a >= b for a, b in zip(rates, rates[1:], strict=False))
    assert learning_rate(replace(config, lr_decay_start=1.0), 999) == 1e-3


def test_augment_permutes_each_images_channels_and_turns_the_batch():
    images = torch.rand(6, 3, 8, 8)
    turned = augment(images, np.random.default_rng(3))
    again = augment(images, np.random.default_rng(3))
    assert torch.equal(turned, again)  # a function of the generator's state
    matched = []
    for original, result in zip(images, turned, strict=True):
        candidates = [
            (k, order)
            for k in range(4)
            for order in itertools.permutations(range(3))
            if torch.equal(torch.rot90(original[list(order)], k, (1, 2)), result)
        ]
        assert candidates, "not a channel permutation plus a rotation"
        matched.append(candidates[0])
    assert len({k for k, _ in matched}) == 1  # one rotation for the whole batch
    many = augment(torch.rand(64, 3, 4, 4), np.random.default_rng(0))
    assert many.shape == (64, 3, 4, 4)


def test_training_boxes_follow_the_configured_range():
    masks = mixed_mask(200, 64, 64, box_fraction=1.0, rng=0, box_range=(0.375, 0.625))
    rows = masks.any(axis=2).sum(axis=1)
    cols = masks.any(axis=1).sum(axis=1)
    assert rows.min() >= 24 and cols.min() >= 24 and rows.max() <= 40 and cols.max() <= 40
    assert rows.min() < 28 and rows.max() > 36  # the whole range is used
    with pytest.raises(ValueError, match="box_range"):
        mixed_mask(1, 64, 64, rng=0, box_range=(0.5, 0.25))


def test_the_model_is_chosen_by_config_without_touching_the_trainer(image_folder, tmp_path):
    """A registered kind trains and saves under its own name; load_model rebuilds it."""

    class NarrowGenerator(Generator):
        def __init__(self, width: int = 8) -> None:
            super().__init__(width=width, coarse_width=4)

    register_model("narrow_for_test", NarrowGenerator)
    try:
        config = _config(image_folder, tmp_path / "run", steps=2)
        config = replace(config, model="narrow_for_test", model_options='{"width": 16}')
        out = train(config)
        saved = torch.load(out / "generator.pt", weights_only=True)
        assert saved["model"] == {"kind": "narrow_for_test", "options": {"width": 16}}
        loaded = load_model(out / "generator.pt")
        assert isinstance(loaded, NarrowGenerator) and loaded.width == 16
    finally:
        unregister_model("narrow_for_test")


def test_training_model_config_merges_options_and_names_errors():
    assert training_model_config() == deepfill_config()
    merged = training_model_config(width=16, options='{"attention_rate": 1}')
    assert merged == deepfill_config(width=16, attention_rate=1)
    with pytest.raises(ValueError, match="JSON object"):
        training_model_config(options="[1]")
    with pytest.raises(ValueError, match="registered kinds"):
        training_model_config("unknown_kind")
