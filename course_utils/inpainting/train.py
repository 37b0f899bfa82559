"""Training loop of the inpainting GAN: CLI ``python -m course_utils.inpainting train``.

One step (order matters on current PyTorch):

1. the generator inpaints the batch: (coarse, fine) = G(x, mask);
2. critic step: hinge loss on real images vs the *detached* completed images, backward,
   critic optimiser step;
3. generator step: reconstruction loss plus ``adv_weight`` times the adversarial loss,
   computed with a *fresh* critic forward (after the critic's parameters changed in
   place), backward, generator optimiser step.

Public ports that evaluate the generator's adversarial loss before the critic's
optimiser step fail on current PyTorch ("modified by an inplace operation"), because
backward then needs the old critic weights. During the first ``gan_start`` steps only
the reconstruction loss is trained (the critics are idle), which gets the blurry-but-
right fill that the hole-L1 metric rewards before the adversarial term sharpens it.

The generator's learning rate is constant up to ``lr_decay_start`` (a fraction of
``steps``) and then follows a half cosine down to ``lr_final`` times its value at the
last step (the critics keep theirs): the late, small steps average out the noise of
single batches, which at a constant rate moves the held-out error by several percent
from one evaluation to the next. Augmentation (``augment``): each crop's colour channels
are permuted and the batch is turned by a random multiple of 90 degrees; seventeen
photos give few distinct colour schemes, and the fill must not depend on them.

Everything is seeded: the data and masks of step s on rank r are functions of
(seed, r, s), and checkpoints store the optimiser states, the step and the RNG states,
so ``--resume`` reproduces an uninterrupted run. Under ``torchrun`` the models are
wrapped in DistributedDataParallel (gloo on CPU, nccl on CUDA) and each rank draws its
own data; only rank 0 writes files.
"""

from __future__ import annotations

import csv
import json
import math
import os
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from .attention import attention_flow_image
from .data import RandomCropDataset, load_images
from .losses import critic_hinge_loss, generator_hinge_loss, reconstruction_loss
from .masks import mixed_mask
from .models import DEEPFILL, build_model, model_payload, training_model_config, unpack_payload
from .networks import Critics, count_parameters, local_boxes

CHECKPOINT_NAME = "checkpoint.pt"
GENERATOR_NAME = "generator.pt"
PREVIEW_INDEX = 2**40  # data index of the fixed preview batch (far beyond any training step)


@dataclass
class TrainConfig:
    """Every knob of a training run (stored in the checkpoint and ``config.json``)."""

    data: str = "builtin"
    skip_unreadable: bool = False
    image_size: int = 64
    steps: int = 2000
    batch_size: int = 16
    model: str = DEEPFILL
    model_options: str = ""
    width: int = 32
    coarse_width: int = 8
    critic_width: int = 32
    lr: float = 3e-4
    lr_decay_start: float = 0.6
    lr_final: float = 0.05
    beta1: float = 0.9
    critic_lr: float = 2e-4
    adv_weight: float = 1e-3
    gan_start: int = 1000
    box_fraction: float = 1.0
    box_min: float = 0.375
    box_max: float = 0.625
    augment: bool = True
    seed: int = 0
    device: str = "auto"
    out: str = "runs/inpainting"
    sample_every: int = 200
    checkpoint_every: int = 200
    checkpoint_minutes: float = 5.0
    eval_every: int = 0
    max_minutes: float = 0.0
    resume: bool = False
    progress: bool = True


def _bar_options() -> dict[str, object]:
    """In a notebook the bar goes to stdout (not the highlighted stderr box) and redraws at
    most once a second, so a run leaves a few dozen updates of one line, not one per step."""
    shell = sys.modules.get("IPython")
    in_kernel = shell is not None and type(shell.get_ipython()).__name__ == "ZMQInteractiveShell"
    return {"file": sys.stdout, "mininterval": 1.0} if in_kernel else {}


