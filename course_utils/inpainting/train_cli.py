"""``python -m course_utils.inpainting train``: every :class:`.train.TrainConfig` field as an
option (``--image-size``, ``--model``, ...), checked before the run starts."""

from __future__ import annotations

import argparse
import os
from dataclasses import fields

from .masks import check_box_range
from .models import training_model_config
from .train import GENERATOR_NAME, TrainConfig, train

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.inpainting train",
        description="Train the small contextual-attention inpainting GAN (also under torchrun).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    defaults = TrainConfig()
    helps = {
        "data": "'builtin' (scikit-image photos) or a folder of images (searched recursively)",
        "skip_unreadable": "skip unreadable image files with a warning instead of failing",
        "image_size": "side of the square training crops (a multiple of 8)",
        "steps": "total optimisation steps (a resumed run continues up to this number)",
        "batch_size": "images per step (per process under torchrun)",
        "model": "registered generator kind (models.register_model); deepfill_v1_small "
        "takes --width and --coarse-width",
        "model_options": "JSON object of extra builder options, e.g. '{\"attention_rate\": 1}'",
        "critic_width": "base width (channels) of the local and global critics",
        "lr": "Adam learning rate of the generator",
        "critic_lr": "Adam learning rate of the critics",
        "seed": "seed of weights, crops, flips and masks",
        "width": "base width (channels) of the generator's refinement stage",
        "coarse_width": "base width (channels) of the generator's coarse stage",
        "lr_decay_start": "fraction of --steps after which the generator's lr decays (cosine)",
        "lr_final": "generator lr at the last step, as a fraction of --lr",
        "beta1": "Adam beta1 of the generator",
        "box_min": "smallest box side, as a fraction of the crop side",
        "box_max": "largest box side, as a fraction of the crop side",
        "augment": "permute colour channels and rotate batches by multiples of 90 degrees",
        "adv_weight": "weight of the adversarial loss relative to the L1 losses",
        "gan_start": "step at which the critics and the adversarial loss switch on",
        "box_fraction": "probability of a box mask (else free-form strokes)",
        "device": "auto (cuda > mps > cpu), cpu, cuda, cuda:1, mps",
        "out": "output folder: losses.csv, samples_*.png, checkpoint.pt, generator.pt",
        "sample_every": "write a sample grid every N steps (0 = never)",
        "checkpoint_every": "save a checkpoint every N steps (0 = only by time)",
        "checkpoint_minutes": "also save when this many minutes passed since the last save",
        "eval_every": "every N steps log the hole L1 on the fixed test crops (0 = never)",
        "max_minutes": "stop cleanly (and save) after this many minutes (0 = no limit)",
        "resume": "continue from OUT/checkpoint.pt (weights, optimisers, step, RNG states)",
        "progress": "show a tqdm progress bar",
    }
    for field in fields(TrainConfig):
        flag = "--" + field.name.replace("_", "-")
        default = getattr(defaults, field.name)
        if isinstance(default, bool):
            parser.add_argument(
                flag,
                action=argparse.BooleanOptionalAction,
                default=default,
                help=helps.get(field.name),
            )
        else:
            parser.add_argument(
                flag,
                type=type(default),
                default=default,
                help=helps.get(field.name, field.name.replace("_", " ")),
            )
    return parser


def main(argv: list[str] | None = None) -> int:
    """CLI entry point of ``train``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.image_size < 16 or args.image_size % 8:
        parser.error(f"--image-size must be a multiple of 8 and >= 16, got {args.image_size}")
    if args.batch_size < 1 or args.steps < 0:
        parser.error("--batch-size must be >= 1 and --steps >= 0")
    try:
        check_box_range((args.box_min, args.box_max))
    except ValueError:
        parser.error(
            "--box-min and --box-max must be fractions with 0 < box-min <= box-max <= 1, "
            f"got {args.box_min}, {args.box_max}"
        )
    try:
        training_model_config(args.model, args.width, args.coarse_width, args.model_options)
    except ValueError as error:
        parser.error(str(error))
    config = TrainConfig(**vars(args))
    out = train(config)
    if int(os.environ.get("RANK", "0")) == 0:
        print(f"saved {out / GENERATOR_NAME}")
    return 0