def pick_device(name: str = "auto") -> torch.device:
    """``auto`` -> cuda if available, else mps if available, else cpu."""
    if name != "auto":
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (all devices)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _rng_state() -> dict:
    return {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def _set_rng_state(state: dict) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _unwrap(module: nn.Module) -> nn.Module:
    return module.module if isinstance(module, DistributedDataParallel) else module


class Trainer:
    """Owns models, optimisers, data and bookkeeping of one (possibly distributed) run."""

    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
        self.device = pick_device(config.device)
        if self.distributed:
            self._init_distributed()
        self.rank = dist.get_rank() if self.distributed else 0
        self.world = dist.get_world_size() if self.distributed else 1
        self.out = Path(config.out)
        seed_everything(config.seed)  # identical initial weights on every rank
        self.model_config = training_model_config(
            config.model, config.width, config.coarse_width, config.model_options
        )
        self.generator = build_model(self.model_config).to(self.device)
        self.critics = Critics(config.image_size // 2, config.critic_width).to(self.device)
        self.opt_g = torch.optim.Adam(
            self.generator.parameters(), config.lr, betas=(config.beta1, 0.999)
        )
        self.opt_d = torch.optim.Adam(
            self.critics.parameters(), config.critic_lr, betas=(0.5, 0.999)
        )
        self.step = 0
        if self.distributed:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.generator = DistributedDataParallel(self.generator, device_ids=ids)
            self.critics = DistributedDataParallel(self.critics, device_ids=ids)
        images = load_images(config.data, skip_unreadable=config.skip_unreadable)
        self.dataset = RandomCropDataset(
            images, config.image_size, seed=config.seed * 1000 + self.rank
        )
        self.eval_set = None

    def _init_distributed(self) -> None:
        if self.device.type == "cuda":
            local_rank = int(os.environ.get("LOCAL_RANK", "0"))
            torch.cuda.set_device(local_rank)
            self.device = torch.device("cuda", local_rank)
            dist.init_process_group("nccl")
        else:
            dist.init_process_group("gloo")

    # ----------------------------------------------------------------- data
    def batch(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Images (B, 3, S, S) in [-1, 1] and masks (B, 1, S, S) of ``step`` on this rank."""
        size, count = self.config.image_size, self.config.batch_size
        first = step * count if step >= 0 else PREVIEW_INDEX
        images = self.dataset.batch(range(first, first + count))
        if self.config.augment and step >= 0:
            images = augment(images, np.random.default_rng([self.config.seed, self.rank, step, 11]))
        images = images * 2.0 - 1.0
        rng = np.random.default_rng(
            [self.config.seed, self.rank, step if step >= 0 else PREVIEW_INDEX, 7]
        )
        box_range = (self.config.box_min, self.config.box_max)
        masks = mixed_mask(count, size, size, self.config.box_fraction, rng, box_range)
        masks_t = torch.from_numpy(masks).unsqueeze(1).float()
        return images.to(self.device), masks_t.to(self.device)

    # ----------------------------------------------------------------- step
    def train_step(self, step: int) -> dict[str, float]:
        """One generator (and, after ``gan_start``, critic) update. Returns loss values."""
        config = self.config
        for group in self.opt_g.param_groups:
            group["lr"] = learning_rate(config, step)
        images, masks = self.batch(step)
        coarse, fine = self.generator(images, masks)
        completed = fine * masks + images * (1.0 - masks)
        logs: dict[str, float] = {}
        adversarial = images.new_zeros(())
        if step >= config.gan_start:
            boxes = local_boxes(masks, config.image_size // 2)
            real_fake = torch.cat([images, completed.detach()])
            global_scores, local_scores = self.critics(real_fake, torch.cat([boxes, boxes]))
            count = images.shape[0]
            d_loss = critic_hinge_loss(global_scores[:count], global_scores[count:])
            d_loss = d_loss + critic_hinge_loss(local_scores[:count], local_scores[count:])
            self.opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            self.opt_d.step()
            # Fresh critic forward *after* its in-place update (see module docstring).
            global_fake, local_fake = self.critics(completed, boxes)
            adversarial = generator_hinge_loss(global_fake) + generator_hinge_loss(local_fake)
            logs["d_loss"] = float(d_loss.detach())
            logs["g_adv"] = float(adversarial.detach())
        reconstruction, parts = reconstruction_loss(coarse, fine, images, masks)
        g_loss = reconstruction + config.adv_weight * adversarial
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.opt_g.step()
        logs.update(parts)
        logs["g_loss"] = float(g_loss.detach())
        return logs

    # ----------------------------------------------------------- checkpoints
    def state(self) -> dict:
        return {
            "generator": model_payload(self.model_config, _unwrap(self.generator)),
            "critics": _unwrap(self.critics).state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "step": self.step,
            "rng": _rng_state(),
            "config": asdict(self.config),
        }

    def save(self) -> None:
        """Write ``checkpoint.pt`` (everything) and ``generator.pt`` (model config and
        weights, :func:`.models.load_model` reads it)."""
        if self.rank != 0:
            return
        self.out.mkdir(parents=True, exist_ok=True)
        for name, payload in (
            (CHECKPOINT_NAME, self.state()),
            (GENERATOR_NAME, model_payload(self.model_config, _unwrap(self.generator))),
        ):
            temporary = self.out / (name + ".tmp")
            torch.save(payload, temporary)
            os.replace(temporary, self.out / name)

    def load(self, path: Path) -> None:
        state = torch.load(path, map_location=self.device, weights_only=False)
        stored, weights = unpack_payload(state["generator"])  # older files: bare weights
        if stored != self.model_config:
            raise ValueError(f"{path} holds a {stored}, this run builds a {self.model_config}")
        _unwrap(self.generator).load_state_dict(weights)
        _unwrap(self.critics).load_state_dict(state["critics"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.step = int(state["step"])
        _set_rng_state(state["rng"])

    # ------------------------------------------------------------ artefacts
    def write_samples(self) -> None:
        """PNG grid of 8 fixed samples: rows = input (hole grey), output, attention flow."""
        import matplotlib.image as mpimg

        generator = _unwrap(self.generator)
        images, masks = self.batch(-1)  # -1: the fixed preview batch, never trained on
        images, masks = images[:8], masks[:8]
        was_training = generator.training
        generator.eval()
        with torch.no_grad():
            _, fine, maps = generator(images, masks, return_attention=True)
        generator.train(was_training)
        completed = fine * masks + images * (1.0 - masks)
        shown_input = images * (1.0 - masks)

        def to_row(batch: torch.Tensor) -> np.ndarray:
            array = ((batch.clamp(-1, 1) + 1) / 2).permute(0, 2, 3, 1).cpu().numpy()
            return np.concatenate(list(array), axis=1)

        size = self.config.image_size
        flow = np.concatenate(list(attention_flow_image(maps, (size, size))), axis=1)
        grid = np.concatenate([to_row(shown_input), to_row(completed), flow], axis=0)
        mpimg.imsave(self.out / f"samples_{self.step:06d}.png", np.clip(grid, 0, 1))

    def evaluate_box_holes(self) -> tuple[float, float]:
        """(hole L1 x100, PSNR dB) of the current generator on the box holes of the
        evaluation set (the crops and masks of ``evaluate``, at the training size)."""
        from .api import inpaint_with_generator
        from .evaluate import evaluation_set, hole_l1, psnr

        if self.eval_set is None:
            self.eval_set = evaluation_set(size=self.config.image_size)
        images, box_masks, _ = self.eval_set
        generator = _unwrap(self.generator)
        was_training = generator.training
        filled = inpaint_with_generator(generator, images, box_masks, device=self.device)
        generator.train(was_training)
        return hole_l1(images, filled, box_masks), psnr(images, filled)

    # ----------------------------------------------------------------- loop
    def _should_stop(self, started: float) -> bool:
        stop = self.config.max_minutes > 0 and time.time() - started > 60 * self.config.max_minutes
        if self.distributed:  # every rank must stop at the same step
            flag = torch.tensor([float(stop)], device=self.device)
            dist.all_reduce(flag, op=dist.ReduceOp.MAX)
            stop = bool(flag.item() > 0)
        return stop

    def run(self) -> Path:
        """Train until ``steps`` (or ``max_minutes``); returns the output folder."""
        config = self.config
        checkpoint = self.out / CHECKPOINT_NAME
        if config.resume and checkpoint.exists():
            self.load(checkpoint)
        if self.rank == 0:
            self.out.mkdir(parents=True, exist_ok=True)
            (self.out / "config.json").write_text(json.dumps(asdict(config), indent=2))
            _trim_csv(self.out / "losses.csv", self.step)
        started = last_save = time.time()
        bar = tqdm(
            total=config.steps,
            initial=self.step,
            disable=not config.progress or self.rank != 0,
            desc=f"inpainting G {count_parameters(_unwrap(self.generator)) / 1e6:.2f}M params",
            **_bar_options(),
        )
        self.generator.train()
        self.critics.train()
        while self.step < config.steps and not self._should_stop(started):
            logs = self.train_step(self.step)
            self.step += 1
            bar.update(1)
            postfix = {"hole": f"{logs['fine_hole_l1']:.4f}", "g": f"{logs['g_loss']:.3f}"}
            bar.set_postfix(postfix, refresh=False)  # shown at the bar's next refresh
            if self.rank == 0:
                if config.eval_every and self.step % config.eval_every == 0:
                    l1, db = self.evaluate_box_holes()
                    logs["eval_hole_l1x100"], logs["eval_psnr"] = l1, db
                    bar.write(f"step {self.step}: box holes L1x100 {l1:.3f}, PSNR {db:.2f} dB")
                logs["seconds"] = time.time() - started
                _append_csv(self.out / "losses.csv", self.step, logs)
                if config.sample_every and self.step % config.sample_every == 0:
                    self.write_samples()
            periodic = config.checkpoint_every and self.step % config.checkpoint_every == 0
            overdue = time.time() - last_save > 60 * config.checkpoint_minutes
            if periodic or overdue:
                self.save()
                last_save = time.time()
        bar.close()
        self.save()
        if self.rank == 0 and config.sample_every:
            self.write_samples()
        if self.distributed:
            dist.barrier()
        return self.out


def learning_rate(config: TrainConfig, step: int) -> float:
    """Generator learning rate at ``step``: ``lr`` until ``lr_decay_start * steps``, then a
    half cosine to ``lr_final * lr`` at the last step."""
    decay_from = config.lr_decay_start * config.steps
    if step < decay_from or config.steps <= decay_from:
        return config.lr
    progress = min(1.0, (step - decay_from) / (config.steps - decay_from))
    floor = config.lr_final * config.lr
    return floor + 0.5 * (config.lr - floor) * (1.0 + math.cos(math.pi * progress))


def augment(images: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """Permute each image's colour channels and turn the batch by k * 90 degrees.

    images: (B, 3, S, S); returns a new tensor of the same shape.
    """
    order = torch.from_numpy(np.stack([rng.permutation(3) for _ in range(len(images))]))
    permuted = torch.gather(images, 1, order[:, :, None, None].expand_as(images))
    return torch.rot90(permuted, int(rng.integers(4)), dims=(2, 3))


def _append_csv(path: Path, step: int, logs: dict[str, float]) -> None:
    new = not path.exists()
    with path.open("a", newline="") as handle:
        writer = csv.writer(handle)
        if new:
            writer.writerow(["step", "name", "value"])
        for name, value in logs.items():
            writer.writerow([step, name, f"{value:.6g}"])


def _trim_csv(path: Path, step: int) -> None:
    """Drop rows logged after ``step`` (a resumed run rewrites them)."""
    if not path.exists():
        return
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    kept = rows[:1] + [row for row in rows[1:] if int(row[0]) <= step]
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(kept)


def train(config: TrainConfig) -> Path:
    """Run training; tears down the process group afterwards when distributed."""
    trainer = Trainer(config)
    try:
        return trainer.run()
    finally:
        if trainer.distributed and dist.is_initialized():
            dist.destroy_process_group()


def main(argv: list[str] | None = None) -> int:
    """CLI entry point of ``train`` (:mod:`.train_cli`)."""
    from .train_cli import main as cli

    return cli(argv)
